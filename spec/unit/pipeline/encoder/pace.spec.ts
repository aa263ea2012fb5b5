import { PaceWindow } from '../../../../lib/pipeline/encoder/pace';

/** Progress lines every half second, as ffmpeg prints them, from `startMs` of wall time. */
function feed(pace: PaceWindow, fromMs: number, toMs: number, mediaPerWall: number, mediaAt0: number): number | undefined {
  let last: number | undefined;
  for (let at = fromMs; at <= toMs; at += 500) last = pace.add(mediaAt0 + ((at - fromMs) / 1000) * mediaPerWall, at);
  return last;
}

describe('the encoder pace', () => {
  it('says nothing until the readings span half its window', () => {
    const pace = new PaceWindow(5000);
    expect(pace.add(0, 0)).toBeUndefined();
    expect(pace.add(2, 2000)).toBeUndefined();
    expect(pace.add(2.5, 2500)).toBeCloseTo(1, 5);
  });

  it('is 1 for an encoder that keeps real time, however late it opened', () => {
    // ffmpeg's own speed for this encoder, which took 0.7 s to open, is 11.3 / 12 = 0.94 at twelve seconds.
    expect(feed(new PaceWindow(5000), 700, 12000, 1, 0)).toBeCloseTo(1, 5);
  });

  it('follows an encoder that falls behind within its window, and recovers with it', () => {
    const pace = new PaceWindow(5000);
    feed(pace, 0, 10000, 1, 0);
    expect(feed(pace, 10500, 16000, 0.8, 10.4)).toBeCloseTo(0.8, 2);
    expect(feed(pace, 16500, 22000, 1, 14.8)).toBeCloseTo(1, 2);
  });
});
