import { blockWidth, CLOCK_ROWS, clockBlocks, clockUnits } from '../../../../lib/pipeline/frame-clock/clock-code';
import { ClockReader, type ClockSample } from '../../../../lib/pipeline/frame-clock/clock-reader';

const WIDTH = 640;
const ORIGIN = 1796614557000;

function strip(pageMs: number | undefined): Buffer {
  const out = Buffer.alloc(WIDTH * CLOCK_ROWS);
  if (pageMs === undefined) return out;
  const w = blockWidth(WIDTH);
  for (let r = 0; r < CLOCK_ROWS; r++) clockBlocks(clockUnits(pageMs)).forEach((bit, i) => out.fill(bit ? 255 : 0, r * WIDTH + i * w, r * WIDTH + (i + 1) * w));
  return out;
}

const line = (n: number, ptsUs: number): string => `[Parsed_showinfo_2 @ 0x55d1c0f4e2c0] n:${String(n).padStart(4)} pts:${String(ptsUs).padStart(7)} pts_time:${ptsUs / 1e6} pos:       -1 fmt:gray sar:0/1 s:${WIDTH}x2 i:P iskey:1 type:I checksum:0 mean:[128] stdev:[127.5]`;
const CONFIG = '[Parsed_showinfo_2 @ 0x55d1c0f4e2c0] config in time_base: 1/1000000, frame_rate: 30/1';

describe('reading the frame clock back from the encoder', () => {
  it('pairs each strip with its timestamp, in whichever order they come, in any chunking', () => {
    const samples: ClockSample[] = [];
    const reader = new ClockReader(WIDTH, ORIGIN, (s) => samples.push(s));
    expect(reader.pushLine(CONFIG)).toBe(true);
    // Frame 0: timestamp first. Frame 1: strip first, split across reads. Frame 2: no clock on it.
    expect(reader.pushLine(line(0, 500000))).toBe(true);
    const bytes = Buffer.concat([strip(ORIGIN + 450), strip(ORIGIN + 490), strip(undefined)]);
    reader.pushBytes(bytes.subarray(0, 100));
    reader.pushBytes(bytes.subarray(100, WIDTH * CLOCK_ROWS + 7));
    reader.pushBytes(bytes.subarray(WIDTH * CLOCK_ROWS + 7));
    reader.pushLine(line(1, 533333));
    reader.pushLine(line(2, 566667));
    expect(samples).toEqual([
      { grabMs: ORIGIN + 500, latencyMs: 50 },
      { grabMs: ORIGIN + 533.333, latencyMs: expect.closeTo(43.25, 1) },
    ]);
  });

  it('claims only the clock branch\'s log lines', () => {
    const reader = new ClockReader(WIDTH, ORIGIN, () => undefined);
    expect(reader.pushLine('frame=  120 fps= 30 q=-1.0 size=    1024kB time=00:00:04.00 bitrate=2097.2kbits/s speed=1.0x')).toBe(false);
    expect(reader.pushLine('[mp4 @ 0x55d1c0f4e2c0] Starting second pass: moving the moov atom to the beginning of the file')).toBe(false);
  });

  it('holds a bounded number of unmatched halves', () => {
    const samples: ClockSample[] = [];
    const reader = new ClockReader(WIDTH, ORIGIN, (s) => samples.push(s));
    reader.pushLine(CONFIG);
    // A thousand timestamps whose strips never come, then the strips of the last ones.
    for (let n = 0; n < 1000; n++) reader.pushLine(line(n, n * 33333));
    for (let n = 0; n < 1000; n++) reader.pushBytes(strip(ORIGIN + n * 33.333 - 40));
    expect(samples.length).toBeGreaterThanOrEqual(100);
    expect(samples.length).toBeLessThanOrEqual(120);
    expect(samples.every((s) => Math.abs(s.latencyMs - 40) < 0.5)).toBe(true);
  });
});
