/**
 * Sound and picture in sync: the sync page (a beep and a growing bar at the same instant, every 1.5 s)
 * recorded through the real service, in several separate sessions, and streamed to nginx-rtmp (measured
 * on the FLV the ingest received).
 *
 * What this asserts today: no gross desync (Jibri's command was off by ±0.6 s here; every beep must be
 * within ±GROSS_MS). The bound, ±40 ms in every
 * run, is not met yet: most sessions land within ±20 ms, but some whole sessions sit 50-140 ms off
 * (see README, "Sound and picture in sync"). The offsets are printed for every run.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { syncPageHtml } from '../../lib/demo/sync-page';
import { measureSync, pairOffsets, summarize } from '../support/av-sync';
import { startRtmpServer, type RtmpServer } from '../support/rtmp';
import { post, startBody, startTestService, tempDir, waitForSessionState, type TestService } from '../support/service';

const GROSS_MS = 250;

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
    expect(pairOffsets([1.02, 2.5], [1.0, 2.52])).toEqual([expect.closeTo(20, 5), expect.closeTo(-20, 5)]);
    expect(summarize([10, -30, 5]).worstMs).toBe(-30);
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

  it('a stream, as the ingest received it: no beep grossly away from its flash', async () => {
    const id = 'sync-stream';
    const key = 'sync-stream-key';
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, id, { sinkType: 'stream', rtmpUrl: rtmp.appUrl(), youTubeStreamKey: key }))).status).toBe(200);
    await waitForSessionState(svc.service, id, 'recording');
    await new Promise((r) => setTimeout(r, 10000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    const [flv] = rtmp.recordings(key);
    const r = await measureSync(flv!);
    process.stderr.write(`sync stream: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms over ${r.offsetsMs.length} beeps\n`);
    expect(r.offsetsMs.length).toBeGreaterThanOrEqual(4);
    for (const o of r.offsetsMs) expect(Math.abs(o)).toBeLessThanOrEqual(GROSS_MS);
  });

  it.each([1, 2, 3])('run %i: no beep grossly away from its flash', async (run) => {
    const id = `sync-${run}`;
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, id))).status).toBe(200);
    await waitForSessionState(svc.service, id, 'recording');
    const file = svc.service.recorder.getSession(id)!.paths.mediaFile;
    await new Promise((r) => setTimeout(r, 10000));
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    const r = await measureSync(file);
    process.stderr.write(`sync run ${run}: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms over ${r.offsetsMs.length} beeps\n`);
    expect(r.offsetsMs.length).toBeGreaterThanOrEqual(4);
    for (const o of r.offsetsMs) expect(Math.abs(o)).toBeLessThanOrEqual(GROSS_MS);
  });
});
