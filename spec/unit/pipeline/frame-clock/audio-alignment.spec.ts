import { AudioAlignment, FIRST_WINDOW, LONG_WINDOW, SETTLE_SAMPLES, STEP_SLACK, type AlignmentMove } from '../../../../lib/pipeline/frame-clock/audio-alignment';
import { START_STEP, STEP_MS, SHIFT_STEPS } from '../../../../lib/pipeline/frame-clock/sound-shift';

function feed(a: AudioAlignment, latencies: number[]): Array<AlignmentMove & { at: number }> {
  const moves: Array<AlignmentMove & { at: number }> = [];
  latencies.forEach((l, at) => {
    const m = a.push(l);
    if (m) moves.push({ at, ...m });
  });
  return moves;
}
const repeat = (v: number, n: number): number[] => Array<number>(n).fill(v);
const soundMove = (a: AudioAlignment): number => a.state!.soundMoveMs;

describe('moving the sound to the picture', () => {
  it('places the sound by the picture\'s lead over it after the first half second: the step just below, the fine delay for the rest', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    const moves = feed(a, [...repeat(58, FIRST_WINDOW - 1), 59, ...repeat(58, 200)]);
    expect(moves).toEqual([{ at: FIRST_WINDOW - 1, pictureLatencyMs: 58, fineMs: 48 - START_STEP * STEP_MS }]);
    expect(soundMove(a)).toBeCloseTo(48, 6);
  });

  it('starts lower on the ladder for a picture with a small lead, exactly there with the fine delay', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    // 25 ms of lead: one step and the rest as the fine delay.
    const moves = feed(a, repeat(35, 30));
    expect(moves).toEqual([{ at: FIRST_WINDOW - 1, pictureLatencyMs: 35, fineMs: expect.closeTo(25 - STEP_MS, 6), step: { from: START_STEP, to: 1 } }]);
    expect(soundMove(a)).toBeCloseTo(25, 6);
  });

  it('follows a picture that settles two frames later in the first seconds within half a second', () => {
    const a = new AudioAlignment({ audioLatencyMs: 0 });
    feed(a, repeat(8, 60));
    const moves = feed(a, repeat(42, 30));
    expect(moves.map((m) => m.step)).toEqual([{ from: 0, to: 2 }]);
    // Half the window past the rise, at the next look (every sixth of a second).
    expect(moves[0]!.at).toBeLessThan(FIRST_WINDOW / 2 + 5);
    expect(soundMove(a)).toBeCloseTo(8 + 2 * STEP_MS, 6);
  });

  it('past the first seconds, follows the picture a frame later and back after a two-second window, not for a burst', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    const burst = feed(a, [...repeat(50, SETTLE_SAMPLES), ...repeat(50 + STEP_MS, LONG_WINDOW / 4), ...repeat(50, 200)]);
    expect(burst).toHaveLength(1);
    const later = feed(a, repeat(50 + STEP_MS, 2 * LONG_WINDOW));
    expect(later.map((m) => m.step)).toEqual([{ from: START_STEP, to: START_STEP + 1 }]);
    expect(soundMove(a)).toBeCloseTo(40 + STEP_MS, 6);
    const back = feed(a, repeat(50, 2 * LONG_WINDOW));
    expect(back.map((m) => m.step)).toEqual([{ from: START_STEP + 1, to: START_STEP }]);
    expect(soundMove(a)).toBeCloseTo(40, 6);
  });

  it('leaves the sound alone for changes within the slack of a step', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    expect(feed(a, [...repeat(50, 30), ...repeat(58, SETTLE_SAMPLES + 300), ...repeat(42, 300)])).toHaveLength(1);
  });

  it('raises the fine delay for a picture later than the ladder reaches', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    feed(a, repeat(50, SETTLE_SAMPLES));
    const moves = feed(a, repeat(300, 2 * LONG_WINDOW));
    expect(moves[0]!.step).toEqual({ from: START_STEP, to: SHIFT_STEPS - 1 });
    expect(moves[0]!.fineMs).toBeGreaterThan(0);
    expect(soundMove(a)).toBeCloseTo(290, 0);
  });

  it('in the first seconds, takes a half second far past the ladder to its top only: the fine delay, which cannot come back, waits for two seconds of it', () => {
    const a = new AudioAlignment({ audioLatencyMs: 0 });
    feed(a, repeat(40, 30));
    const spike = feed(a, repeat(400, FIRST_WINDOW));
    expect(spike.map((m) => [m.step, m.fineMs])).toEqual([[{ from: 2, to: SHIFT_STEPS - 1 }, undefined]]);
    feed(a, repeat(40, 30));
    expect(soundMove(a)).toBeCloseTo(40, 6);
  });

  it('undoes a first measurement made on a start-up spike once the picture settles, however high the spike', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    const moves = feed(a, [...repeat(110, FIRST_WINDOW), ...repeat(40, 4 * LONG_WINDOW)]);
    expect(moves[0]).toMatchObject({ pictureLatencyMs: 110, step: { from: START_STEP, to: 6 } });
    expect(Math.abs(soundMove(a) - 30)).toBeLessThanOrEqual(STEP_SLACK * STEP_MS);
    // And for a spike past the whole ladder: the fine delay takes only what the ladder cannot.
    const b = new AudioAlignment({ audioLatencyMs: 0 });
    feed(b, [...repeat(260, FIRST_WINDOW), ...repeat(40, 4 * LONG_WINDOW)]);
    expect(soundMove(b)).toBeCloseTo(60, 0);
  });

  it('ignores nonsense samples, and leaves the sound unmoved for a picture no later than the sound', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    expect(feed(a, [NaN, -5, 9000])).toEqual([]);
    expect(a.state).toBeUndefined();
    expect(feed(a, repeat(8, 30))).toEqual([{ at: FIRST_WINDOW - 1, pictureLatencyMs: 8, step: { from: START_STEP, to: 0 } }]);
    expect(a.state).toEqual({ pictureLatencyMs: 8, pictureLatencyRangeMs: [8, 8], soundMoveMs: 0 });
  });
});
