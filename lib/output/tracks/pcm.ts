/**
 * A recording's sound as ffmpeg decodes it, for measuring: mono, 8000 samples a second, 16-bit, sample
 * after sample (a sample's position in the file is its count, whatever the file's times say). Read in one
 * streaming pass, never held whole: either the loudness of every 50 ms, or only the stretches asked for.
 */
import { streamOutput } from '../../proc/runner';

export const PCM_RATE = 8000;
/** 50 ms: the loudness frame of voice-activity.ts. */
export const LEVEL_FRAME = 400;

export function pcmArgv(file: string): string[] {
  return ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(PCM_RATE), '-f', 's16le', 'pipe:1'];
}

/** Calls `onSamples` with whole 16-bit samples and the index of the first, across any chunking. */
function sampleReader(onSamples: (samples: Int16Array, first: number) => void): (chunk: Buffer) => void {
  let carry: Buffer | undefined;
  let count = 0;
  return (chunk) => {
    const data = carry ? Buffer.concat([carry, chunk]) : chunk;
    const whole = data.length - (data.length % 2);
    carry = whole < data.length ? Buffer.from(data.subarray(whole)) : undefined;
    if (whole === 0) return;
    const samples = new Int16Array(whole / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
    onSamples(samples, count);
    count += samples.length;
  };
}

/** The RMS level (dBFS) of every 50 ms of the file; undefined when ffmpeg could not read it at all. */
export async function fileLevels(ffmpegBinary: string, file: string): Promise<number[] | undefined> {
  const levels: number[] = [];
  let sum = 0;
  let n = 0;
  const r = await streamOutput(
    ffmpegBinary,
    pcmArgv(file),
    sampleReader((samples) => {
      for (const s of samples) {
        sum += s * s;
        if (++n === LEVEL_FRAME) {
          levels.push(10 * Math.log10(sum / LEVEL_FRAME / (32768 * 32768)));
          sum = 0;
          n = 0;
        }
      }
    }),
  );
  return r.code === 0 || levels.length > 0 ? levels : undefined;
}

export interface Window {
  /** First sample and length, in samples at PCM_RATE. */
  start: number;
  length: number;
}

/**
 * The samples of each window, in one pass over the file; a window past the file's end comes back short
 * (zeros). Undefined when ffmpeg could not read the file at all.
 */
export async function fileWindows(ffmpegBinary: string, file: string, windows: readonly Window[]): Promise<Int16Array[] | undefined> {
  const out = windows.map((w) => new Int16Array(Math.max(0, w.length)));
  const order = windows.map((w, i) => ({ ...w, i })).sort((a, b) => a.start - b.start);
  let from = 0;
  let got = 0;
  const r = await streamOutput(
    ffmpegBinary,
    pcmArgv(file),
    sampleReader((samples, first) => {
      got += samples.length;
      const last = first + samples.length;
      while (from < order.length && order[from]!.start + order[from]!.length <= first) from++;
      for (let j = from; j < order.length && order[j]!.start < last; j++) {
        const w = order[j]!;
        const a = Math.max(w.start, first);
        const b = Math.min(w.start + w.length, last);
        if (b > a) out[w.i]!.set(samples.subarray(a - first, b - first), a - w.start);
      }
    }),
  );
  return r.code === 0 || got > 0 ? out : undefined;
}
