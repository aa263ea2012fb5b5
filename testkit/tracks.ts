/**
 * Reading a tracks output back, for the specs and the bench: a recording decoded once (the mix or one
 * track, with a track's packet times), the beep onsets in it, each onset of a track placed on the mix's
 * timeline by the manifest's offset and paired with the mix's nearest one, and the level of each tone.
 */
import { runFfmpeg, runFfprobe, toneLevelDb } from './media';

/** Enough for tones up to 2 kHz and an onset to a tenth of a millisecond; a sixth of 48 kHz's work. */
export const RATE = 16000;
/** A sample louder than this is sound (the tones play at 0.3). */
const LOUD = 0.1;
/** Sound shorter than this after quiet, and quiet again, is a click (see beepOnsets). */
export const CLICK_MS = 20;

export interface Decoded {
  samples: Float32Array;
  /** Each packet's time in the file and its length (s): where a player puts the samples it decodes. */
  packets: Array<[pts: number, duration: number]>;
  /** The stream's start time (s): where a player puts its first decoded sample. */
  startSec: number;
}

/** The file's first audio stream as mono samples at RATE, with its packets' times. */
export async function decodeRecording(file: string): Promise<Decoded> {
  const [{ stdout }, probe, stream] = await Promise.all([
    runFfmpeg(['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1']),
    runFfprobe(['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file]),
    runFfprobe(['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file]),
  ]);
  const samples = new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength - (stdout.byteLength % 4)));
  const packets = probe.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number])
    .filter(([pts, d]) => Number.isFinite(pts) && Number.isFinite(d));
  return { samples, packets, startSec: Number(stream.stdout.trim()) || 0 };
}

/**
 * Onsets (s, by the samples' count from the first) of beeps after at least 0.2 s of quiet. A click shorter
 * than CLICK_MS followed by quiet is not a beep's beginning: a loaded host's mix can play the first
 * milliseconds of a sound and then drop out for a while before the rest; the beep is where its sound goes on.
 */
export function beepOnsets(samples: Float32Array): number[] {
  const onsets: number[] = [];
  const quietNeeded = Math.round(0.2 * RATE);
  const click = Math.round((CLICK_MS / 1000) * RATE);
  const gap = Math.round(0.005 * RATE);
  let quiet = quietNeeded;
  let i = 0;
  while (i < samples.length) {
    if (Math.abs(samples[i]!) <= LOUD) {
      quiet++;
      i++;
      continue;
    }
    // A stretch of sound: until 5 ms pass without a loud sample.
    let end = i;
    for (let j = i; j < samples.length && j - end <= gap; j++) if (Math.abs(samples[j]!) > LOUD) end = j;
    if (end - i >= click) {
      if (quiet >= quietNeeded) onsets.push(i / RATE);
      quiet = 0;
    } else quiet += end - i + 1;
    i = end + 1;
  }
  return onsets;
}

/** Where a player puts each beep of the mix (a file whose audio runs without gaps from its start time). */
export function mixBeeps(mix: Decoded): number[] {
  return beepOnsets(mix.samples).map((at) => mix.startSec + at);
}

/**
 * Where a player puts each beep of a track file: the decoded sample's packet, at that packet's time in the
 * file, plus the time into the packet. Seconds of the file's timeline.
 */
export function placedBeeps(track: Decoded): number[] {
  const starts: number[] = [];
  let sum = 0;
  for (const [, d] of track.packets) {
    starts.push(sum);
    sum += d;
  }
  return beepOnsets(track.samples).map((at) => {
    let k = 0;
    while (k + 1 < starts.length && starts[k + 1]! <= at) k++;
    return track.packets[k]![0] + (at - starts[k]!);
  });
}

/** A track's entry of tracks/manifest.json, as far as placing its sound goes. */
export interface PlacedTrack {
  participant: string;
  offsetMs: number;
}

/** One participant's beep: where its track puts it on the mix (s) and where the mix has it, and the gap in ms. */
export interface BeepPair {
  participant: string;
  trackSec: number;
  mixSec: number;
  offsetMs: number;
}

/** Onsets of a track placed on the mix's timeline by the manifest, paired with the mix's nearest onset (within maxGapSec). */
export function pairBeeps(track: PlacedTrack, trackOnsets: readonly number[], mixOnsets: readonly number[], maxGapSec = 0.25): BeepPair[] {
  const out: BeepPair[] = [];
  for (const t of trackOnsets) {
    const at = track.offsetMs / 1000 + t;
    let best: number | undefined;
    for (const m of mixOnsets) if (best === undefined || Math.abs(m - at) < Math.abs(best - at)) best = m;
    if (best !== undefined && Math.abs(best - at) <= maxGapSec) out.push({ participant: track.participant, trackSec: at, mixSec: best, offsetMs: (at - best) * 1000 });
  }
  return out;
}

/** The level (dB) of each pitch over the whole recording. */
export function toneLevels(samples: Float32Array, pitches: readonly number[]): number[] {
  return pitches.map((hz) => toneLevelDb(samples, RATE, hz));
}
