/**
 * The recorder's slots, refusals and status with fake pipelines, sources, load and machine checks:
 * what Jicofo and the HTTP API see, in milliseconds.
 */
import { RecorderError } from '../../../lib/errors';
import { Recorder } from '../../../lib/recorder/recorder';
import type { StartRequest } from '../../../lib/recorder/requests';
import type { StatusSnapshot } from '../../../lib/recorder/snapshot';
import type { CheckResult } from '../../../lib/system/health';
import { FakeFinalizer, FakePipelines, FakeSources, quietLog, removeUnitDirs, settle, startRequest, SteadyLoad, unitConfig } from '../../support/recorder-fakes';

const request = startRequest;

const healthy = (): Promise<Record<string, CheckResult>> => Promise.resolve({ ffmpeg: { healthStatus: 'HEALTHY', detail: 'ok' } });

async function recorder(env: Record<string, string> = {}, checks = healthy) {
  const pipelines = new FakePipelines();
  const finalizer = new FakeFinalizer();
  const sources = new FakeSources();
  const r = new Recorder({
    config: unitConfig({ JIBRI_CONCURRENT_SESSIONS: '2', ...env }),
    log: quietLog,
    healthChecks: checks,
    load: new SteadyLoad(),
    sources,
    sessions: { pipeline: pipelines.factory, finalize: finalizer.finalize },
  });
  await r.init();
  const statuses: StatusSnapshot[] = [];
  r.on('status', (s) => statuses.push(s));
  return { r, pipelines, finalizer, sources, statuses };
}

function refusal(fn: () => unknown): RecorderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RecorderError) return err;
    throw err;
  }
  throw new Error('no refusal');
}

// Everything here is in memory: a hang is a bug, not a slow machine.
jest.setTimeout(5000);

