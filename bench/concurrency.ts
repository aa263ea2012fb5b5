/**
 * How many simultaneous recordings this host carries: for 1, 2, 3... sessions of the demo page at the
 * configured resolution and frame rate, each on its own page and tone, the share of frames the encoders
 * had to drop or duplicate to keep the frame rate, and the CPU and memory per session. The largest count
 * with under 1 % in every session is the host's capacity. Admission is opened wide here (the bench
 * measures what the host can do, not what admission would allow).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { startDemoServer, type DemoServer } from '../lib/demo/server';
import { createLogger } from '../lib/log';
import { treeCpuSeconds, treePssMb } from './proc-stats';
import { frameCounts, frameDeltas, waitForAllRecording, type SessionFrames } from './sessions';

export interface ConcurrencyRun {
  sessions: number;
  /** Worst session's (missed + duplicated) / written frames, in percent; missed: frames fewer than the recorded time holds. */
  worstBadFramePercent: number;
  perSession: SessionFrames[];
  cpuCoresPerSession: number;
  /** Proportional memory (PSS) of the tree while recording, above the idle service, per session. */
  treeMbPerSession: number;
  ok: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runWith(n: number, seconds: number, pages: DemoServer[]): Promise<ConcurrencyRun> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-n-'));
  const config = loadConfig(
    { JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings, JIBRI_CONCURRENT_SESSIONS: String(n), JIBRI_SESSION_CPU_ESTIMATE: '0.05', JIBRI_CPU_TARGET: '100' },
    'bench',
  );
  const service = await compose(config, createLogger('error'), { exit: () => undefined });
  const api = `${service.http.url}/jibri/api/v1.0`;
  try {
    await sleep(3000);
    const idlePssMb = treePssMb(process.pid);
    for (let i = 0; i < n; i++) await startFileRecording(api, `n${n}-${i}`, pages[i]!.baseUrl, 'bench');
    const ids = Array.from({ length: n }, (_, i) => `n${n}-${i}`);
    await waitForAllRecording(service, ids);
    // Past every session's start, so that the counts are those of steady recording.
    await sleep(3000);
    const before = frameCounts(service, ids);
    const c0 = treeCpuSeconds(process.pid);
    const t0 = Date.now();
    await sleep((seconds * 1000) / 2);
    const busyPssMb = treePssMb(process.pid);
    await sleep((seconds * 1000) / 2);
    const cpu = (treeCpuSeconds(process.pid) - c0) / ((Date.now() - t0) / 1000);
    const { perSession, worstBadFramePercent: worst } = frameDeltas(service, ids, before);
    await stopRecording(api);
    await service.recorder.whenIdle();
    return {
      sessions: n,
      worstBadFramePercent: worst,
      perSession,
      cpuCoresPerSession: cpu / n,
      treeMbPerSession: (busyPssMb - idlePssMb) / n,
      ok: worst < 1 && perSession.every((p) => p.frames > seconds * config.encoding.framerate * 0.9),
    };
  } finally {
    await service.stop();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
}

/** Adds sessions until a count fails (or `max`); always measures 1 and 2. */
export async function benchConcurrency(seconds: number, max = 4): Promise<ConcurrencyRun[]> {
  const pages: DemoServer[] = [];
  for (let i = 0; i < max; i++) pages.push(await startDemoServer({ toneHz: 300 + 200 * i, title: `session ${i + 1}` }));
  const runs: ConcurrencyRun[] = [];
  try {
    for (let n = 1; n <= max; n++) {
      process.stderr.write(`  ${n} simultaneous recording(s), ${seconds} s...\n`);
      const run = await runWith(n, seconds, pages);
      runs.push(run);
      if (!run.ok && n >= 2) break;
    }
  } finally {
    for (const p of pages) await p.close();
  }
  return runs;
}

export function describeConcurrency(runs: ConcurrencyRun[]): string[] {
  const capacity = Math.max(0, ...runs.filter((r) => r.ok).map((r) => r.sessions));
  return [
    `simultaneous recordings with < 1 % frames missed or duplicated: ${capacity}   target ≥ 2 (Jibri: 1 per machine)   ${capacity >= 2 ? 'PASS' : 'MISS'}`,
    ...runs.map(
      (r) =>
        `  ${r.sessions} at once: worst session ${r.worstBadFramePercent.toFixed(2)} % bad frames (${r.perSession.map((p) => `${p.dropped}+${p.duplicated}/${p.frames}`).join(', ')} missed+dup/frames), ` +
        `${r.cpuCoresPerSession.toFixed(2)} cores and ${r.treeMbPerSession.toFixed(0)} MB (PSS) per session${r.ok ? '' : '  ← over'}`,
    ),
  ];
}
