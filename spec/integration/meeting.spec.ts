/**
 * Inside the meeting, on the real stack: the recorder joins a stand-in Jitsi Meet page (the APP.conference
 * surface Jibri uses, served on loopback), sets its presence fields, tracks participants, and ends the
 * session for each of Jibri's reasons, with short timeouts. Every ending leaves a playable, finalized file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeMedia } from '../../lib/output/probe';
import type { Session } from '../../lib/recorder/session';
import { BREWERY, FakeJicofo, NS_JIBRI } from '../../testkit/fake-jicofo';
import { startStandIn, type StandIn, type StandInState } from '../../testkit/jitsi-standin/server';
import { DOMAINS, recorderXmppEnv, startProsody, type ProsodyHandle } from '../../testkit/prosody';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { health, post, startBody, startTestService, waitForSessionState, type TestService } from '../../testkit/service';
import type { Json } from '../../testkit/json';

const TIMEOUT_SEC = 3;
const INTERVAL_SEC = 1;

describe('inside the meeting (stand-in Jitsi Meet)', () => {
  let standIn: StandIn;
  let svc: TestService;

  beforeAll(async () => {
    standIn = await startStandIn();
    svc = await startTestService({
      JIBRI_CALL_JOIN_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_CALL_EMPTY_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_ALL_MUTED_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_NO_MEDIA_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_ICE_CONNECTION_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_CALL_STATUS_CHECK_INTERVAL: String(INTERVAL_SEC),
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await standIn?.close();
  });

  const alice = { id: 'alice1', name: 'Alice', identity: { user: { id: 'u-alice', name: 'Alice A.' } } };
  const bob = { id: 'bob2', name: 'Bob', identity: { user: { id: 'u-bob', name: 'Bob B.' } } };

  /** Starts a file session in `room` with the given state; resolves once it records, with the session. */
  async function startIn(room: string, state: Partial<StandInState>): Promise<{ session: Session; recordingAt: number; leftRecordingAt: Promise<number> }> {
    standIn.setState(room, state);
    const sessionId = `meet-${room}`;
    const start = await post(`${svc.api}/startService`, { ...startBody(standIn.baseUrl, sessionId), callParams: { callUrlInfo: { baseUrl: standIn.baseUrl, callName: room } } });
    expect(start.status).toBe(200);
    const session = svc.service.recorder.getSession(sessionId)!;
    // The checks start when the session starts recording: the timeouts count from there.
    let recordingAt = 0;
    session.on('state', (s: { name: string }) => s.name === 'recording' && (recordingAt = Date.now()));
    const leftRecordingAt = new Promise<number>((resolve) => session.on('state', (s: { name: string }, prev: { name: string }) => prev.name === 'recording' && s.name !== 'recording' && resolve(Date.now())));
    await waitForSessionState(svc.service, sessionId, 'recording');
    return { session, recordingAt, leftRecordingAt };
  }

  async function lastSession(): Promise<Json> {
    await svc.service.recorder.whenIdle();
    return (await health(svc.api)).status.health.details.lastSession;
  }

  async function expectPlayableFinalized(session: Session): Promise<void> {
    const file = session.mediaFile!;
    const m = await probeMedia(file);
    expect(m.video?.codec).toBe('h264');
    expect(m.audio?.codec).toBe('aac');
    expect(m.durationSec).toBeGreaterThan(1);
    expect(fs.existsSync(path.join(path.dirname(file), 'metadata.json'))).toBe(true);
  }

  /** The end came after the timeout and within one check interval of when the rule could first fire. */
  function expectEndedOnTime(startedChecksAt: number, endedAt: number): void {
    const sec = (endedAt - startedChecksAt) / 1000;
    expect(sec).toBeGreaterThan(TIMEOUT_SEC);
    // First poll one interval in, then "more than" the timeout is seen at the poll after; plus scheduling slack.
    expect(sec).toBeLessThan(TIMEOUT_SEC + 2 * INTERVAL_SEC + 2.5);
  }

  it('joins with the hidden login, shows the recording in presence, tracks participants, leaves on stop', async () => {
    const room = 'joined';
    const { session } = await startIn(room, { participants: [alice], downloadBitrate: 1200 });
    const report = await standIn.waitForReport(room, (r) => r.sendPresenceCalls > 0);
    expect(report.hiddenLogin).toEqual({ username: 'recorder@recorder.meet.test', password: 'rec-secret-pw' });
    expect(report.hashConfig['config.iAmRecorder']).toBe(true);
    expect(report.presence).toEqual({ session_id: session.id, mode: 'file' });
    standIn.setState(room, { participants: [alice, bob], downloadBitrate: 1200 });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await post(`${svc.api}/stopService`)).status).toBe(200);
    const last = await lastSession();
    expect(last.state).toBe('finished');
    expect((await standIn.waitForReport(room, (r) => r.leaveCalled)).leaveCalled).toBe(true);
    await expectPlayableFinalized(session);
    const meta = JSON.parse(fs.readFileSync(path.join(path.dirname(session.mediaFile!), 'metadata.json'), 'utf8'));
    expect(meta.participants.map((p: { name: string }) => p.name)).toEqual(['Alice', 'Bob']);
    expect(meta.participants[0].identity).toEqual(alice.identity);
  });

  it('ends normally when only hidden participants are left (call empty)', async () => {
    const { session, recordingAt, leftRecordingAt } = await startIn('empty', { participants: [{ id: 'rec2', name: 'other recorder', hidden: true }], downloadBitrate: 0 });
    const endedAt = await leftRecordingAt;
    const last = await lastSession();
    expect(last.state).toBe('finished');
    expect(last.endReason).toBe('call-empty');
    expectEndedOnTime(recordingAt, endedAt);
    expect(standIn.report('empty')?.leaveCalled).toBe(true);
    await expectPlayableFinalized(session);
  });

  it('ends normally when everyone is muted', async () => {
    const { session, recordingAt, leftRecordingAt } = await startIn('muted', { participants: [{ ...alice, audioMuted: true, videoMuted: true }], downloadBitrate: 0 });
    const endedAt = await leftRecordingAt;
    const last = await lastSession();
    expect(last.state).toBe('finished');
    expect(last.endReason).toBe('all-muted');
    expectEndedOnTime(recordingAt, endedAt);
    await expectPlayableFinalized(session);
  });

  it('fails when no media arrives', async () => {
    const { session, recordingAt, leftRecordingAt } = await startIn('nomedia', { participants: [alice], downloadBitrate: 0 });
    const endedAt = await leftRecordingAt;
    const last = await lastSession();
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('CALL_NO_MEDIA');
    expect(last.error.retryable).toBe(true);
    expectEndedOnTime(recordingAt, endedAt);
    await expectPlayableFinalized(session);
  });

  it('fails when ICE is not connected while others are there', async () => {
    const { session, recordingAt, leftRecordingAt } = await startIn('ice', { participants: [alice], downloadBitrate: 1200, connectionState: 'interrupted' });
    const endedAt = await leftRecordingAt;
    const last = await lastSession();
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('CALL_ICE_FAILED');
    expectEndedOnTime(recordingAt, endedAt);
    await expectPlayableFinalized(session);
  });

  it('fails the start when the page never joins', async () => {
    standIn.setState('nojoin', { joinAfterMs: null });
    const t0 = Date.now();
    const start = await post(`${svc.api}/startService`, { ...startBody(standIn.baseUrl, 'meet-nojoin'), callParams: { callUrlInfo: { baseUrl: standIn.baseUrl, callName: 'nojoin' } } });
    expect(start.status).toBe(200);
    const last = await lastSession();
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('CALL_JOIN_FAILED');
    expect((Date.now() - t0) / 1000).toBeGreaterThanOrEqual(TIMEOUT_SEC);
  });

  async function expectChromeHung(session: Session): Promise<void> {
    const last = await lastSession();
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('BROWSER_CRASHED');
    expect(last.error.message).toMatch(/^Chrome hung/);
    await expectPlayableFinalized(session);
  }

  it('fails with "Chrome hung" when the page crashes, and keeps the file', async () => {
    const { session, leftRecordingAt } = await startIn('crash', { participants: [alice], downloadBitrate: 1200 });
    await new Promise((r) => setTimeout(r, 1500));
    const page = session.page!;
    const cdp = await page.context().newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined);
    await leftRecordingAt;
    await expectChromeHung(session);
  });

  it('fails with "Chrome hung" when the page stops answering, and keeps the file', async () => {
    const room = 'hang';
    const { session, leftRecordingAt } = await startIn(room, { participants: [alice], downloadBitrate: 1200 });
    await new Promise((r) => setTimeout(r, 1500));
    standIn.setState(room, { participants: [alice], downloadBitrate: 1200, crash: true });
    await leftRecordingAt;
    await expectChromeHung(session);
  });
});

