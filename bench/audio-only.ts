/**
 * What an audio-only session costs against a full one on this host: the same page, alternated in the
 * same run (full, audio only, full, ...), CPU of the whole process tree per recorded second and its peak
 * memory, medians over the rounds. An audio-only session still runs Chromium (the meeting must play)
 * but captures no screen and encodes no picture.
 */
import type { Service } from '../lib/compose';
import type { DemoServer } from '../lib/demo/server';
import { median, memorySampler, treeCpuSeconds } from './proc-stats';
import { waitForRecording } from './sessions';

export interface AudioOnlyReport {
  full: { cpuPerSec: number[]; treeMb: number[] };
  audioOnly: { cpuPerSec: number[]; treeMb: number[] };
  median: { fullCpu: number; audioOnlyCpu: number; cpuRatio: number; fullTreeMb: number; audioOnlyTreeMb: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function oneSession(service: Service, page: DemoServer, sessionId: string, audioOnly: boolean, seconds: number): Promise<{ cpuPerSec: number; treeMb: number }> {
  const api = `${service.http.url}/jibri/api/v1.0`;
  await sleep(3000);
  const started = waitForRecording(service, sessionId);
  const res = await fetch(`${api}/startService`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sessionId,
      callParams: { callUrlInfo: { baseUrl: page.baseUrl, callName: 'bench' } },
      callLoginParams: { domain: 'recorder.demo.local', username: 'recorder', password: 'demo-password' },
      outputs: [audioOnly ? { type: 'file', audioOnly: true } : { type: 'file' }],
    }),
  });
  if (res.status !== 200) throw new Error(`startService answered ${res.status}: ${await res.text()}`);
  await started;
  // Past the start's spike (Chromium joining, ffmpeg opening its inputs).
  await sleep(2000);
  const mem = memorySampler(process.pid);
  const c0 = treeCpuSeconds(process.pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu = treeCpuSeconds(process.pid) - c0;
  const secs = (Date.now() - t0) / 1000;
  const peaks = mem.stop();
  await fetch(`${api}/stopService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId }) });
  await service.recorder.whenIdle();
  return { cpuPerSec: cpu / secs, treeMb: peaks.treeMb };
}

export async function benchAudioOnly(service: Service, page: DemoServer, rounds: number, seconds: number): Promise<AudioOnlyReport> {
  const full = { cpuPerSec: [] as number[], treeMb: [] as number[] };
  const audioOnly = { cpuPerSec: [] as number[], treeMb: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const [kind, into] of [[false, full], [true, audioOnly]] as const) {
      const r = await oneSession(service, page, `cost-${kind ? 'audio' : 'full'}-${round}`, kind, seconds);
      into.cpuPerSec.push(r.cpuPerSec);
      into.treeMb.push(r.treeMb);
    }
  }
  const fullCpu = median(full.cpuPerSec);
  const audioOnlyCpu = median(audioOnly.cpuPerSec);
  return {
    full,
    audioOnly,
    median: { fullCpu, audioOnlyCpu, cpuRatio: audioOnlyCpu / fullCpu, fullTreeMb: median(full.treeMb), audioOnlyTreeMb: median(audioOnly.treeMb) },
  };
}

export function describeAudioOnly(r: AudioOnlyReport): string {
  const m = r.median;
  return `audio-only session vs full one, median of ${r.full.cpuPerSec.length} rounds: CPU ${m.audioOnlyCpu.toFixed(3)} s/s vs ${m.fullCpu.toFixed(3)} s/s → ${m.cpuRatio.toFixed(2)}×; peak tree memory ${Math.round(m.audioOnlyTreeMb)} MB vs ${Math.round(m.fullTreeMb)} MB`;
}
