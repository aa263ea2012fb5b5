/**
 * Pure: where a participant's voice is in the mix. The clocks say roughly where a track belongs (within a
 * few hundred milliseconds on a loaded host: the recorder's start, the sound the browser could not
 * deliver, the mix's own moves); the mix says exactly, wherever the participant spoke, because their
 * voice is in it. The beginning of a stretch of voice is compared with the mix around where the clocks
 * put it, by loudness: first the contours in 10 ms steps over the whole search, then in 1 ms steps around
 * the best of those; a match is taken only if it is clear. Loudness and not the waveform, because the mix
 * is the track after Chromium's output, the sound server, a resampler and the AAC encoder, with the short
 * dropouts a loaded host puts into it: the waveforms of a voice agree there only in pieces, its loudness
 * throughout. The matches of a track become a staircase of corrections: it changes where the track's
 * sound really moved against the mix (a gap, a move of the mix's sound), not for one odd match.
 */

export interface Match {
  /** Where the segment starts in the window, in samples (fractional). */
  at: number;
  /** The fine contours' correlation there (1: the same loudness over time, up to scale). */
  score: number;
}

/** Samples per step of the coarse and of the fine contour (10 ms and 1 ms at 8 kHz). */
const COARSE = 80;
const FINE = 8;
/** ±15 ms of fine search around the coarse best. */
const FINE_SEARCH = 15;
/** A match below this is not taken: the voice is buried under others' or the mix does not hold it. */
export const MIN_SCORE = 0.6;
/** A match at least this clear may show a move of the track against the mix; a weaker one only confirms. */
export const STRONG_SCORE = 0.9;

/** The RMS of every `step` samples. */
function contour(x: Int16Array, step: number): Float64Array {
  const out = new Float64Array(Math.floor(x.length / step));
  for (let f = 0; f < out.length; f++) {
    let s = 0;
    for (let i = f * step; i < (f + 1) * step; i++) s += x[i]! * x[i]!;
    out[f] = Math.sqrt(s / step);
  }
  return out;
}

/** Pearson correlation of a against b from offset `at`. */
function pearson(a: Float64Array, b: Float64Array, at: number): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[at + i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[at + i]! - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

/** The best offset of `a` in `b` between `lo` and `hi` (inclusive), and its correlation. */
function best(a: Float64Array, b: Float64Array, lo: number, hi: number): { at: number; r: number; scores: Map<number, number> } {
  const scores = new Map<number, number>();
  let at = -1;
  let r = -Infinity;
  for (let i = Math.max(0, lo); i <= Math.min(b.length - a.length, hi); i++) {
    const v = pearson(a, b, i);
    scores.set(i, v);
    if (v > r) {
      r = v;
      at = i;
    }
  }
  return { at, r, scores };
}

/**
 * Where `seg` (a stretch of the track) is in `win` (the mix around where it should be), or undefined when
 * the match is not clear. Both at the same rate; `seg` shorter than `win`.
 */
export function matchSegment(seg: Int16Array, win: Int16Array): Match | undefined {
  if (seg.length < COARSE * 10 || win.length <= seg.length) return undefined;
  const coarse = best(contour(seg, COARSE), contour(win, COARSE), 0, Infinity);
  if (coarse.at < 0 || coarse.r < MIN_SCORE) return undefined;
  const ratio = COARSE / FINE;
  const fine = best(contour(seg, FINE), contour(win, FINE), coarse.at * ratio - FINE_SEARCH, coarse.at * ratio + FINE_SEARCH);
  if (fine.at < 0 || fine.r < MIN_SCORE) return undefined;
  // Between steps: the parabola through the best and its neighbours.
  const l = fine.scores.get(fine.at - 1);
  const r = fine.scores.get(fine.at + 1);
  const bend = l !== undefined && r !== undefined ? l - 2 * fine.r + r : 0;
  const frac = bend < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l! - r!)) / bend)) : 0;
  return { at: (fine.at + frac) * FINE, score: fine.r };
}

/** One measured place: at `atSec` of the track (by its samples), the track is `correctionMs` off the clocks' guess. */
export interface AlignmentPoint {
  atSec: number;
  correctionMs: number;
  /** The match's score (matchSegment). */
  score: number;
}

/** From `fromSec` of the track on, its sound is `correctionMs` off the clocks' guess. */
export interface Correction {
  fromSec: number;
  correctionMs: number;
}

/** How far two matches may differ and still be the same placement (the mix's own steps are 17 ms). */
const SAME_MS = 4;

/**
 * Pure: the staircase of corrections through the points (in track order). Only a clear match (STRONG_SCORE)
 * may show a move; a weaker one counts only where it agrees with a clear one (or, in a track without a
 * clear one, with the other weak ones: their median, from the start). A point that disagrees with
 * both its neighbours while they agree with each other is a wrong match and is dropped; any other
 * disagreement is a real move of the track against the mix and starts a new step, `leadSec` before the
 * point that shows it (in the quiet before the voice) but not before the point before it.
 */
export function corrections(points: readonly AlignmentPoint[], leadSec = 0.2): Correction[] {
  const agree = (a: AlignmentPoint | undefined, b: AlignmentPoint | undefined): boolean => !!a && !!b && Math.abs(a.correctionMs - b.correctionMs) <= SAME_MS;
  const all = [...points].sort((a, b) => a.atSec - b.atSec);
  const strong = all.filter((p) => p.score >= STRONG_SCORE);
  // A track with no clear match at all rests on the agreement of its weaker ones (their median, one step).
  if (!strong.length) return all.length ? [{ fromSec: 0, correctionMs: median(all.map((p) => p.correctionMs)) }] : [];
  const sorted = all.filter((p) => p.score >= STRONG_SCORE || strong.some((s) => agree(p, s)));
  const kept = sorted.filter((p, i) => {
    const before = sorted[i - 1];
    const after = sorted[i + 1];
    return !(before && after && agree(before, after) && !agree(p, before) && !agree(p, after));
  });
  const steps: Array<{ fromSec: number; values: number[] }> = [];
  kept.forEach((p, i) => {
    const cur = steps.at(-1);
    if (cur && Math.abs(p.correctionMs - median(cur.values)) <= SAME_MS) cur.values.push(p.correctionMs);
    else steps.push({ fromSec: cur ? Math.max(kept[i - 1]!.atSec, p.atSec - leadSec) : 0, values: [p.correctionMs] });
  });
  return steps.map((s) => ({ fromSec: s.fromSec, correctionMs: median(s.values) }));
}

/** The correction in force at `atSec` of the track. */
export function correctionAt(steps: readonly Correction[], atSec: number): number {
  let c = steps[0]?.correctionMs ?? 0;
  for (const s of steps) if (s.fromSec <= atSec) c = s.correctionMs;
  return c;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
