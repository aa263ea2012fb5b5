/**
 * Reads the frame clock back from the encoder: the clock strip of every grabbed frame arrives as raw grey
 * bytes on ffmpeg's standard output, and its timestamp as a `showinfo` line on its log. The two arrive
 * separately and are paired by frame number. Each pair whose strip shows a clock value is one sample:
 * when the frame was grabbed (wall clock) and how old the page frame on it was.
 */
import { CLOCK_ROWS, latencyMs, readClockRow } from './clock-code';

export interface ClockSample {
  /** Wall-clock milliseconds of the grab. */
  grabMs: number;
  /** From the page frame shown to the grab. */
  latencyMs: number;
}

const SHOWINFO_FRAME = /^\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*(\d+) pts:\s*(-?\d+) /;
const SHOWINFO_CONFIG = /^\[Parsed_showinfo_\d+ @ [^\]]+\] config in time_base: (\d+)\/(\d+)/;
/** Frames held while waiting for their other half; more means the halves no longer meet. */
const MAX_PENDING = 120;

export class ClockReader {
  private partial: Buffer = Buffer.alloc(0);
  private framesRead = 0;
  private readonly values = new Map<number, number | undefined>();
  private readonly grabs = new Map<number, number>();
  private timeBaseMs: number | undefined;

  /**
   * @param width the strip's width in pixels
   * @param originMs the wall-clock instant the encode's zero stands for
   */
  constructor(
    private readonly width: number,
    private readonly originMs: number,
    private readonly onSample: (sample: ClockSample) => void,
  ) {}

  /** Raw strip bytes from ffmpeg's standard output, in any chunking. */
  pushBytes(chunk: Buffer): void {
    const frameBytes = this.width * CLOCK_ROWS;
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let at = 0;
    for (; at + frameBytes <= data.length; at += frameBytes) {
      this.onStrip(this.framesRead++, data.subarray(at, at + frameBytes));
    }
    this.partial = Buffer.from(data.subarray(at));
  }

  /** One log line; true when it was the clock branch's (and should not be logged). */
  pushLine(line: string): boolean {
    const frame = SHOWINFO_FRAME.exec(line);
    if (frame) {
      if (this.timeBaseMs !== undefined) this.onGrab(Number(frame[1]), this.originMs + Number(frame[2]) * this.timeBaseMs);
      return true;
    }
    const config = SHOWINFO_CONFIG.exec(line);
    if (config) {
      this.timeBaseMs = (Number(config[1]) / Number(config[2])) * 1000;
      return true;
    }
    return false;
  }

  private onStrip(n: number, strip: Buffer): void {
    // The rows agree when the page drew them in one go; either alone is enough.
    let value: number | undefined;
    for (let r = CLOCK_ROWS - 1; r >= 0 && value === undefined; r--) value = readClockRow(strip.subarray(r * this.width, (r + 1) * this.width), this.width);
    const grab = this.grabs.get(n);
    if (grab === undefined) return this.hold(this.values, n, value);
    this.grabs.delete(n);
    if (value !== undefined) this.onSample({ grabMs: grab, latencyMs: latencyMs(grab, value) });
  }

  private onGrab(n: number, grabMs: number): void {
    if (!this.values.has(n)) return this.hold(this.grabs, n, grabMs);
    const value = this.values.get(n);
    this.values.delete(n);
    if (value !== undefined) this.onSample({ grabMs, latencyMs: latencyMs(grabMs, value) });
  }

  private hold<T>(map: Map<number, T>, n: number, v: T): void {
    map.set(n, v);
    if (map.size > MAX_PENDING) map.delete(map.keys().next().value!);
  }
}
