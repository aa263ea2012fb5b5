/**
 * Sound and picture in sync: the sync page (a beep and a growing bar at the same instant, every 1.5 s)
 * recorded through the real service, in several separate sessions, one of them a minute long, and
 * streamed to nginx-rtmp (measured on the FLV the ingest received).
 *
 * BOUND_MS is the correctness bound: every beep of every session within ±40 ms of its bar. The
 * offsets are printed for every run.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { syncPageHtml } from '../../testkit/sync-page';
import { measureSync, pairOffsets, summarize, type SyncResult } from '../../testkit/av-sync';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { post, startBody, startTestService, tempDir, waitForSessionState, type TestService } from '../../testkit/service';

const BOUND_MS = 40;

function report(name: string, r: SyncResult): void {
  process.stderr.write(`sync ${name}: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms, drift ${r.driftMsPerMin.toFixed(2)} ms/min over ${r.offsetsMs.length} beeps: ${r.offsetsMs.map((o) => o.toFixed(0)).join(' ')}\n`);
}

function expectInBound(r: SyncResult, minBeeps: number): void {
  expect(r.offsetsMs.length).toBeGreaterThanOrEqual(minBeeps);
  for (const o of r.offsetsMs) expect(Math.abs(o)).toBeLessThanOrEqual(BOUND_MS);
}

describe('the sync decoder', () => {
  it('finds a known offset in a synthetic file', async () => {
    // A 1 kHz beep every 1.5 s, delayed by 100 ms against a bar that grows at the page's speed.
    const dir = tempDir();
    const file = path.join(dir, 'synthetic.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', "color=c=black:s=1280x720:r=30:d=6,format=gray,geq=lum='if(lt(Y,40)*lt(X,2000*mod(T,1.5))*lt(mod(T,1.5),0.5),255,0)'",
      '-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*1000*t)*lt(mod(t-0.1,1.5),0.05)*gte(t,0.1)':s=48000:d=6",
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file,
    ]);
    const r = await measureSync(file);
    expect(r.offsetsMs.length).toBeGreaterThanOrEqual(3);
    for (const o of r.offsetsMs) expect(Math.abs(o - 100)).toBeLessThan(8);
  });

  it('pairs each beep with the nearest bar', () => {
    const pairs = pairOffsets([1.02, 2.5], [1.0, 2.52]);
    expect(pairs.map((p) => p.offsetMs)).toEqual([expect.closeTo(20, 5), expect.closeTo(-20, 5)]);
    expect(Math.abs(summarize(pairs).worstMs)).toBeCloseTo(20, 5);
  });

  it('fits the drift in ms per minute', () => {
    const beeps = [0, 30, 60, 90, 120].map((atSec) => ({ atSec, offsetMs: 5 + atSec / 60 * 3 }));
    expect(summarize(beeps).driftMsPerMin).toBeCloseTo(3, 6);
  });
});

describe('recordings are in sync', () => {
  let page: DemoServer;
  let svc: TestService;
  let rtmp: RtmpServer;
  beforeAll(async () => {
    page = await startDemoServer({ html: syncPageHtml() });
    rtmp = await startRtmpServer();
    // Streams never leave loopback.
    svc = await startTestService({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1(:\\d+)?/.*' });
  });
  afterAll(async () => {
    await svc?.stop();
    await rtmp?.stop();
    await page?.close();
  });

  async function recordFile(id: string, seconds: number): Promise<string> {
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, id))).status).toBe(200);
    await waitForSessionState(svc.service, id, 'recording');
    const file = svc.service.recorder.getSession(id)!.paths.mediaFile;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    return file;
  }

  it('a stream, as the ingest received it: every beep within ±40 ms of its flash', async () => {
    const id = 'sync-stream';
    const key = 'sync-stream-key';
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, id, { sinkType: 'stream', rtmpUrl: rtmp.appUrl(), youTubeStreamKey: key }))).status).toBe(200);
    await waitForSessionState(svc.service, id, 'recording');
    await new Promise((r) => setTimeout(r, 12000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    const [flv] = rtmp.recordings(key);
    const r = await measureSync(flv!);
    report('stream', r);
    expectInBound(r, 5);
  });

  it.each([1, 2, 3])('file %i: every beep within ±40 ms of its flash', async (run) => {
    const r = await measureSync(await recordFile(`sync-${run}`, 12));
    report(`file ${run}`, r);
    expectInBound(r, 5);
  });

  it('one minute: every beep within ±40 ms', async () => {
    // Drift over 10 minutes is measured by the bench (BENCH_DRIFT_MINUTES=10): the offset is not a straight
    // line that one minute could be extrapolated from (see README, "Sound and picture in sync").
    const r = await measureSync(await recordFile('sync-long', 60));
    report('1 min', r);
    expectInBound(r, 35);
  }, 300000);
});
