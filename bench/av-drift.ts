/**
 * Sound-to-picture drift over one long recording of the sync page (BENCH_DRIFT_MINUTES, off by default:
 * it takes that long). Reports the offset at the start (median of the first 20 beeps) and at the end
 * (median of the last 20): their difference is the drift.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import { startDemoServer } from '../lib/demo/server';
import { syncPageHtml } from '../testkit/sync-page';
import { createLogger } from '../lib/log';
import { measureSync } from '../testkit/av-sync';
import { median } from './proc-stats';

export interface DriftReport {
  minutes: number;
  startMs: number;
  endMs: number;
  driftMs: number;
  worstMs: number;
  beeps: number;
}

export async function benchAvDrift(minutes: number): Promise<DriftReport> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-drift-'));
  const page = await startDemoServer({ html: syncPageHtml() });
  const service = await compose(loadConfig({ JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings }, 'bench'), createLogger('error'), { exit: () => undefined });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const session = service.recorder.start({
      sessionId: 'drift', call: { baseUrl: page.baseUrl, callName: 'drift', extraUrlParams: [] },
      callLogin: { domain: 'recorder.bench.local', username: 'recorder', password: 'bench' }, outputs: [{ kind: 'file' }], metadata: {}, origin: { kind: 'http' },
    });
    await new Promise((r) => setTimeout(r, minutes * 60000));
    await service.recorder.stop();
    await service.recorder.whenIdle();
    const r = await measureSync(session.paths.mediaFile);
    const start = median(r.offsetsMs.slice(0, 20));
    const end = median(r.offsetsMs.slice(-20));
    return { minutes, startMs: start, endMs: end, driftMs: end - start, worstMs: r.worstMs, beeps: r.offsetsMs.length };
  } finally {
    await service.stop();
    await page.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
}

export function describeAvDrift(r: DriftReport): string {
  return `A/V drift over one ${r.minutes}-minute recording (${r.beeps} beeps): ${r.startMs.toFixed(1)} ms at the start, ${r.endMs.toFixed(1)} ms at the end (drift ${r.driftMs >= 0 ? '+' : ''}${r.driftMs.toFixed(1)} ms), worst ${r.worstMs.toFixed(1)} ms   bound ±40 ms   ${Math.abs(r.startMs) <= 40 && Math.abs(r.endMs) <= 40 && Math.abs(r.worstMs) <= 40 ? 'PASS' : 'MISS'}`;
}
