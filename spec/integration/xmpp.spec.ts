/**
 * Jicofo's side of the wire against a real Prosody: a client playing Jicofo sits in the brewery, sends
 * the stanzas of jicofo-protocol.md section 8 verbatim (domains adapted to the test server) and checks
 * every answer, presence change and status IQ; the recording is checked as in the HTTP specs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import { BREWERY, FakeJicofo, NS_JIBRI, parseMarkup } from '../../testkit/fake-jicofo';
import { DOMAINS, recorderXmppEnv, startProsody, type ProsodyHandle } from '../../testkit/prosody';
import { startReportingPage } from '../support/report-page';
import { startRtmpServer } from '../../testkit/rtmp';
import { findRecordings, startTestService, waitFor, type TestService } from '../../testkit/service';

const NICK = 'jibri-1';
const OCCUPANT = `${BREWERY}/${NICK}`;
const PASSWORDS = { jibri: 'jibri-control-pw', focus: 'focus-pw', recorder: 'recorder-call-pw' };

function e1(id: string, sessionId: string, room = `testroom@${DOMAINS.muc}`): string {
  return `<iq type="set" id="${id}" to="${OCCUPANT}">
  <jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="file"
         room="${room}"
         session_id="${sessionId}"
         app_data="{&quot;file_recording_metadata&quot;:{&quot;share&quot;:true}}"
         rtcstats_enabled="false"/>
</iq>`;
}

function e4(id: string, sessionId: string): string {
  return `<iq type="set" id="${id}" to="${OCCUPANT}">
  <jibri xmlns="http://jitsi.org/protocol/jibri" action="stop" session_id="${sessionId}"/>
</iq>`;
}

function jibriOf(reply: Element): Record<string, string> {
  const j = reply.getChild('jibri', NS_JIBRI);
  if (!j) throw new Error(`no jibri child in ${reply.toString()}`);
  const { xmlns: _ns, ...attrs } = j.attrs as Record<string, string>;
  return attrs;
}

describe('Jicofo drives jibri-ts over XMPP', () => {
  let prosody: ProsodyHandle;
  let page: DemoServer;
  let svc: TestService;
  let jicofo: FakeJicofo;

  beforeAll(async () => {
    prosody = await startProsody();
    prosody.register('jibri', DOMAINS.auth, PASSWORDS.jibri);
    prosody.register('focus', DOMAINS.auth, PASSWORDS.focus);
    prosody.register('recorder', DOMAINS.hidden, PASSWORDS.recorder);
    page = await startDemoServer();
    jicofo = new FakeJicofo(prosody.port, PASSWORDS.focus);
    await jicofo.start();
    svc = await startTestService({
      ...recorderXmppEnv({ servers: `127.0.0.1:${prosody.port}`, nick: NICK, jibriPassword: PASSWORDS.jibri, recorderPassword: PASSWORDS.recorder, publicUrl: page.baseUrl }),
      // Streams never leave loopback, whatever a test sends by mistake.
      JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmps?://127\\.0\\.0\\.1(:\\d+)?/.*',
      // Pings often enough for the paused-server test below to be quick (Jibri: every 30 s).
      JIBRI_XMPP_PING_INTERVAL: '2 seconds',
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await jicofo?.stop();
    await prosody?.stop();
    await page?.close();
  });

  it('joins the brewery idle and healthy, with both status children in their namespaces', async () => {
    const p = await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(OCCUPANT));
    expect(p.busy).toBe('idle');
    expect(p.health).toBe('healthy');
    expect(p.healthNs).toBe('http://jitsi.org/protocol/health');
  });

  it('records a session: busy before pending, on when recording, busy refusal, off on stop, idle after', async () => {
    const sessionId = '0b7f5c2e-1d2a-4c3b-8e9f-a1b2c3d4e5f6';
    const { reply, ms } = await jicofo.sendIq(e1('t-start-file-1', sessionId));
    const answeredAt = Date.now();
    expect(reply.attrs.type).toBe('result');
    expect(reply.attrs.id).toBe('t-start-file-1');
    expect(reply.attrs.from).toBe(OCCUPANT);
    expect(jibriOf(reply)).toEqual({ status: 'pending' });
    expect(ms).toBeLessThan(15000);
    const busy = jicofo.presences.find((p) => p.from === OCCUPANT && p.busy === 'busy');
    expect(busy).toBeDefined();
    expect(busy!.at).toBeLessThanOrEqual(answeredAt);

    const on = await jicofo.waitFor('status on', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on'));
    expect(on.from).toBe(OCCUPANT);
    expect(on.jibri.attrs.session_id).toBeUndefined();

    const second = await jicofo.sendIq(e1('t-start-file-2', '3eac8f5b-4a5d-4f6e-b1c2-d4e5f6a7b8c9', `otherroom@${DOMAINS.muc}`));
    expect(jibriOf(second.reply)).toEqual({ status: 'off', failure_reason: 'busy', should_retry: 'true' });

    await new Promise((r) => setTimeout(r, 4000));
    const stop = await jicofo.sendIq(e4('t-stop-1', sessionId));
    expect(stop.reply.attrs.type).toBe('result');
    expect(jibriOf(stop.reply)).toEqual({ status: 'off' });
    const [file] = findRecordings(svc.recordingsDir).filter((f) => f.includes(sessionId));
    expect(file && fs.existsSync(file)).toBeTruthy();

    const idle = await jicofo.waitFor('idle again', () => {
      const p = jicofo.lastPresenceOf(OCCUPANT);
      return p?.busy === 'idle' ? p : undefined;
    });
    expect(idle.health).toBe('healthy');

    // Idempotent: the same stop again, and one with an unknown id.
    expect(jibriOf((await jicofo.sendIq(e4('t-stop-2', sessionId))).reply)).toEqual({ status: 'off' });
    expect(jibriOf((await jicofo.sendIq(e4('t-stop-3', 'no-such-session'))).reply)).toEqual({ status: 'off' });

    const m = await probeMedia(file!);
    expect(m.video?.codec).toBe('h264');
    expect(m.audio?.codec).toBe('aac');
    expect(m.durationSec).toBeGreaterThan(3);
    const meta = JSON.parse(fs.readFileSync(path.join(path.dirname(file!), 'metadata.json'), 'utf8'));
    expect(meta).toEqual(expect.objectContaining({ share: true, meeting_url: `${page.baseUrl}/testroom`, participants: [] }));
    // An explicit stop was answered with off: no second, unsolicited off.
    expect(jicofo.statusIqs.filter((i) => i.jibri.attrs.status === 'off')).toHaveLength(0);
  });

  it('a stop while starting answers off and leaves nothing running', async () => {
    const start = await jicofo.sendIq(e1('t-start-early', 'early-stop'));
    expect(jibriOf(start.reply).status).toBe('pending');
    const stop = await jicofo.sendIq(e4('t-stop-early', 'early-stop'));
    expect(jibriOf(stop.reply)).toEqual({ status: 'off' });
    await svc.service.recorder.whenIdle();
    await jicofo.waitFor('idle', () => (jicofo.lastPresenceOf(OCCUPANT)?.busy === 'idle' ? true : undefined));
  });

  it.each([['a?b'], ['a#b'], ['room?config.p2p.enabled=true']])('refuses the room name %j by the callName rules with a bad-request IQ error, and starts nothing', async (name) => {
    const sessionId = `bad-room-${name.length}`;
    const { reply } = await jicofo.sendIq(e1(`t-bad-room-${Math.random()}`, sessionId, `${name}@${DOMAINS.muc}`));
    expect(reply.attrs.type).toBe('error');
    const error = reply.getChild('error');
    expect(error?.attrs.type).toBe('modify');
    expect(error?.getChild('bad-request')).toBeDefined();
    expect(error?.getChildText('text')).toMatch(/room name .* must not contain spaces, "#" or "\?"/);
    expect(svc.service.recorder.snapshot().sessions).toEqual([]);
    expect(fs.existsSync(path.join(svc.recordingsDir, sessionId))).toBe(false);
  });

  it('a second start with a running session_id is refused and keeps the first requester: Jicofo gets its off', async () => {
    const sessionId = 'duplicate-session-id';
    const sentAt = Date.now();
    expect(jibriOf((await jicofo.sendIq(e1('t-dup-1', sessionId))).reply)).toEqual({ status: 'pending' });
    await jicofo.waitFor('status on', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    const again = await jicofo.sendIq(e1('t-dup-2', sessionId));
    expect(jibriOf(again.reply)).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
    expect(svc.service.recorder.getSession(sessionId)?.state.name).toBe('recording');
    // The session ends without a stop IQ (here: stopService over HTTP): its requester is told.
    const stoppedAt = Date.now();
    expect((await fetch(`${svc.api}/stopService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId }) })).status).toBe(200);
    const off = await jicofo.waitFor('the unsolicited off', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'off' && i.at >= stoppedAt), 20000);
    expect(off.from).toBe(OCCUPANT);
    expect(off.jibri.attrs.failure_reason).toBeUndefined();
    await svc.service.recorder.whenIdle();
  });

  it.each([
    ['no recording_mode', `<jibri xmlns="${NS_JIBRI}" action="start" room="r@${DOMAINS.muc}" session_id="s1"/>`, { status: 'off', failure_reason: 'error', should_retry: 'false' }],
    ['SIP (sipaddress wins over recording_mode)', `<jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="r@${DOMAINS.muc}" sipaddress="sip:a@b.test" session_id="s2"/>`, { status: 'off', failure_reason: 'error', should_retry: 'false', sipaddress: 'sip:a@b.test' }],
    ['a room outside the XMPP domain', `<jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="r@conference.elsewhere.test" session_id="s3"/>`, { status: 'off', failure_reason: 'error', should_retry: 'true' }],
    ['no room', `<jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" session_id="s4"/>`, { status: 'off', failure_reason: 'error', should_retry: 'true' }],
    ['bad app_data', `<jibri xmlns="${NS_JIBRI}" action="start" recording_mode="FILE" room="r@${DOMAINS.muc}" session_id="s5" app_data="{not json"/>`, { status: 'off', failure_reason: 'error', should_retry: 'true' }],
  ])('refuses a start with %s', async (_name, jibri, expected) => {
    const { reply } = await jicofo.sendIq(`<iq type="set" id="r-${Math.random()}" to="${OCCUPANT}">${jibri}</iq>`);
    expect(reply.attrs.type).toBe('result');
    expect(jibriOf(reply)).toEqual(expected);
    expect(svc.service.recorder.snapshot().busyStatus).toBe('IDLE');
  });

  it('streams when Jicofo asks for recording_mode stream: on, the ingest gets H.264 and AAC, off on stop', async () => {
    const rtmp = await startRtmpServer();
    try {
      const sessionId = 'xmpp-stream-1';
      const key = 'xmpp-stream-key';
      const startIq = `<iq type="set" id="t-stream" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="stream" room="testroom@${DOMAINS.muc}" streamid="${rtmp.appUrl()}/${key}" you_tube_broadcast_id="bcast-1" session_id="${sessionId}"/></iq>`;
      const sentAt = Date.now();
      expect(jibriOf((await jicofo.sendIq(startIq)).reply)).toEqual({ status: 'pending' });
      await jicofo.waitFor('status on', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
      expect(svc.service.recorder.getSession(sessionId)?.summary().stream?.viewingUrl).toBe('http://youtu.be/bcast-1');
      await waitFor('the publish', () => (rtmp.publishes().includes(key) ? true : undefined), 10000);
      await new Promise((r) => setTimeout(r, 4000));
      expect(jibriOf((await jicofo.sendIq(e4('t-stream-stop', sessionId))).reply)).toEqual({ status: 'off' });
      await svc.service.recorder.whenIdle();
      const m = await probeMedia(rtmp.recordings(key)[0]!);
      expect(m.video?.codec).toBe('h264');
      expect(m.audio?.codec).toBe('aac');
      expect(m.durationSec).toBeGreaterThan(3);
      // A stream alone leaves nothing in the recordings folder.
      expect(findRecordings(svc.recordingsDir).filter((f) => f.includes(sessionId))).toHaveLength(0);

      // An ingest that turns the stream down: off, error, should_retry=false (Jibri's BadRtmpUrl).
      const refusedAt = Date.now();
      const refused = `<iq type="set" id="t-stream-refused" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="stream" room="testroom@${DOMAINS.muc}" streamid="${rtmp.appUrl('no-such-app')}/k" session_id="xmpp-stream-2"/></iq>`;
      expect(jibriOf((await jicofo.sendIq(refused)).reply)).toEqual({ status: 'pending' });
      const off = await jicofo.waitFor('status off', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'off' && i.at > refusedAt), 20000);
      expect(off.jibri.attrs).toEqual(expect.objectContaining({ failure_reason: 'error', should_retry: 'false' }));
      await svc.service.recorder.whenIdle();
    } finally {
      await rtmp.stop();
    }
  });

  it.each([
    ['a malformed stream URL', `rtmp://127.0.0.1/`],
    ['a URL that is not RTMP', `http://127.0.0.1/live/key`],
    ['a URL outside the allow-list', `rtmp://ingest.example.com/live/key`],
    ['a YouTube key (outside the allow-list here)', `abcd-efgh-ijkl`],
  ])('refuses %s at once with should_retry=false', async (_what, streamId) => {
    const iq = `<iq type="set" id="t-bad-stream-${Math.random()}" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="stream" room="testroom@${DOMAINS.muc}" streamid="${streamId}" session_id="bad-stream"/></iq>`;
    expect(jibriOf((await jicofo.sendIq(iq)).reply)).toEqual({ status: 'off', failure_reason: 'error', should_retry: 'false' });
  });

  it('answers an unknown action with bad-request, and ignores unknown attributes and children', async () => {
    const bad = await jicofo.sendIq(`<iq type="set" id="bad-action" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="dance"/></iq>`);
    expect(bad.reply.attrs.type).toBe('error');
    expect(bad.reply.getChild('error')?.getChild('bad-request')).toBeDefined();
    const extra = await jicofo.sendIq(
      `<iq type="set" id="extra" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="stop" future_attr="x"><traceparent xmlns="urn:example:trace">00-abc</traceparent></jibri></iq>`,
    );
    expect(jibriOf(extra.reply)).toEqual({ status: 'off' });
  });

  it('refuses IQs that do not come through the brewery (forbidden)', async () => {
    const joined = jicofo.presences.find((p) => p.from === OCCUPANT && p.stanza.getChild('x', 'http://jabber.org/protocol/muc#user'));
    const realJid = joined?.stanza.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('item')?.attrs.jid as string | undefined;
    expect(realJid).toMatch(new RegExp(`^jibri@${DOMAINS.auth}/`));
    const { reply } = await jicofo.sendIq(`<iq type="set" id="direct" to="${realJid}"><jibri xmlns="${NS_JIBRI}" action="stop"/></iq>`);
    expect(reply.attrs.type).toBe('error');
    expect(reply.getChild('error')?.getChild('forbidden')).toBeDefined();
  });

  it('answers thousands of malformed or random jibri IQs exactly once each, and still records afterwards', async () => {
    const N = 2000;
    const answers = new Map<string, number>();
    const off = jicofo.onStanza((s) => {
      if (s.is('iq') && typeof s.attrs.id === 'string' && s.attrs.id.startsWith('fz-')) answers.set(s.attrs.id, (answers.get(s.attrs.id) ?? 0) + 1);
    });
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const values = ['', 'start', 'stop', 'START', 'file', 'stream', 'x'.repeat(10000), '\u00e9\u4e2d', '<&>"\'', 'r@', '@d', 'r@conference.meet.test/res', 'true', 'null', '{"file_recording_metadata":5}'];
    const attrNames = ['action', 'recording_mode', 'room', 'session_id', 'app_data', 'streamid', 'sipaddress', 'rtcstats_enabled', 'zzz'];
    for (let i = 0; i < N; i++) {
      const attrs: Record<string, string> = {};
      for (const name of attrNames) if (rnd(2)) attrs[name] = values[rnd(values.length)]!;
      // Never a start that could be accepted: these must not start recordings.
      if ((attrs.action ?? '').toLowerCase() === 'start') attrs.room = `bad room ${i}`;
      const ns = rnd(10) === 0 ? 'urn:wrong' : NS_JIBRI;
      const child = rnd(20) === 0 ? xml('other', { xmlns: NS_JIBRI }) : xml('jibri', { xmlns: ns, ...attrs });
      jicofo.sendRaw(xml('iq', { type: rnd(5) === 0 ? 'get' : 'set', id: `fz-${i}`, to: OCCUPANT }, child));
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('every fuzz IQ answered', () => (answers.size === N ? true : undefined), 60000, 100);
    await new Promise((r) => setTimeout(r, 500));
    off();
    expect([...answers.values()].every((n) => n === 1)).toBe(true);
    const h = svc.service.recorder.snapshot();
    expect(h.healthStatus).toBe('HEALTHY');
    expect(h.busyStatus).toBe('IDLE');

    const sentAt = Date.now();
    const start = await jicofo.sendIq(e1('after-fuzz', 'after-fuzz'));
    expect(jibriOf(start.reply).status).toBe('pending');
    await jicofo.waitFor('on after fuzz', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    await jicofo.sendIq(e4('after-fuzz-stop', 'after-fuzz'));
    await svc.service.recorder.whenIdle();
    expect(svc.service.recorder.snapshot().lastSession?.state).toBe('finished');
  });

  it('rejoins the brewery after a Prosody restart while idle', async () => {
    await prosody.restart();
    await jicofo.stop();
    jicofo = new FakeJicofo(prosody.port, PASSWORDS.focus);
    await jicofo.start();
    const p = await jicofo.waitFor('the recorder back in the brewery', () => jicofo.lastPresenceOf(OCCUPANT), 30000);
    expect(p).toEqual(expect.objectContaining({ busy: 'idle', health: 'healthy' }));
    // Prosody ends its streams with a system-shutdown stream error: Jibri's closed-on-error counter.
    expect(svc.service.metrics.value('xmppClosedOnError')).toBeGreaterThanOrEqual(1);
    expect(svc.service.metrics.value('xmppReconnecting')).toBeGreaterThanOrEqual(1);
  });

  it('stops and keeps the recording when the connection that started it is lost; comes back idle', async () => {
    const sessionId = 'lost-connection';
    const sentAt = Date.now();
    const start = await jicofo.sendIq(e1('t-lost', sessionId));
    expect(jibriOf(start.reply).status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    await new Promise((r) => setTimeout(r, 3000));
    await prosody.restart();
    await svc.service.recorder.whenIdle();
    const last = svc.service.recorder.snapshot().lastSession;
    expect(last?.sessionId).toBe(sessionId);
    const [file] = findRecordings(svc.recordingsDir).filter((f) => f.includes(sessionId));
    expect((await probeMedia(file!)).durationSec).toBeGreaterThan(2);
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(true);
    await jicofo.stop();
    jicofo = new FakeJicofo(prosody.port, PASSWORDS.focus);
    await jicofo.start();
    const p = await jicofo.waitFor('the recorder back, idle', () => {
      const q = jicofo.lastPresenceOf(OCCUPANT);
      return q?.busy === 'idle' ? q : undefined;
    }, 30000);
    expect(p.health).toBe('healthy');
    expect(svc.service.metrics.value('stoppedOnXmppClosed')).toBe(1);
  });

  it('counts a ping the server leaves unanswered, drops that connection and joins again once it answers', async () => {
    const closedBefore = svc.service.metrics.value('xmppClosed');
    prosody.pause();
    try {
      await waitFor('a failed ping', () => (svc.service.metrics.value('xmppPingFailed') >= 1 ? true : undefined), 20000, 100);
    } finally {
      prosody.resume();
    }
    const resumedAt = Date.now();
    // The connection is counted closed when its close is done, a moment after the failed ping.
    await waitFor('the connection closed', () => (svc.service.metrics.value('xmppClosed') > closedBefore ? true : undefined), 20000, 100);
    // The recorder closed that connection itself (not on error), as Jibri after a failed ping.
    expect(svc.service.metrics.value('xmppClosed')).toBe(closedBefore + 1);
    const json = JSON.parse(svc.service.metrics.render('application/json')!.body) as Record<string, number>;
    expect(json.xmpp_ping_failed_total).toBeGreaterThanOrEqual(1);
    await jicofo.stop();
    jicofo = new FakeJicofo(prosody.port, PASSWORDS.focus);
    await jicofo.start();
    const p = await jicofo.waitFor('the recorder back after the pause', () => {
      const q = jicofo.lastPresenceOf(OCCUPANT);
      return q && q.at >= resumedAt && q.busy === 'idle' ? q : undefined;
    }, 40000);
    expect(p.health).toBe('healthy');
  });
});

describe('the browser gets the hidden login as Jibri hands it', () => {
  it('in the URL hash (double-encoded) and, for older Jitsi Meet, in localStorage before the page runs', async () => {
    const prosody = await startProsody();
    prosody.register('jibri', DOMAINS.auth, PASSWORDS.jibri);
    prosody.register('focus', DOMAINS.auth, PASSWORDS.focus);
    const page = await startReportingPage();
    const jicofo = new FakeJicofo(prosody.port, PASSWORDS.focus);
    const svc = await startTestService(
      recorderXmppEnv({ servers: `127.0.0.1:${prosody.port}`, nick: NICK, jibriPassword: PASSWORDS.jibri, recorderPassword: PASSWORDS.recorder, publicUrl: page.baseUrl }),
    );
    try {
      await jicofo.start();
      await jicofo.waitFor('the recorder', () => jicofo.lastPresenceOf(OCCUPANT));
      const start = await jicofo.sendIq(e1('login-1', 'login-session', `tenantroom@${DOMAINS.muc.replace('conference.', 'conference.acme.')}`).replace('rtcstats_enabled="false"', 'rtcstats_enabled="true"'));
      expect(jibriOf(start.reply).status).toBe('pending');
      const report = await waitFor('the page to report', () => page.reports[0], 30000);
      expect(report.path).toBe('/acme/tenantroom');
      expect(report.hash).toContain('config.iAmRecorder=true');
      expect(report.hash).toContain('config.analytics.rtcstatsEnabled=true');
      expect(report.hash).toContain('config.useHostPageLocalStorage=true');
      const encoded = /appData\.localStorageContent=([^&]*)/.exec(report.hash)?.[1] ?? '';
      expect(JSON.parse(JSON.parse(decodeURIComponent(encoded)))).toEqual(
        expect.objectContaining({ xmpp_username_override: `recorder@${DOMAINS.hidden}`, xmpp_password_override: PASSWORDS.recorder, callStatsUserName: NICK }),
      );
      expect(report.storage).toEqual({ xmpp_username_override: `recorder@${DOMAINS.hidden}`, xmpp_password_override: PASSWORDS.recorder, callStatsUserName: NICK });
      await jicofo.sendIq(e4('login-stop', 'login-session'));
      await svc.service.recorder.whenIdle();
    } finally {
      await svc.stop();
      await jicofo.stop();
      await prosody.stop();
      await page.close();
    }
  });
});

// Keeps the verbatim-markup helper honest: section 8's stanzas parse to what the tests send.
it('parses the verbatim stanzas of jicofo-protocol.md section 8', () => {
  const iq = parseMarkup(e1('t-start-file-1', 'x'));
  expect(iq.getChild('jibri', NS_JIBRI)?.attrs.app_data).toBe('{"file_recording_metadata":{"share":true}}');
});
