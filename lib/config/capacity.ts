/** The capacity area: slots, and what admission assumes a session costs until it has measured its own. */
import type { Reader } from '@jibri-ts/common';
import type { EncodingConfig } from './encoding';

/**
 * How many sessions run side by side, and what admission assumes one costs until it has measured its own.
 * `slots` is the number of brewery occupants per environment and server; the first session is always
 * taken, admission may refuse later ones.
 */
export interface CapacityConfig {
  slots: number | 'auto';
  sessionCpuCores: number;
  sessionMemoryBytes: number;
  /** What an audio-only session is assumed to take until measured (no screen capture, no video encode). */
  audioOnlyCpuCores: number;
  /** Share of the host's CPU (0..1) that background load plus planned sessions may take. */
  cpuTarget: number;
  /** Resident memory one session's media worker may use, in MB; beyond it that session fails, alone. */
  workerMemoryMb: number;
}

/**
 * Cores of one session's whole tree (Chromium, ffmpeg, Xvfb, its share of the service) recording a
 * 4-participant meeting at 30 fps, as `BENCH_ONLY=meeting npm run bench` measured it on a 2-core x86 host
 * (docs/MEETING-COST.md): the first estimate admission plans with, until the recorder has learned its own.
 */
export const MEASURED_SESSION_CORES: ReadonlyArray<{ pixels: number; cores: number }> = [
  { pixels: 1280 * 720, cores: 0.6 },
  { pixels: 1920 * 1080, cores: 1.05 },
];

/** Pure: the measured cost at this size, straight between (and beyond) the measured sizes, scaled by frame rate. */
export function firstSessionCpuEstimate(width: number, height: number, framerate: number): number {
  const [a, b] = MEASURED_SESSION_CORES as [{ pixels: number; cores: number }, { pixels: number; cores: number }];
  const atSize = a.cores + ((width * height - a.pixels) * (b.cores - a.cores)) / (b.pixels - a.pixels);
  // Below 720p Chromium's decoding of the videos stays; it does not shrink with the screen.
  const cores = Math.max(atSize, a.cores * 0.75) * (framerate / 30);
  return Math.round(Math.max(0.2, cores) * 100) / 100;
}

export function readCapacity(r: Reader, encoding: Pick<EncodingConfig, 'width' | 'height' | 'framerate'>): CapacityConfig {
  const auto = firstSessionCpuEstimate(encoding.width, encoding.height, encoding.framerate);
  return {
    slots: r.parsed<number | 'auto'>('JIBRI_CONCURRENT_SESSIONS', (raw) => {
      if (raw.trim().toLowerCase() === 'auto') return { ok: true, value: 'auto' };
      if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 64) return { ok: false, expected: 'expected a whole number from 1 to 64, or auto' };
      return { ok: true, value: Number(raw) };
    }),
    sessionCpuCores: r.parsed('JIBRI_SESSION_CPU_ESTIMATE', (raw) => {
      if (raw.toLowerCase() === 'auto') return { ok: true, value: auto };
      if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) < 0.05 || Number(raw) > 64) return { ok: false, expected: 'expected a number from 0.05 to 64, or auto' };
      return { ok: true, value: Number(raw) };
    }),
    sessionMemoryBytes: r.int('JIBRI_SESSION_MEMORY_ESTIMATE', 50, 65536) * 1024 * 1024,
    workerMemoryMb: r.int('JIBRI_SESSION_WORKER_MEMORY_LIMIT', 64, 65536),
    audioOnlyCpuCores: r.decimal('JIBRI_SESSION_AUDIO_ONLY_CPU_ESTIMATE', 0.05, 64),
    cpuTarget: r.int('JIBRI_CPU_TARGET', 10, 100) / 100,
  };
}
