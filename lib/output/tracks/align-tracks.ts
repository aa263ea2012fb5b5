/**
 * Places every track on the mix's timeline when the session is finalized, and writes the place into the
 * track's own packet times, so that a player (or ffmpeg, or the combined file) puts each sound where the
 * mix has it.
 *
 * The clocks give the first guess: the page's time when the recording started, Chromium's stamps for the
 * sound it could not deliver (restamp.ts), the mix's moves of its sound. Then, wherever the participant
 * spoke, the mix itself: the beginning of every stretch of the track's voice is found in the mix near
 * the guess (alignment.ts), and the differences become the track's corrections. A track whose participant
 * never spoke, or a session without a local mix (a stream alone), keeps the clocks' place.
 *
 * Cost, once per session: the mix and each track decoded at 8 kHz in one streaming pass each (two for a
 * track), and a few milliseconds of comparison per stretch.
 */
import * as path from 'node:path';
import type { Logger } from '../../log';
import type { SoundMove } from '../participant-audio';
import { correctionAt, corrections, matchSegment, type AlignmentPoint, type Correction } from './alignment';
import { fileLevels, fileWindows, LEVEL_FRAME, PCM_RATE, type Window } from './pcm';
import { blockTimes, readTrack, writeTrackTimes } from './restamp';
import { voiceSegments, type Segment } from './voice-activity';

export interface TrackToAlign {
  /** The file's name in the tracks folder. */
  file: string;
  /** Where the clocks put the file's first sample on the mix (ms from its zero), with the mix's move then. */
  clockOffsetMs: number;
}

export interface AlignedTrack {
  /** The file's zero on the mix's timeline (ms), as its packet times now say. */
  offsetMs: number;
  /**
   * `mix`: measured against the mix where the participant spoke; `others`: never found in the mix, placed
   * with the correction measured on the tracks that began about when it did; `clock`: the clocks' place.
   */
  alignedBy: 'mix' | 'others' | 'clock';
  matches: number;
  /** Sound the page could not deliver, by Chromium's stamps (ms). */
  gapsMs: number;
  /** The participant's voice on the mix's timeline (s); undefined when the track could not be read. */
  voice: Segment[] | undefined;
}

export interface AlignOptions {
  ffmpegBinary: string;
  dir: string;
  /** The session's own recording of the mix (a file, or its HLS playlist); none: the clocks' place only. */
  mixPath?: string;
  soundMoves: readonly SoundMove[];
  log: Logger;
}

/** Voice onsets measured per track, at most (each costs a few milliseconds of comparison). */
const MAX_PER_TRACK = 400;
/** A stretch of voice shorter than this is a click or a breath: too little to match. */
const MIN_VOICE_SEC = 0.25;
/**
 * What is compared around an onset: a little of the quiet before it and the voice's beginning, where a
 * match is sharpest. Short, so that a dropout of the mix a little later does not weigh in; the loud part
 * decides the match, so sound the page lost in the quiet before it does not move the measured place.
 */
const BEFORE_SEC = 0.1;
const AFTER_SEC = 0.15;
/** How far from the guess the mix is searched: the clocks are off by a few hundred ms on a loaded host. */
const SEARCH_SEC = 0.6;

function moveAt(moves: readonly SoundMove[], atMs: number): number {
  let move = moves[0]?.moveMs ?? 0;
  for (const m of moves) if (m.atMs <= atMs) move = m.moveMs;
  return move;
}

/** The index of the last value at or before `x` in an ascending list (-1: none). */
function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface Plan {
  track: TrackToAlign;
  read: Awaited<ReturnType<typeof readTrack>>;
  /** The clocks' guess: a moment of the track (ms by its samples) → ms of the mix. */
  guess: (atMs: number) => number;
  voice: Segment[] | undefined;
  gapsMs: number;
  stretches: Array<{ track: Window; mix: Window; onsetMs: number }>;
}

async function plan(t: TrackToAlign, o: AlignOptions): Promise<Plan> {
  const file = path.join(o.dir, t.file);
  const read = await readTrack(file);
  const times = read && blockTimes(read.scan.blocks, read.scan.scaleNs);
  const move0 = moveAt(o.soundMoves, t.clockOffsetMs);
  const gapAt = (atMs: number): number => {
    const k = times ? lastAtOrBefore(times.positionMs, atMs) : -1;
    return k >= 0 ? times!.gapMs[k]! : 0;
  };
  const guess = (atMs: number): number => {
    const base = t.clockOffsetMs + atMs + gapAt(atMs);
    return base + moveAt(o.soundMoves, base) - move0;
  };
  const levels = await fileLevels(o.ffmpegBinary, file);
  const voice = levels && voiceSegments(levels.map((db, i) => ({ atSec: (i * LEVEL_FRAME) / PCM_RATE, db })));
  const stretches: Plan['stretches'] = [];
  for (const v of voice ?? []) {
    if (v.endSec - v.startSec < MIN_VOICE_SEC || stretches.length >= MAX_PER_TRACK || !o.mixPath) continue;
    const from = Math.max(0, v.startSec - BEFORE_SEC);
    const to = v.startSec + AFTER_SEC;
    const at = guess(from * 1000) / 1000 - SEARCH_SEC;
    stretches.push({
      track: { start: Math.round(from * PCM_RATE), length: Math.round((to - from) * PCM_RATE) },
      mix: { start: Math.max(0, Math.round(at * PCM_RATE)), length: Math.round((to - from + 2 * SEARCH_SEC) * PCM_RATE) },
      onsetMs: v.startSec * 1000,
    });
  }
  return { track: t, read, guess, voice, gapsMs: times?.gapMs.at(-1) ?? 0, stretches };
}

