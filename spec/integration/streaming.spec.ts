/**
 * Live streaming on the real stack, into a real RTMP ingest (nginx-rtmp on loopback): what arrives at
 * the server is checked as a file (the server records every stream), and so is the local copy. Faults
 * are real too: a refusing application, a port nobody listens on, an ingest stopped mid-stream and
 * started again within the retry time, and one that stays down past it.
 *
 * @lane alone: checks stream continuity through ingest faults, against time
 */
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { DEFAULT_DEMO } from '../../lib/demo/page';
import { createLogger } from '../../lib/log';
import { probeMedia } from '../../lib/output/probe';
import { decodeAudio, toneStats } from '../../testkit/media';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { freePort, health, post, startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const KEY_SECRET = 'streamkey-SECRET-9f3a';
const PASSWORD_SECRET = 'ingest-pw-SECRET-77';

/** The service's log lines, as they would reach a transport (redaction included). */
function capturingLogger(lines: string[]): winston.Logger {
  const log = createLogger('debug', { silent: false });
  log.clear();
  log.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) }));
  return log;
}

describe('live streaming to a real RTMP server', () => {
  let page: DemoServer;
  let rtmp: RtmpServer;
  let svc: TestService;
  const logLines: string[] = [];

  beforeAll(async () => {
    page = await startDemoServer();
    rtmp = await startRtmpServer();
    svc = await startTestService(
      { JIBRI_STREAMING_LOCAL_COPY: 'true', JIBRI_STREAMING_RETRY_TIMEOUT: '20', JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmps?://127\\.0\\.0\\.1:\\d+/.*' },
      { log: capturingLogger(logLines) },
    );
  });

  afterAll(async () => {
    await svc?.stop();
    await rtmp?.stop();
    await page?.close();
  });

  const streamBody = (sessionId: string, extra: Record<string, unknown>): Record<string, unknown> => startBody(page.baseUrl, sessionId, { sinkType: 'stream', ...extra });

  it('streams over HTTP: H.264 and AAC of the right length arrive, and the local copy is complete', async () => {
    const sessionId = 'stream-http-1';
    const start = await post(`${svc.api}/startService`, streamBody(sessionId, { rtmpUrl: rtmp.appUrl(), youTubeStreamKey: KEY_SECRET, username: 'streamer', password: PASSWORD_SECRET }));
    expect(start.status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    const t0 = Date.now();
    await waitFor('the ingest to see the publish', () => (rtmp.publishes().includes(KEY_SECRET) ? true : undefined), 10000);
    const live = await health(svc.api);
    const detail = live.status.health.details[`session:${sessionId}`];
    expect(detail.sinkType).toBe('stream');
    expect(detail.stream.url).toBe(`${rtmp.appUrl()}/****`);
    await new Promise((r) => setTimeout(r, 6000));
    const localCopy = svc.service.recorder.getSession(sessionId)!.mediaFile!;
    expect((await post(`${svc.api}/stopService`)).status).toBe(200);
    const streamedMs = Date.now() - t0;
    await svc.service.recorder.whenIdle();
    expect((await health(svc.api)).status.health.details.lastSession.state).toBe('finished');

    const [flv] = rtmp.recordings(KEY_SECRET);
    expect(flv).toBeDefined();
    const got = await probeMedia(flv!);
    expect(got.video?.codec).toBe('h264');
    expect(got.video?.width).toBe(1280);
    expect(got.audio?.codec).toBe('aac');
    expect(Math.abs(got.durationSec * 1000 - streamedMs)).toBeLessThan(1500);
    const tone = toneStats(await decodeAudio(flv!, { startSec: 1, durationSec: 2 }), 44100);
    expect(Math.abs(tone.dominantHz - DEFAULT_DEMO.toneHz)).toBeLessThan(5);

    // One encode, two outputs: the local copy is an ordinary (finalized) MP4 as long as the stream.
    expect(fs.existsSync(localCopy)).toBe(true);
    const copy = await probeMedia(localCopy);
    expect(copy.formatName).toContain('mp4');
    expect(copy.video?.codec).toBe('h264');
    expect(copy.audio?.codec).toBe('aac');
    expect(Math.abs(copy.durationSec - got.durationSec)).toBeLessThan(1);
  });

  it('streams over RTMPS (TLS) as well', async () => {
    const sessionId = 'stream-rtmps';
    const key = 'tls-key';
    expect((await post(`${svc.api}/startService`, streamBody(sessionId, { rtmpUrl: rtmp.appUrl('live', true), youTubeStreamKey: key }))).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    await waitFor('the publish through TLS', () => (rtmp.publishes().includes(key) ? true : undefined), 10000);
    await new Promise((r) => setTimeout(r, 3000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    expect((await health(svc.api)).status.health.details.lastSession.state).toBe('finished');
    const m = await probeMedia(rtmp.recordings(key)[0]!);
    expect(m.video?.codec).toBe('h264');
    expect(m.audio?.codec).toBe('aac');
    expect(m.durationSec).toBeGreaterThan(2);
  });

  it('never shows the stream key or the ingest password in logs or health', async () => {
    const text = logLines.join('') + JSON.stringify(await health(svc.api));
    expect(text).toContain('****');
    expect(text).not.toContain(KEY_SECRET);
    expect(text).not.toContain(PASSWORD_SECRET);
  });

  it('refuses a URL outside the allow-list (400) and a malformed one, before anything starts', async () => {
    const refused = await post(`${svc.api}/startService`, streamBody('not-allowed', { rtmpUrl: 'rtmp://ingest.example.com/live', youTubeStreamKey: KEY_SECRET }));
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('STREAM_NOT_ALLOWED');
    expect(refused.json.error.retryable).toBe(false);
    expect(refused.text).not.toContain(KEY_SECRET);
    const bad = await post(`${svc.api}/startService`, streamBody('bad-url', { rtmpUrl: 'http://127.0.0.1/live/x' }));
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('rtmpUrl');
    expect((await health(svc.api)).busy).toBe(false);
  });

  it('ends quickly with should_retry=false when the ingest refuses the stream', async () => {
    const sessionId = 'stream-refused';
    const t0 = Date.now();
    expect((await post(`${svc.api}/startService`, streamBody(sessionId, { rtmpUrl: rtmp.appUrl('no-such-app'), youTubeStreamKey: 'k1' }))).status).toBe(200);
    await svc.service.recorder.whenIdle();
    expect(Date.now() - t0).toBeLessThan(15000);
    const last = (await health(svc.api)).status.health.details.lastSession;
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('STREAM_REFUSED');
    expect(last.error.retryable).toBe(false);
  });

  it('ends quickly when nothing listens at the ingest address', async () => {
    const sessionId = 'stream-unreachable';
    const port = await freePort();
    const t0 = Date.now();
    expect((await post(`${svc.api}/startService`, streamBody(sessionId, { rtmpUrl: `rtmp://127.0.0.1:${port}/live`, youTubeStreamKey: 'k2' }))).status).toBe(200);
    await svc.service.recorder.whenIdle();
    expect(Date.now() - t0).toBeLessThan(15000);
    const last = (await health(svc.api)).status.health.details.lastSession;
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('STREAM_UNREACHABLE');
  });

  it('resumes the stream when the ingest comes back within the retry time', async () => {
    const sessionId = 'stream-resume';
    const key = 'resume-key';
    expect((await post(`${svc.api}/startService`, streamBody(sessionId, { rtmpUrl: rtmp.appUrl(), youTubeStreamKey: key }))).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    await waitFor('the first publish', () => (rtmp.publishes().filter((k) => k === key).length === 1 ? true : undefined), 10000);
    await new Promise((r) => setTimeout(r, 3000));
    await rtmp.stop();
    const summary = (): { state: string; reconnects: number } | undefined => svc.service.recorder.getSession(sessionId)?.summary().stream;
    await waitFor('the stream to notice the drop', () => (summary()?.state === 'reconnecting' ? true : undefined), 10000);
    await new Promise((r) => setTimeout(r, 3000));
    await rtmp.start();
    await waitFor('the second publish', () => (rtmp.publishes().filter((k) => k === key).length === 2 ? true : undefined), 15000);
    await waitFor('the stream live again', () => (summary()?.state === 'live' ? true : undefined), 10000);
    expect(summary()?.reconnects).toBe(1);
    await new Promise((r) => setTimeout(r, 4000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    expect((await health(svc.api)).status.health.details.lastSession.state).toBe('finished');
    const files = rtmp.recordings(key);
    expect(files).toHaveLength(2);
    const resumed = await probeMedia(files[1]!);
    expect(resumed.video?.codec).toBe('h264');
    expect(resumed.audio?.codec).toBe('aac');
    expect(resumed.durationSec).toBeGreaterThan(3);
  });

  it('fails cleanly when the ingest stays down past the retry time, and keeps the local copy', async () => {
    const short = await startTestService({ JIBRI_STREAMING_LOCAL_COPY: 'true', JIBRI_STREAMING_RETRY_TIMEOUT: '3' });
    try {
      const sessionId = 'stream-lost';
      const key = 'lost-key';
      expect((await post(`${short.api}/startService`, streamBody(sessionId, { rtmpUrl: rtmp.appUrl(), youTubeStreamKey: key }))).status).toBe(200);
      await waitForSessionState(short.service, sessionId, 'recording');
      await waitFor('the publish', () => (rtmp.publishes().includes(key) ? true : undefined), 10000);
      await new Promise((r) => setTimeout(r, 4000));
      const localCopy = short.service.recorder.getSession(sessionId)!.mediaFile!;
      const droppedAt = Date.now();
      await rtmp.stop();
      await short.service.recorder.whenIdle();
      // Detected at the first failed write, then 3 s of retries, then the file is closed and finalized.
      expect(Date.now() - droppedAt).toBeLessThan(15000);
      const last = (await health(short.api)).status.health.details.lastSession;
      expect(last.state).toBe('failed');
      expect(last.error.code).toBe('STREAM_LOST');
      const copy = await probeMedia(localCopy);
      expect(copy.video?.codec).toBe('h264');
      expect(copy.durationSec).toBeGreaterThan(4);
    } finally {
      await short.stop();
      await rtmp.start();
    }
  });
});
