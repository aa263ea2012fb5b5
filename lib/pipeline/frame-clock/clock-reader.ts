/**
 * Reads the frame clock back from the encoder: every grabbed frame's clock rows and grab time row
 * (clock-code.ts) arrive as raw grey bytes on ffmpeg's standard output. Each frame whose rows show a page
 * clock value is one sample: when the frame was grabbed (wall clock) and how old the page frame on it was.
 */
import { CLOCK_ROWS, latencyMs, READ_ROWS, readClockRow, readGrabRow } from './clock-code';

export interface ClockSample {
  /** Wall-clock milliseconds of the grab. */
  grabMs: number;
  /** From the page frame shown to the grab. */
  latencyMs: number;
}

export class ClockReader {
  private partial: Buffer = Buffer.alloc(0);
  /** Wall-clock time of the latest frame the encoder has passed on, with a page clock on it or not. */
  lastGrabMs: number | undefined;

  /**
   * @param width the rows' width in pixels
   * @param originMs the wall-clock instant the encode's zero stands for
   */
  constructor(
    private readonly width: number,
    private readonly originMs: number,
    private readonly onSample: (sample: ClockSample) => void,
  ) {}

  /** Raw bytes from ffmpeg's standard output, in any chunking. */
  push(chunk: Buffer): void {
    const frameBytes = this.width * READ_ROWS;
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let at = 0;
    for (; at + frameBytes <= data.length; at += frameBytes) this.onFrame(data.subarray(at, at + frameBytes));
    this.partial = Buffer.from(data.subarray(at));
  }

  private onFrame(frame: Buffer): void {
    const row = (r: number): Buffer => frame.subarray(r * this.width, (r + 1) * this.width);
    const grabMs = this.originMs + readGrabRow(row(CLOCK_ROWS), this.width);
    this.lastGrabMs = grabMs;
    // The rows agree when the page drew them in one go; either alone is enough.
    let value: number | undefined;
    for (let r = CLOCK_ROWS - 1; r >= 0 && value === undefined; r--) value = readClockRow(row(r), this.width);
    if (value === undefined) return;
    this.onSample({ grabMs, latencyMs: latencyMs(grabMs, value) });
  }
}