describe('Recorder', () => {
  const made: Recorder[] = [];
  afterEach(async () => {
    for (const r of made.splice(0)) await r.shutdown();
  });
  afterAll(removeUnitDirs);
  const start = async (env: Record<string, string> = {}, checks = healthy) => {
    const out = await recorder(env, checks);
    made.push(out.r);
    return out;
  };

  it('gives each session the lowest free slot, or the slot asked for, and frees it once finalized', async () => {
    const { r, pipelines, finalizer } = await start();
    expect(r.slotCount).toBe(2);
    const a = r.start(request('a'));
    const b = r.start(request('b'));
    expect([r.sessionInSlot(1)?.id, r.sessionInSlot(2)?.id]).toEqual(['a', 'b']);
    expect(r.snapshot()).toMatchObject({ busyStatus: 'BUSY', slots: [{ slot: 1, busy: true, sessionId: 'a' }, { slot: 2, busy: true, sessionId: 'b' }] });
    await settle();
    pipelines.made.forEach((p) => p.firstFrame());
    await settle();
    await r.stop('a');
    await settle();
    expect(a.state.name).toBe('finished');
    expect(r.sessionInSlot(1)).toBeUndefined();
    expect(r.slotStatus(1).busy).toBe(false);
    expect(finalizer.calls.map((c) => c.mediaFile)).toEqual([a.mediaFile]);
    const c = r.start(request('c'), { slot: 1 });
    expect(r.sessionInSlot(1)).toBe(c);
    expect(b.state.name).toBe('recording');
  });

  it('refuses a third session with Jibri\'s busy words, retryable, and says so in a refused event', async () => {
    const { r } = await start();
    const refused: RecorderError[] = [];
    r.on('refused', (e) => refused.push(e));
    r.start(request('a'));
    r.start(request('b'));
    const e = refusal(() => r.start(request('c')));
    expect(e).toMatchObject({ code: 'BUSY', retryable: true });
    expect(e.message).toMatch(/^Jibri is currently busy: /);
    expect(refused).toEqual([e]);
    expect(refusal(() => r.start(request('d'), { slot: 3 }))).toMatchObject({ code: 'BUSY', message: 'There is no slot 3' });
  });

  it('refuses what no recorder could serve, before anything starts, not retryable', async () => {
    const { r, pipelines } = await start({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://allowed\\.example/.*' });
    const stream = (rtmpUrl: string): StartRequest => request('s', { outputs: [{ kind: 'rtmp', rtmpUrl }] });
    expect(refusal(() => r.start(stream('rtmp://allowed.example/onlyapp')))).toMatchObject({ code: 'BAD_STREAM_URL', retryable: false });
    const denied = refusal(() => r.start(stream('rtmp://other.example/live/secret-key')));
    expect(denied).toMatchObject({ code: 'STREAM_NOT_ALLOWED', retryable: false });
    expect(denied.message).not.toContain('secret-key');
    r.start(request('dup'));
    expect(refusal(() => r.start(request('dup')))).toMatchObject({ code: 'SESSION_EXISTS', retryable: false });
    expect(pipelines.made).toHaveLength(1);
  });

  it("adds the operator's extra outputs to every session, and changes outputs only of a recording session", async () => {
    const { r, pipelines } = await start({ JIBRI_EXTRA_OUTPUTS: 'file' });
    const s = r.start(request('x', { outputs: [{ kind: 'rtmp', rtmpUrl: 'rtmp://ingest.example/live/k' }] }));
    expect(s.outputs.map((o) => o.id)).toEqual(['stream-1', 'file-2']);
    expect(s.summary().sinkType).toBe('stream');
    const add = { kind: 'rtmp' as const, rtmpUrl: 'rtmp://other.example/live/k2' };
    expect(refusal(() => r.addOutput('nobody', add))).toMatchObject({ code: 'SESSION_NOT_FOUND', retryable: false });
    // Still starting: nothing to join yet, and the caller may try again.
    expect(refusal(() => r.addOutput('x', add))).toMatchObject({ code: 'OUTPUT_CHANGE_REFUSED', retryable: true });
    await expect(r.removeOutput('x', 'stream-9')).rejects.toMatchObject({ code: 'OUTPUT_NOT_FOUND' });
    await expect(r.removeOutput('x', 'file-2')).rejects.toMatchObject({ code: 'OUTPUT_CHANGE_REFUSED' });
    pipelines.last.firstFrame();
    await settle();
    await expect(r.removeOutput('x', 'file-2')).rejects.toMatchObject({ code: 'OUTPUT_CHANGE_REFUSED', message: expect.stringContaining('cannot be removed') });
  });

  it('refuses while a machine check fails, naming it, and takes sessions again once it passes', async () => {
    let broken = true;
    const checks = (): Promise<Record<string, CheckResult>> =>
      Promise.resolve({ ffmpeg: broken ? { healthStatus: 'UNHEALTHY', detail: 'ffmpeg not found' } : { healthStatus: 'HEALTHY', detail: 'ok' } });
    const { r } = await start({}, checks);
    expect(r.healthStatus).toBe('UNHEALTHY');
    expect(refusal(() => r.start(request('a')))).toMatchObject({ code: 'UNHEALTHY', retryable: true, message: expect.stringContaining('ffmpeg: ffmpeg not found') });
    broken = false;
    await r.refreshHealth();
    expect(r.start(request('a')).id).toBe('a');
  });

  it('publishes status only when busy, health or a slot changes', async () => {
    const { r, statuses } = await start({ JIBRI_CONCURRENT_SESSIONS: '1' });
    r.start(request('a'));
    expect(statuses.map((s) => s.busyStatus)).toEqual(['BUSY']);
    await r.refreshHealth();
    expect(statuses).toHaveLength(1);
    await r.stop('a');
    await settle();
    expect(statuses.map((s) => s.busyStatus)).toEqual(['BUSY', 'IDLE']);
    expect(statuses[1]!.lastSession).toMatchObject({ sessionId: 'a', state: 'finished' });
  });

  it('stops a session that is still starting; the stop resolves and the slot frees', async () => {
    const { r, pipelines } = await start();
    const s = r.start(request('a'));
    await settle();
    await r.stop('a');
    expect(pipelines.last.aborted).toBe(true);
    await r.whenIdle();
    expect(s.state).toMatchObject({ name: 'finished' });
    expect(r.slotStatus(1).busy).toBe(false);
  });

  it('drains: no new session, busy while one runs, idle once it ended', async () => {
    const { r } = await start();
    r.start(request('a'));
    r.drain();
    expect(refusal(() => r.start(request('b')))).toMatchObject({ code: 'BUSY' });
    expect(r.slotStatus(2).busy).toBe(true);
    await r.stop();
    await r.whenIdle();
    expect(r.busyStatus).toBe('IDLE');
  });

  it('in single-use mode, a used slot never opens again and the recorder ends EXPIRED', async () => {
    const { r } = await start({ JIBRI_CONCURRENT_SESSIONS: '1', JIBRI_SINGLE_USE_MODE: 'true' });
    r.start(request('a'));
    await r.stop('a');
    await r.whenIdle();
    await settle();
    expect(r.busyStatus).toBe('EXPIRED');
    expect(refusal(() => r.start(request('b')))).toMatchObject({ code: 'EXPIRED' });
  });
});
