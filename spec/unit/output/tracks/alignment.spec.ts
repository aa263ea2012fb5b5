/**
 * Finding a stretch of a participant's voice in the mix: by loudness, to the millisecond, through the
 * dropouts a loaded host puts into the mix; and the staircase of corrections a track's matches make.
 */
import { correctionAt, corrections, matchSegment, MIN_SCORE, STRONG_SCORE, type AlignmentPoint } from '../../../../lib/output/tracks/alignment';

const RATE = 8000;

/** A tone of `hz` switched on at the given stretches (s), silence elsewhere, with a little noise. */
function tone(lengthSec: number, hz: number, on: Array<[number, number]>, seed = 1): Int16Array {
  const out = new Int16Array(Math.round(lengthSec * RATE));
  let r = seed;
  for (let i = 0; i < out.length; i++) {
    r = (r * 1103515245 + 12345) & 0x7fffffff;
    const t = i / RATE;
    const loud = on.some(([a, b]) => t >= a && t < b);
    out[i] = Math.round((loud ? 9000 * Math.sin(2 * Math.PI * hz * t) : 0) + ((r / 0x7fffffff) - 0.5) * 40);
  }
  return out;
}

const window = (x: Int16Array, fromSec: number, lengthSec: number): Int16Array => x.slice(Math.round(fromSec * RATE), Math.round((fromSec + lengthSec) * RATE));

describe('matchSegment', () => {
  it('finds the beginning of a voice in the mix to the millisecond', () => {
    const track = tone(3, 330, [[1, 1.7]]);
    // The mix has the same sound 0.2372 s later, and another participant's before it.
    const voice = tone(4, 330, [[1.2372, 1.9372]]);
    const mix = tone(4, 470, [[0.5, 1.0]], 7).map((v, i) => v + voice[i]!);
    const seg = window(track, 0.9, 0.25);
    const m = matchSegment(seg, window(mix, 0.6, 1.45))!;
    expect(m.score).toBeGreaterThan(STRONG_SCORE);
    // The segment (from 0.9 s of the track) starts at 1.1372 s of the mix.
    expect(Math.abs((0.6 + m.at / RATE - 1.1372) * 1000)).toBeLessThan(1.5);
  });

  it('places the voice where its body is when the mix drops out just after it begins', () => {
    const track = tone(3, 610, [[1, 1.7]]);
    // A loaded host: the mix plays 4 ms of the beep, drops out, and plays the rest 60 ms late.
    const mix = tone(3, 610, [[1.3, 1.304], [1.364, 2.06]]);
    const m = matchSegment(window(track, 0.9, 0.25), window(mix, 0.6, 1.45))!;
    expect(m.score).toBeGreaterThan(MIN_SCORE);
    expect(Math.abs((0.6 + m.at / RATE - 1.264) * 1000)).toBeLessThan(1.5);
  });

  it('finds nothing where the mix does not hold the voice', () => {
    const track = tone(3, 330, [[1, 1.7]]);
    expect(matchSegment(window(track, 0.9, 0.25), window(tone(3, 330, []), 0.6, 1.45))).toBeUndefined();
    // Too short a segment, or a window no longer than it: nothing to compare.
    expect(matchSegment(window(track, 0.9, 0.05), window(track, 0, 2))).toBeUndefined();
    expect(matchSegment(window(track, 0.9, 0.25), window(track, 0.9, 0.25))).toBeUndefined();
  });
});

describe('corrections', () => {
  const p = (atSec: number, correctionMs: number, score = 0.95): AlignmentPoint => ({ atSec, correctionMs, score });

  it('is one step while the matches agree, and a new step where the track moved', () => {
    expect(corrections([])).toEqual([]);
    expect(corrections([p(1, 20), p(6, 21), p(11, 22)])).toEqual([{ fromSec: 0, correctionMs: 21 }]);
    const steps = corrections([p(1, 20), p(6, 20.5), p(11, 60), p(16, 61)]);
    expect(steps).toEqual([
      { fromSec: 0, correctionMs: 20.25 },
      { fromSec: 10.8, correctionMs: 60.5 },
    ]);
    expect(correctionAt(steps, 5)).toBe(20.25);
    expect(correctionAt(steps, 12)).toBe(60.5);
  });

  it('drops one odd match between two that agree, and a weak match that agrees with no clear one', () => {
    expect(corrections([p(1, 20), p(6, 140), p(11, 21)])).toEqual([{ fromSec: 0, correctionMs: 20.5 }]);
    expect(corrections([p(1, 20), p(6, 90, 0.7), p(11, 21)])).toEqual([{ fromSec: 0, correctionMs: 20.5 }]);
    // Only weak matches: their median, from the start.
    expect(corrections([p(1, 10, 0.7), p(6, 14, 0.7), p(11, 30, 0.7)])).toEqual([{ fromSec: 0, correctionMs: 14 }]);
  });
});
