/**
 * Measures sound-to-picture offsets in a recording of the sync page (testkit/sync-page.ts): finds each
 * beep onset in the audio (sample-accurate) and each bar onset in the video (frame time minus the bar's
 * width over its speed, averaged over the bar's frames), pairs them, and returns audio minus video in ms.
 * Positive: the sound comes late.
 */
import { SYNC } from './sync-page';
import type { Page } from 'playwright';
import { runFfmpeg, runFfprobe } from './media';

async function streamStarts(file: string): Promise<{ video: number; audio: number }> {
  const { stdout: out } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'csv=p=0', file]);
  const starts: Record<string, number> = {};
  for (const line of out.trim().split('\n')) {
    const [type, start] = line.split(',');
    if (type && start !== undefined) starts[type] = Number(start) || 0;
  }
  return { video: starts.video ?? 0, audio: starts.audio ?? 0 };
}

/** Bar onsets in seconds of the file's timeline. */
export async function videoOnsets(file: string, width = 1280, row = SYNC.barHeight / 2): Promise<number[]> {
  const { stdout, stderr } = await runFfmpeg(['-v', 'info', '-i', file, '-copyts', '-map', '0:v:0', '-vf', `format=gray,crop=${width}:1:0:${row},showinfo`, '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1']);
  const times = [...stderr.matchAll(/n:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+)/g)].map((m) => Number(m[1]));
  const frames = Math.floor(stdout.length / width);
  const estimates: number[][] = [];
  let current: number[] | undefined;
  let lastWidth = 0;
  for (let i = 0; i < Math.min(frames, times.length); i++) {
    let w = 0;
    while (w < width && stdout[i * width + w]! > 128) w++;
    const growing = w > 0 && w > lastWidth;
    // Frames where the bar is partly off the end, or has just been cleared, say nothing about its start.
    if (growing && w < width - 2) {
      if (!current) estimates.push((current = []));
      current.push(times[i]! - w / SYNC.speedPxPerSec);
    } else if (w === 0) current = undefined;
    lastWidth = w;
  }
  return estimates.filter((e) => e.length > 0).map((e) => [...e].sort((a, b) => a - b)[Math.floor(e.length / 2)]!);
}

/** Beep onsets in seconds of the file's timeline. */
export async function audioOnsets(file: string, sampleRate = 48000): Promise<number[]> {
  const { stdout } = await runFfmpeg(['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', 'pipe:1']);
  const samples = new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength - (stdout.byteLength % 4)));
  const onsets: number[] = [];
  const quietNeeded = Math.round(0.2 * sampleRate);
  let quiet = quietNeeded;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.1) {
      if (quiet >= quietNeeded) onsets.push(i / sampleRate);
      quiet = 0;
    } else quiet++;
  }
  return onsets;
}

export interface SyncResult {
  /** Every beep's offset but those set aside. */
  offsetsMs: number[];
  /** Beeps around which the page's own sound stalled (see sync-page.ts): measured, printed, not counted. */
  setAside: Array<BeepOffset & { clockMoveMs: number }>;
  medianMs: number;
  worstMs: number;
  /** Least-squares slope of the offset over the recording: a drift of the sound against the picture. */
  driftMsPerMin: number;
}

/** One beep: where it is in the file and how far its sound is from its picture (positive: sound late). */
export interface BeepOffset {
  atSec: number;
  offsetMs: number;
}

/** Half the shortest gap between two beeps: a bar this far from a beep is another beep's. */
const PAIR_GAP_SEC = (SYNC.periodMs - 5 * SYNC.gapStepMs) / 2000;

export function pairOffsets(audio: number[], video: number[], maxGapSec = PAIR_GAP_SEC): BeepOffset[] {
  const out: BeepOffset[] = [];
  for (const a of audio) {
    let best: number | undefined;
    for (const v of video) if (best === undefined || Math.abs(a - v) < Math.abs(a - best)) best = v;
    if (best !== undefined && Math.abs(a - best) < maxGapSec) out.push({ atSec: a, offsetMs: (a - best) * 1000 });
  }
  return out;
}

