/**
 * The encoder's pace now: media seconds written per wall second over the last few seconds. ffmpeg's own
 * "speed" divides by the time since it started, the opening of its inputs included, so an encoder that
 * took 0.7 s to open shows 0.94x twelve seconds later although it keeps real time; admission, which
 * refuses new sessions while an encoder is under 0.95x, would then refuse for an encoder that is not behind.
 */
export const PACE_WINDOW_MS = 5000;

export class PaceWindow {
  private readonly points: Array<{ at: number; timeSec: number }> = [];

  constructor(private readonly windowMs = PACE_WINDOW_MS) {}

  /**
   * Adds a progress reading (media time written, wall time it was read at, in ms) and returns the pace
   * over the window, or undefined until the readings span half the window.
   */
  add(timeSec: number, at: number): number | undefined {
    this.points.push({ at, timeSec });
    // Keep the newest point older than the window as the start, so the span is at least the window.
    while (this.points.length > 2 && at - this.points[1]!.at >= this.windowMs) this.points.shift();
    const first = this.points[0]!;
    const spanMs = at - first.at;
    if (spanMs < this.windowMs / 2) return undefined;
    return (timeSec - first.timeSec) / (spanMs / 1000);
  }
}
