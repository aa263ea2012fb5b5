/**
 * What Jicofo sees, with fake brewery connections over a recorder with fake pipelines: `pending`, then
 * `on` at the first frame and `off` when the file is closed; failures with failure_reason and
 * should_retry; refusals; a stop; a lost connection; each server as a link in health; Jibri's
 * randomize-username. The real XMPP path runs in spec/integration/xmpp*.
 */
import xml, { type Element } from '@xmpp/xml';
import { RecorderError } from '../../../lib/errors';
import { Recorder } from '../../../lib/recorder/recorder';
import { NS_JIBRI } from '../../../lib/xmpp/jibri-iq';
import { XmppEdge } from '../../../lib/xmpp/xmpp-edge';
import { FakeConnection, FakeFinalizer, FakePipelines, FakeSources, quietLog, removeUnitDirs, settle, SteadyLoad, unitConfig } from '../../support/recorder-fakes';
import { sessionCallLogin } from '../../../lib/xmpp/xmpp-edge';
import { serverLinkCheck } from '../../../lib/xmpp/xmpp-edge';

jest.setTimeout(5000);

const XMPP_ENV = { XMPP_SERVER: '127.0.0.1', XMPP_DOMAIN: 'meet.test', JIBRI_XMPP_PASSWORD: 'control-pw', JIBRI_RECORDER_PASSWORD: 'call-pw' };
const ROOM = 'room@muc.meet.test';

const start = (attrs: Record<string, string> = {}): Element =>
  xml('jibri', { xmlns: NS_JIBRI, action: 'start', recording_mode: 'file', room: ROOM, session_id: 'jicofo-1', ...attrs });
const stop = (): Element => xml('jibri', { xmlns: NS_JIBRI, action: 'stop', session_id: 'jicofo-1' });

/** The answer's or status IQ's attributes that Jicofo reads. */
const said = (el: Element): Record<string, unknown> => {
  const { status, failure_reason, should_retry } = el.attrs as Record<string, string | undefined>;
  return { status, ...(failure_reason ? { failure_reason, should_retry } : {}) };
};

async function edge(env: Record<string, string> = {}) {
  const config = unitConfig({ ...XMPP_ENV, JIBRI_CONCURRENT_SESSIONS: '1', ...env });
  const pipelines = new FakePipelines();
  const recorder = new Recorder({
    config,
    log: quietLog,
    healthChecks: () => Promise.resolve({}),
    load: new SteadyLoad(),
    sources: new FakeSources(),
    sessions: { pipeline: pipelines.factory, finalize: new FakeFinalizer().finalize },
  });
  await recorder.init();
  const connections: FakeConnection[] = [];
  const e = new XmppEdge({
    config,
    environments: config.xmppEnvironments,
    recorder,
    log: quietLog,
    connect: (o) => {
      const c = new FakeConnection(o);
      connections.push(c);
      return c;
    },
  });
  return { e, recorder, pipelines, connections, conn: connections[0]! };
}