export function driftPerMinute(beeps: BeepOffset[]): number {
  if (beeps.length < 2) return 0;
  const mx = beeps.reduce((s, b) => s + b.atSec / 60, 0) / beeps.length;
  const my = beeps.reduce((s, b) => s + b.offsetMs, 0) / beeps.length;
  let num = 0;
  let den = 0;
  for (const b of beeps) {
    num += (b.atSec / 60 - mx) * (b.offsetMs - my);
    den += (b.atSec / 60 - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

export function summarize(beeps: BeepOffset[]): SyncResult {
  const offsetsMs = beeps.map((b) => b.offsetMs);
  const sorted = [...offsetsMs].sort((a, b) => a - b);
  const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
  const worstMs = offsetsMs.reduce((w, o) => (Math.abs(o) > Math.abs(w) ? o : w), 0);
  return { offsetsMs, setAside: [], medianMs, worstMs, driftMsPerMin: driftPerMinute(beeps) };
}

/** Beep and bar onsets, both in seconds of the file's timeline. */
export interface Onsets {
  audio: number[];
  video: number[];
}

export async function findOnsets(file: string): Promise<Onsets> {
  const [starts, video, audio] = await Promise.all([streamStarts(file), videoOnsets(file), audioOnsets(file)]);
  // Video onsets come from pts (already on the file's timeline); decoded audio starts at its stream's start.
  return { audio: audio.map((t) => t + starts.audio), video };
}

/** What the sync page says of its beeps, read from the page at the end of a session. */
export interface PageBeeps {
  /** When each beep was meant, in seconds of the recording's timeline (from the encode's origin). */
  meantSec: number[];
  /** How far the page's audio clock moved around each beep, in ms. */
  clockMovesMs: number[];
}

/** A beep whose page clock moved more than this, half the bound (a stall of the page's sound), is set aside. */
export const CLOCK_MOVE_LIMIT_MS = 20;

/** Reads the page's beeps; `originMs` is the wall-clock instant of the recording's zero. */
export async function readSyncPage(page: Pick<Page, 'evaluate'>, originMs: number): Promise<PageBeeps> {
  const state = await page.evaluate(() => {
    const s = (window as unknown as { syncState: { onsets: number[]; clockMovesMs: number[] } }).syncState;
    return { onsetsMs: s.onsets.map((t) => performance.timeOrigin + t), clockMovesMs: [...s.clockMovesMs] };
  });
  return { meantSec: state.onsetsMs.map((ms) => (ms - originMs) / 1000), clockMovesMs: state.clockMovesMs };
}

/**
 * How far `audio` (beep onsets of one recording) is shifted against `meant` (the page's): the shift that
 * lines up the most beeps within `tolSec`. The gaps between beeps differ, so only the true shift lines up
 * more than a couple. A file starts at the origin; a stream or HLS may not.
 */
export function lineUp(audio: number[], meant: number[], tolSec = 0.15): number {
  let best = { shift: 0, matches: -1, residual: Infinity };
  for (const a of audio) {
    for (const m of meant) {
      const shift = a - m;
      let matches = 0;
      let residual = 0;
      for (const x of audio) {
        const d = Math.min(...meant.map((y) => Math.abs(x - shift - y)));
        if (d < tolSec) {
          matches++;
          residual += d;
        }
      }
      if (matches > best.matches || (matches === best.matches && residual < best.residual)) best = { shift, matches, residual };
    }
  }
  return best.shift;
}

/** The offsets, with the beeps whose page clock moved set aside. */
export function syncOf(onsets: Onsets, page?: PageBeeps): SyncResult {
  const beeps = pairOffsets(onsets.audio, onsets.video);
  if (!page || page.meantSec.length === 0) return summarize(beeps);
  const shift = lineUp(onsets.audio, page.meantSec);
  const clockMove = (atSec: number): number => {
    let k = -1;
    page.meantSec.forEach((m, i) => {
      if (Math.abs(atSec - shift - m) < PAIR_GAP_SEC && (k < 0 || Math.abs(atSec - shift - m) < Math.abs(atSec - shift - page.meantSec[k]!))) k = i;
    });
    return k < 0 ? 0 : page.clockMovesMs[k] ?? 0;
  };
  const kept = beeps.filter((b) => clockMove(b.atSec) <= CLOCK_MOVE_LIMIT_MS);
  const setAside = beeps.filter((b) => clockMove(b.atSec) > CLOCK_MOVE_LIMIT_MS).map((b) => ({ ...b, clockMoveMs: clockMove(b.atSec) }));
  return { ...summarize(kept), setAside };
}

export async function measureSync(file: string, page?: PageBeeps): Promise<SyncResult> {
  return syncOf(await findOnsets(file), page);
}

/**
 * Splits the offset into its two paths, each against the moment the page meant the beep: how much later
 * the beep's sound and the bar's picture appear in the file. `originMs` is the wall-clock instant of the
 * file's zero, `pageOnsetsMs` the page's beep moments in wall-clock ms (performance.timeOrigin + onset).
 * Medians over the beeps; the offset is audio minus video.
 */
export function pathLatencies(onsets: Onsets, originMs: number, pageOnsetsMs: number[]): { audioMs: number; videoMs: number } {
  const meant = pageOnsetsMs.map((ms) => (ms - originMs) / 1000);
  return { audioMs: summarize(pairOffsets(onsets.audio, meant)).medianMs, videoMs: summarize(pairOffsets(onsets.video, meant)).medianMs };
}