/** Aligns every track (files rewritten with their new times); never rejects. */
export async function alignTracks(tracks: readonly TrackToAlign[], o: AlignOptions): Promise<Map<string, AlignedTrack>> {
  const plans: Plan[] = [];
  for (const t of tracks) plans.push(await plan(t, o));
  const mixWindows = plans.flatMap((p) => p.stretches.map((s) => s.mix));
  const mix = o.mixPath && mixWindows.length ? await fileWindows(o.ffmpegBinary, o.mixPath, mixWindows) : undefined;
  if (o.mixPath && mixWindows.length && !mix) o.log.warn(`could not read the mix ${o.mixPath} to place the tracks on it: they keep the clocks' place`, { component: 'tracks' });
  // Each track's own matches first; the borrowing below needs them all.
  const measured: Array<{ plan: Plan; points: AlignmentPoint[]; steps: Correction[] }> = [];
  let m = 0;
  for (const p of plans) {
    const mine = mix?.slice(m, m + p.stretches.length);
    m += p.stretches.length;
    const segs = mine && p.stretches.length ? await fileWindows(o.ffmpegBinary, path.join(o.dir, p.track.file), p.stretches.map((s) => s.track)) : undefined;
    const points: AlignmentPoint[] = [];
    p.stretches.forEach((s, i) => {
      const found = segs?.[i] && mine?.[i] ? matchSegment(segs[i], mine[i]) : undefined;
      if (!found) return;
      const onsetOnMix = ((s.mix.start + found.at - s.track.start) / PCM_RATE) * 1000 + s.onsetMs;
      points.push({ atSec: s.onsetMs / 1000, correctionMs: onsetOnMix - p.guess(s.onsetMs), score: found.score });
    });
    measured.push({ plan: p, points, steps: corrections(points) });
    o.log.debug(`${p.track.file}: clocks' place ${p.track.clockOffsetMs.toFixed(1)} ms; found ${points.map((x) => `${x.atSec.toFixed(2)} s: ${x.correctionMs.toFixed(1)} ms (${x.score.toFixed(2)})`).join(', ') || 'nothing'}`, { component: 'tracks' });
  }
  const out = new Map<string, AlignedTrack>();
  for (const { plan: p, points, steps: own } of measured) {
    const borrowed = own.length ? undefined : borrow(p, measured);
    const steps = own.length ? own : borrowed !== undefined ? [{ fromSec: 0, correctionMs: borrowed }] : [];
    const alignedBy = own.length ? 'mix' : borrowed !== undefined ? 'others' : 'clock';
    const onMix = (atMs: number): number => p.guess(atMs) + correctionAt(steps, atMs / 1000);
    const offsetMs = onMix(0);
    const file = path.join(o.dir, p.track.file);
    if (p.read) {
      const positions = blockTimes(p.read.scan.blocks, p.read.scan.scaleNs).positionMs;
      if (!(await writeTrackTimes(file, p.read, positions.map(onMix)))) o.log.warn(`could not write the new times of ${p.track.file}; it keeps Chromium's`, { component: 'tracks' });
    }
    out.set(p.track.file, {
      offsetMs,
      alignedBy,
      matches: points.length,
      gapsMs: p.gapsMs,
      voice: p.voice?.map((v) => ({ startSec: onMix(v.startSec * 1000) / 1000, endSec: onMix(v.endSec * 1000) / 1000 })),
    });
    const moved = `${(offsetMs - p.track.clockOffsetMs).toFixed(1)} ms from the clocks' place`;
    const why = p.stretches.length ? 'its voice was not found in the mix' : 'no voice of its own to find in the mix';
    o.log.info(
      `${p.track.file}: ${alignedBy === 'mix' ? `placed by the mix (${points.length} of ${p.stretches.length} stretches of voice found, ${moved})` : alignedBy === 'others' ? `placed like the tracks that began with it (${why}; ${moved})` : `placed by the clocks (${why})`}`,
      { component: 'tracks' },
    );
  }
  return out;
}

/** Seconds apart two tracks may have begun and still share the clocks' error (the page's state at the time). */
const TOGETHER_SEC = 3;

/**
 * The correction of a track the mix did not place: the clocks' error is the page's at the moment a
 * recording starts, so the tracks that began about then and were placed by the mix measured it (their
 * median correction at their start); failing those, every placed track of the session.
 */
function borrow(p: Plan, all: ReadonlyArray<{ plan: Plan; steps: Correction[] }>): number | undefined {
  const placed = all.filter((x) => x.steps.length);
  const near = placed.filter((x) => Math.abs(x.plan.track.clockOffsetMs - p.track.clockOffsetMs) <= TOGETHER_SEC * 1000);
  const from = (near.length ? near : placed).map((x) => x.steps[0]!.correctionMs).sort((a, b) => a - b);
  return from.length ? from[Math.floor(from.length / 2)] : undefined;
}
