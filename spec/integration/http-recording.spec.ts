/**
 * The recorder end to end through the HTTP API, on the real stack: Xvfb, PulseAudio, Chromium and
 * ffmpeg record the bundled meeting page, and the file is checked for what it really contains.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { DEFAULT_DEMO } from '../../lib/demo/page';
import { probeMedia } from '../../lib/output/probe';
import { colourNear, decodeAudio, framesDiffer, grabFrame, grabRate, toneStats, videoFrameTimes } from '../../testkit/media';
import { finalizeRecorder, health, post, startBody, startTestService, tempDir, waitForSessionState, type TestService } from '../../testkit/service';

describe('file recording through the HTTP API', () => {
  let page: DemoServer;
  let svc: TestService;
  let finalize: ReturnType<typeof finalizeRecorder>;
  const RECORD_MS = 6000;
  let recordedMs = 0;
  /** From the start request until the stop answered: the most the file can hold. */
  let sessionMs = 0;
  let mediaFile = '';

  beforeAll(async () => {
    page = await startDemoServer();
    const scratch = tempDir();
    finalize = finalizeRecorder(scratch);
    svc = await startTestService({ JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: finalize.script });
  });

  afterAll(async () => {
    await svc?.stop();
    await page?.close();
  });

  it('starts (200), is busy, refuses a second start (412), stops (200) once the file is closed', async () => {
    const sessionId = 'Record Test/1';
    const startedAt = Date.now();
    const start = await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId));
    expect(start.status).toBe(200);

    const busy = await health(svc.api);
    expect(busy.busy).toBe(true);
    expect(busy.status.busyStatus).toBe('BUSY');
    expect(busy.status.health.healthStatus).toBe('HEALTHY');

    const second = await post(`${svc.api}/startService`, startBody(page.baseUrl, 'another'));
    expect(second.status).toBe(412);
    expect(second.json.error.code).toBe('BUSY');

    await waitForSessionState(svc.service, sessionId, 'recording');
    const session = svc.service.recorder.getSession(sessionId);
    expect(session).toBeDefined();
    mediaFile = session!.paths.mediaFile;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, RECORD_MS));
    // Recorded from when the session said so until the stop was asked: the least the file holds.
    recordedMs = Date.now() - t0;
    const stop = await post(`${svc.api}/stopService`);
    sessionMs = Date.now() - startedAt;
    expect(stop.status).toBe(200);
    // Closed on disk when stop answers: the file is there and complete enough to probe.
    expect(fs.existsSync(mediaFile)).toBe(true);
    await svc.service.recorder.whenIdle();
    const idle = await health(svc.api);
    expect(idle.busy).toBe(false);
    expect(idle.status.busyStatus).toBe('IDLE');
    expect(idle.status.health.details.lastSession.state).toBe('finished');
  });

  it('lays the file out as Jibri does', () => {
    expect(path.basename(path.dirname(mediaFile))).toBe('Record_Test_1');
    expect(path.basename(mediaFile)).toMatch(/^testroom_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.mp4$/);
  });

  it('holds H.264 at the configured size and rate and AAC audio, as long as the recording', async () => {
    const m = await probeMedia(mediaFile);
    expect(m.video?.codec).toBe('h264');
    expect(m.video?.width).toBe(1280);
    expect(m.video?.height).toBe(720);
    const rate = await grabRate(mediaFile);
    expect(rate).toBeGreaterThan(29.5);
    expect(rate).toBeLessThan(30.5);
    // A grab that fell behind catches up with frames a few ms apart; the encode keeps none of those, so
    // the file is never denser than its rate.
    const times = await videoFrameTimes(mediaFile);
    const closest = Math.min(...times.slice(1).map((t, i) => t - times[i]!));
    expect(closest).toBeGreaterThanOrEqual(0.75 / 30 - 0.0005);
    expect(m.audio?.codec).toBe('aac');
    expect(m.audio?.sampleRate).toBe(44100);
    // The session reports "recording" once ffmpeg reports its first frames (twice a second, later on a busy
    // host), so the file starts before that: it holds at least the time from then to the stop request (less
    // the last frame), and never more than the session's whole life.
    const heldMs = m.durationSec * 1000;
    process.stderr.write(`http-recording: the file holds ${heldMs.toFixed(0)} ms; recording to the stop request ${recordedMs} ms, the session's life ${sessionMs} ms\n`);
    expect(heldMs).toBeGreaterThan(recordedMs - 1000 / 30);
    expect(heldMs).toBeLessThan(sessionMs);
  });

  it("carries the page's tone: its pitch and a real level", async () => {
    const samples = await decodeAudio(mediaFile, { startSec: 1, durationSec: 2 });
    const stats = toneStats(samples, 44100);
    expect(Math.abs(stats.dominantHz - DEFAULT_DEMO.toneHz)).toBeLessThan(5);
    expect(stats.rmsDb).toBeGreaterThan(-20);
  });

  it('shows the page edge to edge, and the picture moves', async () => {
    const frame = await grabFrame(mediaFile, recordedMs / 2000);
    const [tl, tr, bl, br] = DEFAULT_DEMO.corners;
    const inset = 3;
    expect(colourNear(frame.pixel(inset, inset), tl)).toBe(true);
    expect(colourNear(frame.pixel(frame.width - 1 - inset, inset), tr)).toBe(true);
    expect(colourNear(frame.pixel(inset, frame.height - 1 - inset), bl)).toBe(true);
    expect(colourNear(frame.pixel(frame.width - 1 - inset, frame.height - 1 - inset), br)).toBe(true);
    // Exactly at the corner pixel too: no window border, tab strip or scrollbar in the picture.
    expect(colourNear(frame.pixel(0, 0), tl)).toBe(true);
    expect(colourNear(frame.pixel(frame.width - 1, frame.height - 1), br)).toBe(true);
    // The box swings with a period of pi seconds, so two frames can catch it at the same place by
    // chance; it cannot be in the same place at three unevenly spaced moments unless the page froze.
    expect((await framesDiffer(mediaFile, 1, 1.6)) || (await framesDiffer(mediaFile, 1, 2.5))).toBe(true);
  });

  it('writes metadata.json and runs the finalize script with the session folder', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(path.dirname(mediaFile), 'metadata.json'), 'utf8'));
    expect(meta.meeting_url).toBe(`${page.baseUrl}/testroom`);
    expect(meta.participants).toEqual([]);
    expect(finalize.calls()).toEqual([['1', path.dirname(mediaFile)]]);
  });

  it('never writes the call login to the log-visible status', async () => {
    const body = JSON.stringify(await health(svc.api));
    expect(body).not.toContain('rec-secret-pw');
  });
});