describe('XmppEdge', () => {
  const recorders: Recorder[] = [];
  const make = async (env: Record<string, string> = {}) => {
    const out = await edge(env);
    recorders.push(out.recorder);
    return out;
  };
  afterEach(async () => {
    for (const r of recorders.splice(0)) await r.shutdown();
  });
  afterAll(removeUnitDirs);

  it('answers pending after busy presence left, sends on at the first frame, and off once stopped', async () => {
    const { recorder, pipelines, conn } = await make();
    const answer = await conn.iq(start());
    expect(said(answer)).toEqual({ status: 'pending' });
    expect(conn.presences).toBeGreaterThan(0);
    const session = recorder.getSession('jicofo-1')!;
    expect(session.request).toMatchObject({ outputs: [{ kind: 'file' }], origin: { kind: 'xmpp', environment: '127.0.0.1' }, call: { baseUrl: 'https://meet.test', callName: 'room' } });
    expect(session.request.callLogin).toMatchObject({ domain: 'hidden.meet.jitsi', username: 'recorder', password: 'call-pw' });
    pipelines.last.firstFrame();
    await settle();
    expect(conn.sent.map((s) => [s.to, said(s.child)])).toEqual([['jibribrewery@internal-muc.meet.jitsi/focus', { status: 'on' }]]);
    expect(said(await conn.iq(stop()))).toEqual({ status: 'off' });
    await settle();
    // The stop's answer was the off: no second one.
    expect(conn.sent).toHaveLength(1);
  });

  it("sends off with failure_reason=error and the error's should_retry when the session fails", async () => {
    const { pipelines, conn } = await make();
    await conn.iq(start());
    pipelines.last.firstFrame();
    await settle();
    pipelines.last.fail(new RecorderError({ code: 'STREAM_REFUSED', message: 'refused', retryable: false }));
    await settle();
    expect(conn.sent.map((s) => said(s.child))).toEqual([{ status: 'on' }, { status: 'off', failure_reason: 'error', should_retry: 'false' }]);
  });

  it('a failure before the first frame is retried elsewhere (should_retry=true)', async () => {
    const { pipelines, conn } = await make();
    await conn.iq(start());
    pipelines.last.failStart(new RecorderError({ code: 'PAGE_LOAD_FAILED', message: 'The meeting page answered HTTP 502' }));
    await settle();
    expect(conn.sent.map((s) => said(s.child))).toEqual([{ status: 'off', failure_reason: 'error', should_retry: 'true' }]);
  });

  it('refuses a busy recorder with failure_reason=busy, should_retry=true; the first requester keeps its session', async () => {
    const { recorder, conn } = await make();
    await conn.iq(start());
    expect(said(await conn.iq(start({ session_id: 'jicofo-2' })))).toEqual({ status: 'off', failure_reason: 'busy', should_retry: 'true' });
    expect(said(await conn.iq(start()))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
    expect(recorder.getSession('jicofo-1')?.state.name).toBe('starting');
  });

  it('refuses what no recorder can serve with should_retry=false, and what another might with true', async () => {
    const { recorder, conn } = await make();
    expect(said(await conn.iq(start({ recording_mode: 'stream' })))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
    expect(said(await conn.iq(start({ recording_mode: 'stream', streamid: 'http://not-rtmp/x' })))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
    expect(said(await conn.iq(start({ recording_mode: 'stream', streamid: 'rtmp://host/onlyapp' })))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
    expect(said(await conn.iq(start({ session_id: '' })))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'true' });
    expect(said(await conn.iq(start({ app_data: '{not json' })))).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'true' });
    const badRoom = await conn.iq(start({ room: 'a?b@muc.meet.test' }));
    expect(badRoom.name).toBe('error');
    expect(badRoom.getChild('bad-request')).toBeDefined();
    expect(recorder.getSession('jicofo-1')).toBeUndefined();
  });

  it('a stop while the session is still starting is answered off once it ended, with no second off', async () => {
    const { recorder, pipelines, conn } = await make();
    await conn.iq(start());
    expect(said(await conn.iq(stop()))).toEqual({ status: 'off' });
    expect(pipelines.last.aborted).toBe(true);
    await recorder.whenIdle();
    await settle();
    expect(conn.sent).toEqual([]);
    expect(said(await conn.iq(stop()))).toEqual({ status: 'off' });
  });

  it('takes IQs from the brewery only', async () => {
    const { recorder, conn } = await make();
    const answer = await conn.iq(start(), 'someone@meet.test/x');
    expect(answer.name).toBe('error');
    expect(answer.getChild('forbidden')).toBeDefined();
    expect(recorder.getSession('jicofo-1')).toBeUndefined();
  });

  it('maps a YouTube key to its ingest and the broadcast id to its viewing URL', async () => {
    const { recorder, conn } = await make();
    await conn.iq(start({ recording_mode: 'stream', streamid: 'abcd-1234', you_tube_broadcast_id: 'XyZ' }));
    expect(recorder.getSession('jicofo-1')?.request.outputs).toEqual([{ kind: 'rtmp', rtmpUrl: 'rtmp://a.rtmp.youtube.com/live2/abcd-1234', viewingUrl: 'http://youtu.be/XyZ' }]);
  });

  it('stops the sessions a lost connection started, without an off (Jicofo restarts them elsewhere)', async () => {
    const { e, recorder, pipelines, conn } = await make();
    const stopped: Array<[string, string]> = [];
    e.on('stopped-on-close', (id, server) => stopped.push([id, server]));
    await conn.iq(start());
    pipelines.last.firstFrame();
    await settle();
    conn.lose();
    await recorder.whenIdle();
    expect(stopped).toEqual([['jicofo-1', '127.0.0.1']]);
    expect(conn.sent.map((s) => said(s.child))).toEqual([{ status: 'on' }]);
  });

  it('with several slots, one occupant per slot, and a start runs in the slot it was sent to', async () => {
    const { recorder, connections } = await make({ JIBRI_CONCURRENT_SESSIONS: '2' });
    expect(connections.map((c) => [c.slot, c.opts.nickname])).toEqual([[1, 'jibri-1'], [2, 'jibri-2']]);
    await connections[1]!.iq(start());
    expect(recorder.sessionInSlot(2)?.id).toBe('jicofo-1');
  });
});

describe('call login', () => {
  it("randomizes the user name per session as Jibri's randomize-username", () => {
    const login = { domain: 'hidden.example.com', username: 'recorder', password: 'p', randomizeUsername: true };
    const a = sessionCallLogin(login);
    const b = sessionCallLogin(login);
    expect(a.username).toMatch(/^recorder-[a-z0-9]{8}$/);
    expect(a.username).not.toBe(b.username);
    expect(a).toEqual({ domain: 'hidden.example.com', username: a.username, password: 'p' });
    expect(sessionCallLogin({ domain: 'd', username: 'u', password: 'p' })).toEqual({ domain: 'd', username: 'u', password: 'p' });
  });
});

describe('an XMPP server in health', () => {
  const now = 1_000_000;
  it('is HEALTHY while every connection is in the brewery, or within the grace', () => {
    expect(serverLinkCheck('xmpp:5222', [{ offlineSince: undefined, lastProblem: undefined }], 60, now).healthStatus).toBe('HEALTHY');
    expect(serverLinkCheck('xmpp:5222', [{ offlineSince: now - 59000, lastProblem: 'cannot reach' }], 60, now)).toEqual({ healthStatus: 'HEALTHY', detail: 'connecting to xmpp:5222' });
  });

  it('is UNHEALTHY past the grace, with what went wrong and for how long', () => {
    const r = serverLinkCheck('xmpp:5222', [
      { offlineSince: undefined, lastProblem: undefined },
      { offlineSince: now - 61000, lastProblem: 'cannot reach xmpp:5222 (ECONNREFUSED): check XMPP_SERVER and XMPP_PORT, and that the XMPP server runs' },
    ], 60, now);
    expect(r.healthStatus).toBe('UNHEALTHY');
    expect(r.detail).toMatch(/not in the brewery on xmpp:5222 for 61 s.*ECONNREFUSED.*XMPP_SERVER/);
  });
});
