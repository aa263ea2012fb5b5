/**
 * Sound and picture in sync: the sync page (a beep and a growing bar at the same instant, every 1.25-1.75 s)
 * recorded through the real service while two other sessions record the demo page on the same host: one
 * session with a file, a stream to nginx-rtmp and HLS from one encode (each measured as delivered: the
 * file, the FLV the ingest received, the HLS segments) for a minute, then a file alone and HLS alone.
 *
 * BOUND_MS is the correctness bound: every beep of every session within ±40 ms of its bar. The offsets
 * are printed for every run. A beep around which the page's own sound stalled (testkit/sync-page.ts) is
 * printed and set aside; each session must still have its minimum of counted beeps.
 *
 * @lane alone: measures A/V sync under a load of its own
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { SYNC, syncPageHtml } from '../../testkit/sync-page';
import { lineUp, measureSync, pairOffsets, readSyncPage, summarize, syncOf, type PageBeeps, type SyncResult } from '../../testkit/av-sync';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { post, startBody, startTestService, tempDir, waitForSessionState, type TestService } from '../../testkit/service';

const BOUND_MS = 40;

function report(name: string, r: SyncResult): void {
  process.stderr.write(`sync ${name}: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms, drift ${r.driftMsPerMin.toFixed(2)} ms/min over ${r.offsetsMs.length} beeps: ${r.offsetsMs.map((o) => o.toFixed(0)).join(' ')}\n`);
  if (r.setAside.length > 0) {
    const aside = r.setAside.map((b) => `${b.offsetMs.toFixed(0)} ms at ${b.atSec.toFixed(1)} s (its clock moved ${b.clockMoveMs.toFixed(0)} ms)`);
    process.stderr.write(`sync ${name}: set aside, the page's own sound stalled around them: ${aside.join(', ')}\n`);
  }
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
    // The bar is a white strip slid in from the left (overlay evaluates its position every frame).
    execFileSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=1280x720:r=30:d=6', '-f', 'lavfi', '-i', 'color=c=white:s=1280x40:r=30:d=6',
      '-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*1000*t)*lt(mod(t-0.1,1.5),0.05)*gte(t,0.1)':s=48000:d=6",
      '-filter_complex', "[0:v][1:v]overlay=x='-1280+2000*mod(t\\,1.5)':y=0:enable='lt(mod(t\\,1.5)\\,0.5)',format=yuv420p[v]",
      '-map', '[v]', '-map', '2:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-y', file,
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

  it('lines up the page\'s beeps with a recording whose timeline starts elsewhere', () => {
    const meant: number[] = [2];
    for (let k = 1; k < 30; k++) meant.push(meant[k - 1]! + (SYNC.periodMs + SYNC.gapStepMs * ((k * 7) % 11 - 5)) / 1000);
    // A stream that started 7.3 s into the session and missed its first beeps; the sound 60 ms late.
    const audio = meant.slice(5).map((m) => m + 0.06 - 7.3);
    expect(lineUp(audio, meant)).toBeCloseTo(0.06 - 7.3, 6);
  });

  it('sets aside, and reports, the beeps around which the page\'s own sound stalled', () => {
    const meant = [1, 2.3, 3.9, 5.3];
    const onsets = { audio: meant.map((m) => m + 0.05), video: meant.map((m, i) => m + 0.04 + (i === 2 ? 0.08 : 0)) };
    const r = syncOf(onsets, { meantSec: meant, clockMovesMs: [0, 2, 45, 0] });
    expect(r.offsetsMs.map((o) => Math.round(o))).toEqual([10, 10, 10]);
    expect(r.setAside).toEqual([{ atSec: expect.closeTo(3.95, 6), offsetMs: expect.closeTo(-70, 6), clockMoveMs: 45 }]);
  });

  it('fits the drift in ms per minute', () => {
    const beeps = [0, 30, 60, 90, 120].map((atSec) => ({ atSec, offsetMs: 5 + atSec / 60 * 3 }));
    expect(summarize(beeps).driftMsPerMin).toBeCloseTo(3, 6);
  });
});

describe('recordings are in sync, with two other sessions recording on the same host', () => {
  let page: DemoServer;
  let demo: DemoServer;
  let svc: TestService;
  let loadSvc: TestService;
  let rtmp: RtmpServer;
  beforeAll(async () => {
    page = await startDemoServer({ html: syncPageHtml() });
    demo = await startDemoServer();
    rtmp = await startRtmpServer();
    // Streams never leave loopback.
    svc = await startTestService({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1(:\\d+)?/.*' });
    // The load: two sessions recording the demo page (a moving picture and a tone) the whole time, in a
    // service of their own, so that the measured one always has its slot whatever admission would say.
    loadSvc = await startTestService({ JIBRI_CONCURRENT_SESSIONS: '2', JIBRI_SESSION_CPU_ESTIMATE: '0.05', JIBRI_CPU_TARGET: '100' });
    for (const id of ['load-1', 'load-2']) {
      expect((await post(`${loadSvc.api}/startService`, startBody(demo.baseUrl, id))).status).toBe(200);
      await waitForSessionState(loadSvc.service, id, 'recording');
    }
  });
  afterAll(async () => {
    await svc?.stop();
    await loadSvc?.stop();
    await rtmp?.stop();
    await demo?.close();
    await page?.close();
  });

  async function record(id: string, seconds: number, extra: Record<string, unknown> = {}): Promise<{ file: string; page: PageBeeps }> {
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, id, extra))).status).toBe(200);
    await waitForSessionState(svc.service, id, 'recording');
    const session = svc.service.recorder.getSession(id)!;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const sync = session.summary().sync;
    process.stderr.write(`sync ${id}: picture latency ${sync?.pictureLatencyMs.toFixed(1)} ms (${sync?.pictureLatencyRangeMs.map((v) => v.toFixed(0)).join('-')}), sound moved ${sync?.soundMoveMs.toFixed(1)} ms\n`);
    // The frame clock was read: the sound was moved for the picture's measured latency.
    expect(sync).toBeDefined();
    const pageBeeps = await readSyncPage(session.page!, session.originMs!);
    await post(`${svc.api}/stopService`);
    await svc.service.recorder.whenIdle();
    return { file: session.paths.mediaFile, page: pageBeeps };
  }

  it('one minute of a file, a stream and HLS from one encode: every beep of each within ±40 ms, from the first', async () => {
    // Drift over 10 minutes is measured by the bench (BENCH_DRIFT_MINUTES=10), not extrapolated from a minute.
    const key = 'sync-outputs-key';
    const id = 'sync-outputs';
    const { file, page: beeps } = await record(id, 60, { sinkType: undefined, outputs: [{ type: 'file' }, { type: 'rtmp', url: `${rtmp.appUrl()}/${key}` }, { type: 'hls' }] });
    const [flv] = rtmp.recordings(key);
    const hls = path.join(tempDir('jibri-ts-sync-hls-'), 'hls.ts');
    execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(path.dirname(file), 'hls', 'index.m3u8'), '-c', 'copy', '-y', hls]);
    for (const [name, media] of [['file', file], ['stream', flv!], ['HLS', hls]] as const) {
      const r = await measureSync(media, beeps);
      report(`${id} ${name}`, r);
      expectInBound(r, 35);
    }
  }, 300000);

  it('a file of 12 s: every beep within ±40 ms of its flash', async () => {
    const { file, page: beeps } = await record('sync-file', 12);
    const r = await measureSync(file, beeps);
    report('file', r);
    expectInBound(r, 5);
  });

  it('HLS alone, 12 s: every beep within ±40 ms of its flash', async () => {
    const { file, page: beeps } = await record('sync-hls', 12, { sinkType: undefined, outputs: [{ type: 'hls' }] });
    // The segments joined as a player sees them.
    const joined = path.join(tempDir('jibri-ts-sync-hls-'), 'hls.ts');
    execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(path.dirname(file), 'hls', 'index.m3u8'), '-c', 'copy', '-y', joined]);
    const r = await measureSync(joined, beeps);
    report('HLS alone', r);
    expectInBound(r, 5);
  });
});
