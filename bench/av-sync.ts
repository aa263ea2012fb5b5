/** Sound-to-picture offsets over several sessions of the sync page, recorded through the service. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import { startDemoServer } from '../lib/demo/server';
import { syncPageHtml } from '../testkit/sync-page';
import { createLogger } from '../lib/log';
import { findOnsets, pathLatencies, syncOf } from '../testkit/av-sync';
import { median } from './proc-stats';

export interface AvSyncReport {
  /** Per session; audioPathMs and videoPathMs: how late the sound and the picture appear against the page's beep moments. */
  runs: Array<{ offsetsMs: number[]; medianMs: number; worstMs: number; audioPathMs: number; videoPathMs: number }>;
  medianMs: number;
  worstMs: number;
}

export async function benchAvSync(runs: number, seconds = 12): Promise<AvSyncReport> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-sync-'));
  const page = await startDemoServer({ html: syncPageHtml() });
  const service = await compose(loadConfig({ JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings }, 'bench'), createLogger('error'));
  const out: AvSyncReport['runs'] = [];
  try {
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      const session = service.recorder.start({
        sessionId: `sync-${i}`, call: { baseUrl: page.baseUrl, callName: 'sync', extraUrlParams: [] },
        callLogin: { domain: 'recorder.bench.local', username: 'recorder', password: 'bench' }, outputs: [{ kind: 'file' }],
        metadata: {}, origin: { kind: 'http' },
      });
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const meant = (await session.page?.evaluate(() => {
        const state = (window as unknown as { syncState: { onsets: number[] } }).syncState;
        return state.onsets.map((t) => performance.timeOrigin + t);
      })) ?? [];
      const originMs = session.originMs ?? NaN;
      await service.recorder.stop();
      await service.recorder.whenIdle();
      const onsets = await findOnsets(session.paths.mediaFile);
      const r = syncOf(onsets);
      const paths = pathLatencies(onsets, originMs, meant);
      out.push({ offsetsMs: r.offsetsMs, medianMs: r.medianMs, worstMs: r.worstMs, audioPathMs: paths.audioMs, videoPathMs: paths.videoMs });
    }
  } finally {
    await service.stop();
    await page.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
  const all = out.flatMap((r) => r.offsetsMs);
  return { runs: out, medianMs: median(all), worstMs: all.reduce((w, o) => (Math.abs(o) > Math.abs(w) ? o : w), 0) };
}

export function describeAvSync(r: AvSyncReport): string {
  const runs = r.runs.map((x) => `${x.medianMs.toFixed(0)}/${x.worstMs.toFixed(0)}`).join(', ');
  const paths = r.runs.map((x) => `${x.audioPathMs.toFixed(0)}/${x.videoPathMs.toFixed(0)}`).join(', ');
  return [
    `A/V offset (audio − video), ${r.runs.length} sessions: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1)} ms (per session median/worst: ${runs})   bound ±40 ms   ${Math.abs(r.worstMs) <= 40 ? 'PASS' : 'MISS'}`,
    `  where it comes from, per session, audio path / video path (ms after the page's beep moment, the sound moved by JIBRI_RECORDING_AUDIO_DELAY_MS): ${paths}`,
  ].join('\n');
}
