/**
 * Pure: where the sound should be, from the frame clock's samples of the picture's latency.
 *
 * The picture reaches the capture later than the page drew it, by an amount that differs between sessions
 * (where Chromium's frames fall between the grabs) and changes within one in whole frames of Chromium's
 * clock (a frame more while its main thread falls behind). The sound's own path is a steady constant of the
 * audio stack. The sound is moved later by the difference: first, from the first half second, to the step
 * of its ladder (sound-shift.ts) just below it, plus a fine delay of less than a step for the rest; then
 * steps of the ladder, a frame each, whenever the picture's latency over a window is more than STEP_SLACK
 * of a frame away from where the sound is. In a session's first seconds (SETTLE_SAMPLES) the picture's
 * latency is still settling (the meeting loads, Chromium's main thread catches up) and often rises by a
 * frame or two and stays there: the sound follows the last half second, looked at every sixth of a
 * second. After that the picture is steady and what changes it for a moment (a busy core) should not
 * move the sound: it follows the last two seconds, every half second. Because the fine delay (which can
 * only grow) stays under a step, a first measurement made on a start-up spike is undone by the ladder
 * once the picture settles. A rise past the top of the ladder raises the fine delay instead.
 */
import { SHIFT_STEPS, START_STEP, STEP_MS, shiftMs } from './sound-shift';

export interface AlignmentOptions {
  /** The sound's own path from the page to the capture, in ms. */
  audioLatencyMs: number;
}

/** Samples (grabbed frames) of the first decision, of the window later ones look at, and between them. */
export const FIRST_WINDOW = 15;
export const LONG_WINDOW = 60;
const EVERY = 15;
/** The settling start (eight seconds of grabs), and how often the sound is placed again during it. */
export const SETTLE_SAMPLES = 240;
const SETTLE_EVERY = 5;
/** How far (in frames) the picture must be from the sound before the sound moves: no flapping on a boundary. */
export const STEP_SLACK = 0.6;
/** Beyond this the samples are wrong (a page that draws over the clock), not the picture that late. */
export const MAX_LATENCY_MS = 500;

/** What to do now: raise the fine delay, and/or move to another step. */
export interface AlignmentMove {
  fineMs?: number;
  step?: { from: number; to: number };
  /** The picture's latency the move is made for (a window's median). */
  pictureLatencyMs: number;
}

/** What the alignment has seen and done, for health. */
export interface SyncState {
  /** The latest half second's median, and the range of those medians over the session. */
  pictureLatencyMs: number;
  pictureLatencyRangeMs: [number, number];
  /** How much later the sound is heard than captured. */
  soundMoveMs: number;
}

export class AudioAlignment {
  private readonly recent: number[] = [];
  private seen = 0;
  private fineMs: number | undefined;
  private step = START_STEP;
  private windows: { latest: number; min: number; max: number } | undefined;

  constructor(private readonly opts: AlignmentOptions) {}

  /** One sample of the picture's latency; a move when the sound should move now. */
  push(latencyMs: number): AlignmentMove | undefined {
    if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS) return undefined;
    this.recent.push(latencyMs);
    if (this.recent.length > LONG_WINDOW) this.recent.shift();
    this.seen++;
    if (this.seen % FIRST_WINDOW === 0) this.noteWindow(median(this.recent.slice(-FIRST_WINDOW)));
    if (this.fineMs === undefined) return this.seen >= FIRST_WINDOW ? this.first(median(this.recent)) : undefined;
    // Half a second may be a stall rather than the picture's new latency: it moves the sound on the ladder, never the fine delay (which cannot come back).
    if (this.seen <= SETTLE_SAMPLES) return this.seen % SETTLE_EVERY === 0 ? this.follow(median(this.recent.slice(-FIRST_WINDOW)), false) : undefined;
    if (this.seen % EVERY !== 0) return undefined;
    return this.follow(median(this.recent));
  }

  /** Undefined until a first window of samples came. */
  get state(): SyncState | undefined {
    const w = this.windows;
    return w && { pictureLatencyMs: w.latest, pictureLatencyRangeMs: [w.min, w.max], soundMoveMs: shiftMs(this.fineMs ?? 0, this.step) };
  }

  /**
   * The sound belongs `target` ms later than captured: the whole steps of it on the ladder, and the fine
   * delay for the rest, so that it is exactly there.
   */
  private first(latencyMs: number): AlignmentMove | undefined {
    const target = this.target(latencyMs);
    const to = Math.min(SHIFT_STEPS - 1, Math.floor(target / STEP_MS));
    const fine = target - to * STEP_MS;
    this.fineMs = fine;
    const move: AlignmentMove = { pictureLatencyMs: latencyMs, ...(fine > 0 ? { fineMs: fine } : {}), ...this.stepTo(to) };
    return move.fineMs !== undefined || move.step ? move : undefined;
  }

  private follow(latencyMs: number, mayRaiseFine = true): AlignmentMove | undefined {
    const at = (this.target(latencyMs) - this.fineMs!) / STEP_MS;
    if (Math.abs(at - this.step) <= STEP_SLACK) return undefined;
    const top = SHIFT_STEPS - 1;
    if (mayRaiseFine && at > top + STEP_SLACK) {
      // Past the ladder's top: the fine delay grows by the rest, the sound goes to the top step.
      this.fineMs! += (at - top) * STEP_MS;
      return { pictureLatencyMs: latencyMs, fineMs: this.fineMs!, ...this.stepTo(top) };
    }
    const step = this.stepTo(Math.round(at));
    return step.step ? { pictureLatencyMs: latencyMs, ...step } : undefined;
  }

  private stepTo(to: number): { step?: { from: number; to: number } } {
    const clamped = Math.min(SHIFT_STEPS - 1, Math.max(0, to));
    if (clamped === this.step) return {};
    const from = this.step;
    this.step = clamped;
    return { step: { from, to: clamped } };
  }

  private target(latencyMs: number): number {
    return Math.max(0, latencyMs - this.opts.audioLatencyMs);
  }

  private noteWindow(latencyMs: number): void {
    const w = this.windows;
    this.windows = w ? { latest: latencyMs, min: Math.min(w.min, latencyMs), max: Math.max(w.max, latencyMs) } : { latest: latencyMs, min: latencyMs, max: latencyMs };
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
