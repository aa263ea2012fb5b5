import { blockWidth, CLOCK_ROWS, clockBlocks, clockUnits, grabRow, READ_ROWS, readGrabRow } from '../../../../lib/pipeline/frame-clock/clock-code';
import { ClockReader, type ClockSample } from '../../../../lib/pipeline/frame-clock/clock-reader';

const WIDTH = 640;
const ORIGIN = 1796614557000;

/** One frame as the encoder's clock branch hands it back: the page's rows, then the grab time row. */
function frame(pageMs: number | undefined, grabSinceOriginMs: number): Buffer {
  const out = Buffer.alloc(WIDTH * READ_ROWS);
  if (pageMs !== undefined) {
    const w = blockWidth(WIDTH);
    for (let r = 0; r < CLOCK_ROWS; r++) clockBlocks(clockUnits(pageMs)).forEach((bit, i) => out.fill(bit ? 255 : 0, r * WIDTH + i * w, r * WIDTH + (i + 1) * w));
  }
  out.set(grabRow(grabSinceOriginMs, WIDTH), CLOCK_ROWS * WIDTH);
  return out;
}

describe('reading the frame clock back from the encoder', () => {
  it('reads the grab time row to the quarter millisecond, over long recordings', () => {
    for (const ms of [0, 33.25, 1000.5, 3_600_000.75, 86_400_000 * 12]) expect(readGrabRow(grabRow(ms, WIDTH), WIDTH)).toBe(ms);
    expect(readGrabRow(grabRow(33.3, 1280), 1280)).toBe(33.25);
  });

  it('turns each frame into a sample, in any chunking, skipping frames that show no clock', () => {
    const samples: ClockSample[] = [];
    const reader = new ClockReader(WIDTH, ORIGIN, (s) => samples.push(s));
    const bytes = Buffer.concat([frame(ORIGIN + 450, 500), frame(ORIGIN + 490, 533.25), frame(undefined, 566.5), frame(ORIGIN + 530, 600)]);
    reader.push(bytes.subarray(0, 100));
    reader.push(bytes.subarray(100, WIDTH * READ_ROWS + 7));
    reader.push(bytes.subarray(WIDTH * READ_ROWS + 7));
    expect(samples).toEqual([
      { grabMs: ORIGIN + 500, latencyMs: 50 },
      { grabMs: ORIGIN + 533.25, latencyMs: 43.25 },
      { grabMs: ORIGIN + 600, latencyMs: 70 },
    ]);
  });

  it('knows the latest frame the encoder passed on, with a page clock on it or not (what a stop waits for)', () => {
    const reader = new ClockReader(WIDTH, ORIGIN, () => undefined);
    expect(reader.lastGrabMs).toBeUndefined();
    reader.push(frame(ORIGIN + 450, 500));
    reader.push(frame(undefined, 533.25));
    expect(reader.lastGrabMs).toBe(ORIGIN + 533.25);
  });
});
