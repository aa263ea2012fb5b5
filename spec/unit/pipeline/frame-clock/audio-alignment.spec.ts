import { AudioAlignment, FIRST_WINDOW, LONG_WINDOW, RISE_MS } from '../../../../lib/pipeline/frame-clock/audio-alignment';

function feed(a: AudioAlignment, latencies: number[]): Array<{ at: number; delayMs: number }> {
  const moves: Array<{ at: number; delayMs: number }> = [];
  latencies.forEach((l, at) => {
    const m = a.push(l);
    if (m) moves.push({ at, delayMs: m.delayMs });
  });
  return moves;
}
const repeat = (v: number, n: number): number[] => Array<number>(n).fill(v);

describe('moving the sound to the picture', () => {
  it('moves the sound by the picture\'s lead over it after the first half second', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    expect(feed(a, [...repeat(38, FIRST_WINDOW - 1), 39, ...repeat(38, 200)])).toEqual([{ at: FIRST_WINDOW - 1, delayMs: 28 }]);
    expect(a.current).toEqual({ delayMs: 28, pictureLatencyMs: 38 });
  });

  it('follows a picture that stays later, after a whole window, and not a short burst', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    const burst = [...repeat(22, 30), ...repeat(39, LONG_WINDOW / 3), ...repeat(22, 90)];
    expect(feed(a, burst).map((m) => m.delayMs)).toEqual([12]);
    const b = new AudioAlignment({ audioLatencyMs: 10 });
    const moves = feed(b, [...repeat(22, 30), ...repeat(39, 2 * LONG_WINDOW)]);
    expect(moves.map((m) => m.delayMs)).toEqual([12, 29]);
    expect(moves[1]!.at).toBeLessThanOrEqual(30 + LONG_WINDOW);
  });

  it('never moves the sound back, and ignores rises below a few milliseconds', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    const moves = feed(a, [...repeat(40, 30), ...repeat(23, 200), ...repeat(40 + RISE_MS - 1, 200)]);
    expect(moves.map((m) => m.delayMs)).toEqual([30]);
  });

  it('leaves the sound where it is for a picture no later than the sound, and for nonsense samples', () => {
    const a = new AudioAlignment({ audioLatencyMs: 10 });
    expect(feed(a, [...repeat(8, 30), NaN, -5, 9000])).toEqual([]);
    expect(a.current).toEqual({ delayMs: 0, pictureLatencyMs: 8 });
  });
});
