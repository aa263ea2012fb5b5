/**
 * Checks of what a real recording contains, by decoding it with ffmpeg: the sound's pitch and level,
 * the colour of pixels in a frame, whether the picture moves. No mocks: these read the actual file.
 */
import { spawn } from 'node:child_process';

/** Runs ffmpeg to completion; its stdout is the decoded data, its stderr the log (e.g. showinfo). */
export function runFfmpeg(args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve({ stdout: Buffer.concat(chunks), stderr: err }) : reject(new Error(`ffmpeg ${args.join(' ')} failed: ${err.slice(-500)}`))));
  });
}

async function run(args: string[]): Promise<Buffer> {
  return (await runFfmpeg(args)).stdout;
}

/** The first audio stream as mono float samples. */
export async function decodeAudio(file: string, opts: { startSec?: number; durationSec?: number; sampleRate?: number } = {}): Promise<Float32Array> {
  const args = ['-v', 'error'];
  if (opts.startSec !== undefined) args.push('-ss', String(opts.startSec));
  args.push('-i', file);
  if (opts.durationSec !== undefined) args.push('-t', String(opts.durationSec));
  args.push('-map', '0:a:0', '-ac', '1', '-ar', String(opts.sampleRate ?? 44100), '-f', 'f32le', 'pipe:1');
  const buf = await run(args);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength - (buf.byteLength % 4)));
}

/** In-place radix-2 FFT (re, im have a power-of-two length). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

export interface ToneStats {
  rmsDb: number;
  peakDb: number;
  dominantHz: number;
}

export function toneStats(samples: Float32Array, sampleRate: number): ToneStats {
  let sum = 0;
  let peak = 0;
  for (const s of samples) {
    sum += s * s;
    peak = Math.max(peak, Math.abs(s));
  }
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  let n = 1;
  while (n * 2 <= samples.length && n < 1 << 17) n *= 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = samples[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  fft(re, im);
  let best = 1;
  let bestMag = 0;
  const mags = new Float64Array(n / 2);
  for (let k = 1; k < n / 2; k++) {
    mags[k] = Math.hypot(re[k]!, im[k]!);
    if (mags[k]! > bestMag) {
      bestMag = mags[k]!;
      best = k;
    }
  }
  // Parabolic interpolation of the log magnitudes around the peak bin.
  const [a, b, c] = [mags[best - 1] ?? 0, mags[best]!, mags[best + 1] ?? 0].map((m) => Math.log(m + 1e-12)) as [number, number, number];
  const shift = (a - c) / (2 * (a - 2 * b + c) || 1);
  return {
    rmsDb: 20 * Math.log10(rms + 1e-12),
    peakDb: 20 * Math.log10(peak + 1e-12),
    dominantHz: ((best + shift) * sampleRate) / n,
  };
}

export interface Frame {
  width: number;
  height: number;
  data: Buffer;
  pixel(x: number, y: number): [number, number, number];
}

export async function grabFrame(file: string, atSec: number, size = { width: 1280, height: 720 }): Promise<Frame> {
  const data = await run(['-v', 'error', '-ss', String(atSec), '-i', file, '-frames:v', '1', '-s', `${size.width}x${size.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  if (data.length < size.width * size.height * 3) throw new Error(`no frame at ${atSec} s in ${file}`);
  return {
    ...size,
    data,
    pixel: (x, y) => {
      const i = (y * size.width + x) * 3;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

/** H.264 in yuv420p moves colours a little; each channel within `tolerance` counts as the colour. */
export function colourNear(actual: [number, number, number], expectedHex: string, tolerance = 40): boolean {
  const e = [1, 3, 5].map((i) => parseInt(expectedHex.slice(i, i + 2), 16));
  return actual.every((v, i) => Math.abs(v - e[i]!) <= tolerance);
}

export async function framesDiffer(file: string, t1: number, t2: number, threshold = 1): Promise<boolean> {
  const [a, b] = await Promise.all([grabFrame(file, t1), grabFrame(file, t2)]);
  let diff = 0;
  for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
  return diff / a.data.length > threshold;
}

/**
 * Level of one frequency in dB relative to full scale: a pure tone of amplitude A at `hz` reads about
 * 20·log10(A), and a frequency that is absent reads far below it. Goertzel over Hann-windowed blocks of
 * 100 ms, averaged: a block's passband (about ±20 Hz) tolerates the small pitch error of a sound card
 * clock, which one long block would not.
 */
export function toneLevelDb(samples: Float32Array, sampleRate: number, hz: number): number {
  const block = Math.round(sampleRate / 10);
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let total = 0;
  let blocks = 0;
  for (let start = 0; start + block <= samples.length; start += block) {
    let s1 = 0;
    let s2 = 0;
    let windowSum = 0;
    for (let i = 0; i < block; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (block - 1));
      windowSum += w;
      const s0 = samples[start + i]! * w + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2);
    total += ((2 * Math.sqrt(power)) / windowSum) ** 2;
    blocks++;
  }
  return 10 * Math.log10(total / Math.max(1, blocks) + 1e-24);
}

/**
 * The grab's cadence: frames per second from the median gap between frames. A busy host stalls the grab
 * now and then (the gap specs measure those); the median says at what rate the frames come otherwise.
 */
export async function grabRate(file: string): Promise<number> {
  const times = await videoFrameTimes(file);
  const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  return gaps.length > 2 ? 1 / gaps[Math.floor(gaps.length / 2)]! : 0;
}

/** The video frames' times in the file, in order. */
export async function videoFrameTimes(file: string): Promise<number[]> {
  const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout.split('\n').filter((l) => l.trim() !== '').map(Number).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
}

/** Runs ffprobe to completion; its stdout is what it printed. */
export function runFfprobe(args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve({ stdout: out }) : reject(new Error(`ffprobe exited with ${code}`))));
  });
}

/** Continuity of one stream of a media file: its first and last packet times and the longest gap between packets. */
export interface Continuity {
  firstSec: number;
  lastSec: number;
  maxGapSec: number;
  /** Where the longest gap starts, in the file's time. */
  maxGapAtSec: number;
  packets: number;
}

/**
 * How continuous a file's video (`v`) or audio (`a`) is, from its packets' timestamps: an ingest that
 * lost its stream for a while, or a recording that stalled, shows as a long gap.
 */
export async function continuity(file: string, stream: 'v' | 'a', fromSec = 0): Promise<Continuity> {
  const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  const times = stdout.split('\n').map((l) => l.split(',')[0]!.trim()).filter((l) => l !== '' && l !== 'N/A').map(Number).filter((t) => Number.isFinite(t) && t >= fromSec).sort((a, b) => a - b);
  let maxGapSec = 0;
  let maxGapAtSec = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > maxGapSec) [maxGapSec, maxGapAtSec] = [gap, times[i - 1]!];
  }
  return { firstSec: times[0] ?? 0, lastSec: times.at(-1) ?? 0, maxGapSec, maxGapAtSec, packets: times.length };
}