describe('end reasons reach Jicofo (stand-in Jitsi Meet, real Prosody)', () => {
  const NICK = 'jibri-meet';
  const OCCUPANT = `${BREWERY}/${NICK}`;
  let prosody: ProsodyHandle;
  let standIn: StandIn;
  let rtmp: RtmpServer;
  let jicofo: FakeJicofo;
  let svc: TestService;

  beforeAll(async () => {
    prosody = await startProsody();
    prosody.register('jibri', DOMAINS.auth, 'jibri-pw');
    prosody.register('focus', DOMAINS.auth, 'focus-pw');
    standIn = await startStandIn();
    rtmp = await startRtmpServer();
    jicofo = new FakeJicofo(prosody.port, 'focus-pw');
    await jicofo.start();
    svc = await startTestService({
      ...recorderXmppEnv({ servers: `127.0.0.1:${prosody.port}`, nick: NICK, jibriPassword: 'jibri-pw', recorderPassword: 'recorder-pw', publicUrl: standIn.baseUrl }),
      JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1:\\d+/.*',
      JIBRI_CALL_EMPTY_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_NO_MEDIA_TIMEOUT: String(TIMEOUT_SEC),
      JIBRI_CALL_STATUS_CHECK_INTERVAL: String(INTERVAL_SEC),
    });
    await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(OCCUPANT));
  });

  afterAll(async () => {
    await svc?.stop();
    await jicofo?.stop();
    await rtmp?.stop();
    await standIn?.close();
    await prosody?.stop();
  });

  const start = (room: string, sessionId: string, extra: string): string =>
    `<iq type="set" id="s-${sessionId}" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="start" room="${room}@${DOMAINS.muc}" session_id="${sessionId}" ${extra}/></iq>`;

  it('a stream publishes mode=stream and live-stream-view-url; an emptied call ends it with a plain off', async () => {
    const room = 'xstream';
    standIn.setState(room, { participants: [{ id: 'carol3', name: 'Carol', identity: { user: { id: 'u-c' } } }], downloadBitrate: 900 });
    const sentAt = Date.now();
    const iq = start(room, 'x-stream-1', `recording_mode="stream" streamid="${rtmp.appUrl()}/xkey" you_tube_broadcast_id="yt-42"`);
    expect((await jicofo.sendIq(iq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    const report = await standIn.waitForReport(room, (r) => r.sendPresenceCalls > 0);
    expect(report.presence).toEqual({ session_id: 'x-stream-1', mode: 'stream', 'live-stream-view-url': 'http://youtu.be/yt-42' });
    expect(report.hiddenLogin?.username).toBe(`recorder@${DOMAINS.hidden}`);
    standIn.setState(room, { participants: [], downloadBitrate: 0 });
    const off = await jicofo.waitFor('off', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'off' && i.at > sentAt), 20000);
    expect(off.jibri.attrs.failure_reason).toBeUndefined();
    await svc.service.recorder.whenIdle();
    expect(svc.service.recorder.snapshot().lastSession?.endReason).toBe('call-empty');
  });

  it('no media: off with failure_reason=error and should_retry=true', async () => {
    const room = 'xnomedia';
    standIn.setState(room, { participants: [{ id: 'dan4', name: 'Dan' }], downloadBitrate: 0 });
    const sentAt = Date.now();
    await jicofo.sendIq(start(room, 'x-file-2', 'recording_mode="file"'));
    const off = await jicofo.waitFor('off', () => jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'off' && i.at > sentAt), 20000);
    expect(off.jibri.attrs).toEqual(expect.objectContaining({ failure_reason: 'error', should_retry: 'true' }));
    await svc.service.recorder.whenIdle();
  });
});
