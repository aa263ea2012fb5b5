/**
 * Pure: how far to move the sound, from the frame clock's samples of the picture's latency.
 *
 * The picture reaches the capture later than the page drew it, by an amount that differs between
 * sessions (where Chromium's frames fall between the grabs) and within one: Chromium adds a frame of
 * latency when its main thread cannot keep up, and takes it back when it can. The sound's own path is a
 * steady constant of the audio stack. The sound is moved later by the difference.
 *
 * ffmpeg's adelay can add delay during a session but not take it back, so the move only grows: the first
 * half second sets it, and later it rises when the picture stays later for a while (LONG_WINDOW samples).
 * When the picture comes back faster, the sound stays later than it, by that frame (17 ms at most per
 * frame of latency Chromium took back). A sound a little late is what people notice least; a sound
 * early, least of all tolerated, is what a move up prevents.
 */
export interface AlignmentOptions {
  /** The sound's own path from the page to the capture, in ms. */
  audioLatencyMs: number;
}

/** Samples (grabbed frames) of the first decision, and of each later one. */
export const FIRST_WINDOW = 15;
export const LONG_WINDOW = 60;
/** A rise smaller than this is left alone: the picture's latency jitters by a few ms between grabs. */
export const RISE_MS = 6;
/** Beyond this the samples are wrong (a page that draws over the clock), not the picture that late. */
export const MAX_MOVE_MS = 500;

export interface AlignmentMove {
  /** The sound's delay from its start, for adelay. */
  delayMs: number;
  /** The picture's latency the move is made for (the window's median). */
  pictureLatencyMs: number;
}

/** What the alignment has seen and done so far, for health: the picture's latency over half-second windows. */
export interface SyncState {
  pictureLatencyMs: number;
  pictureLatencyRangeMs: [number, number];
  soundMoveMs: number;
}

export class AudioAlignment {
  private readonly recent: number[] = [];
  private seen = 0;
  private moved: AlignmentMove | undefined;
  private windows: { latest: number; min: number; max: number } | undefined;

  constructor(private readonly opts: AlignmentOptions) {}

  /** One sample of the picture's latency; a move when the sound should be moved now. */
  push(latencyMs: number): AlignmentMove | undefined {
    if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > MAX_MOVE_MS) return undefined;
    this.recent.push(latencyMs);
    if (this.recent.length > LONG_WINDOW) this.recent.shift();
    this.seen++;
    if (this.seen % FIRST_WINDOW === 0) this.noteWindow(median(this.recent.slice(-FIRST_WINDOW)));
    if (!this.moved) return this.seen >= FIRST_WINDOW ? this.move(median(this.recent)) : undefined;
    // A whole long window of newer samples, so that no sample of an earlier state counts twice.
    if (this.recent.length < LONG_WINDOW || this.seen % (LONG_WINDOW / 4) !== 0) return undefined;
    const latency = median(this.recent);
    return this.target(latency) >= this.moved.delayMs + RISE_MS ? this.move(latency) : undefined;
  }

  /** The last move, if any. */
  get current(): AlignmentMove | undefined {
    return this.moved;
  }

  /** Undefined until a first window of samples came. */
  get state(): SyncState | undefined {
    const w = this.windows;
    return w && { pictureLatencyMs: w.latest, pictureLatencyRangeMs: [w.min, w.max], soundMoveMs: this.moved?.delayMs ?? 0 };
  }

  private noteWindow(latencyMs: number): void {
    const w = this.windows;
    this.windows = w ? { latest: latencyMs, min: Math.min(w.min, latencyMs), max: Math.max(w.max, latencyMs) } : { latest: latencyMs, min: latencyMs, max: latencyMs };
  }

  private target(latencyMs: number): number {
    return Math.min(MAX_MOVE_MS, Math.max(0, latencyMs - this.opts.audioLatencyMs));
  }

  private move(latencyMs: number): AlignmentMove | undefined {
    const delayMs = this.target(latencyMs);
    if (this.moved && delayMs <= this.moved.delayMs) return undefined;
    this.moved = { delayMs, pictureLatencyMs: latencyMs };
    // A first move of nothing (the picture as fast as the sound) needs no command.
    return delayMs > 0 ? this.moved : undefined;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
