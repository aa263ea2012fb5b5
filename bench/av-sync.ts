/**
 * Sound-to-picture offsets over several sessions of the sync page, recorded through the service while
 * other sessions record the demo page beside them on the same host (the load a busy recorder carries).
 * For each session: every beep's offset, how late the picture reached the capture (the frame clock the
 * recorder reads) and how far the recorder moved the sound for it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import { startDemoServer } from '../lib/demo/server';
import type { StartRequest } from '../lib/recorder/requests';
import { syncPageHtml } from '../testkit/sync-page';
import { createLogger } from '../lib/log';
import { findOnsets, pathLatencies, readSyncPage, syncOf } from '../testkit/av-sync';
import { median } from './proc-stats';
import { waitForRecording } from './sessions';

export interface AvSyncRun {
  offsetsMs: number[];
  /** Beeps set aside: the page's own sound stalled around them (testkit/sync-page.ts). */
  setAside: number;
  medianMs: number;
  worstMs: number;
  /** How late the sound and the picture appear in the file against the page's beep moments (the file's own start included). */
  audioPathMs: number;
  videoPathMs: number;
  /** The frame clock: median and range of the picture's latency over the session, and the sound's final move. */
  pictureLatencyMs: { median: number; min: number; max: number };
  soundMoveMs: number;
}

export interface AvSyncReport {
  runs: AvSyncRun[];
  /** Sessions recording the demo page beside each measured one. */
  load: number;
  medianMs: number;
  worstMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function request(sessionId: string, baseUrl: string, callName: string): StartRequest {
  return {
    sessionId, call: { baseUrl, callName, extraUrlParams: [] },
    callLogin: { domain: 'recorder.bench.local', username: 'recorder', password: 'bench' }, outputs: [{ kind: 'file' }],
    metadata: {}, origin: { kind: 'http' },
  };
}

export async function benchAvSync(runs: number, seconds = 12, load = 2): Promise<AvSyncReport> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-sync-'));
  const page = await startDemoServer({ html: syncPageHtml() });
  const demo = await startDemoServer();
  const config = (slots: number): ReturnType<typeof loadConfig> =>
    loadConfig({ JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings, JIBRI_CONCURRENT_SESSIONS: String(slots), JIBRI_SESSION_CPU_ESTIMATE: '0.05', JIBRI_CPU_TARGET: '100' }, 'bench');
  // The load records in a service of its own: the measured one always has a free slot, whatever admission
  // would say of a third session on this host.
  const loadService = await compose(config(Math.max(1, load)), createLogger('error'));
  const service = await compose(config(1), createLogger('error'));
  const out: AvSyncRun[] = [];
  try {
    for (let l = 0; l < load; l++) {
      const started = waitForRecording(loadService, `load-${l}`);
      loadService.recorder.start(request(`load-${l}`, demo.baseUrl, `load${l}`));
      await started;
    }
    for (let i = 0; i < runs; i++) {
      await sleep(3000);
      const id = `sync-${i}`;
      const session = service.recorder.start(request(id, page.baseUrl, 'sync'));
      const samples = await session.keepClockSamples();
      await sleep(seconds * 1000);
      const originMs = session.originMs ?? NaN;
      const pageBeeps = session.page ? await readSyncPage(session.page, originMs) : { meantSec: [], clockMovesMs: [] };
      const move = session.summary().sync?.soundMoveMs ?? 0;
      await service.recorder.stop(id);
      while (service.recorder.getSession(id)) await sleep(100);
      const onsets = await findOnsets(session.paths.mediaFile);
      const r = syncOf(onsets, pageBeeps);
      const paths = pathLatencies(onsets, originMs, pageBeeps.meantSec.map((sec) => originMs + sec * 1000));
      const latencies = samples.map((s) => s.latencyMs);
      out.push({
        offsetsMs: r.offsetsMs, setAside: r.setAside.length, medianMs: r.medianMs, worstMs: r.worstMs, audioPathMs: paths.audioMs, videoPathMs: paths.videoMs,
        pictureLatencyMs: { median: median(latencies), min: Math.min(...latencies), max: Math.max(...latencies) }, soundMoveMs: move,
      });
    }
  } finally {
    await service.stop();
    await loadService.stop();
    await page.close();
    await demo.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
  const all = out.flatMap((r) => r.offsetsMs);
  return { runs: out, load, medianMs: median(all), worstMs: all.reduce((w, o) => (Math.abs(o) > Math.abs(w) ? o : w), 0) };
}

export function describeAvSync(r: AvSyncReport): string {
  const f = (n: number): string => n.toFixed(0);
  return [
    `A/V offset (audio − video), ${r.runs.length} sessions, ${r.load} others recording beside each: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms   bound ±40 ms   ${Math.abs(r.worstMs) <= 40 ? 'PASS' : 'MISS'}; beeps set aside (the page's own sound stalled): ${r.runs.reduce((n, x) => n + x.setAside, 0)} of ${r.runs.reduce((n, x) => n + x.setAside + x.offsetsMs.length, 0)}`,
    '  per session: median / worst beep; picture latency median (min-max) and the sound\'s move; audio / video path in the file',
    ...r.runs.map((x, i) => `  ${String(i + 1).padStart(2)}: ${f(x.medianMs)} / ${f(x.worstMs)} ms; picture ${f(x.pictureLatencyMs.median)} (${f(x.pictureLatencyMs.min)}-${f(x.pictureLatencyMs.max)}) ms, sound moved ${f(x.soundMoveMs)} ms; paths ${f(x.audioPathMs)} / ${f(x.videoPathMs)} ms`),
  ].join('\n');
}
