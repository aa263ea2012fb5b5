import { blockWidth, CLOCK_BLOCKS, clockBlocks, clockUnits, latencyMs, readClockRow } from '../../../../lib/pipeline/frame-clock/clock-code';

/** A grabbed row as the page draws it: each block's pixels all black or all white. */
function row(units: number, width: number, level: (bit: number) => number = (bit) => (bit ? 255 : 0)): Uint8Array {
  const out = new Uint8Array(width);
  const w = blockWidth(width);
  clockBlocks(units).forEach((bit, i) => out.fill(level(bit), i * w, (i + 1) * w));
  return out;
}

describe('the frame clock code', () => {
  it('reads back what is drawn, at every recording width', () => {
    for (const width of [640, 1280, 1920, 3840]) {
      for (const ms of [0, 1, 1700000000123.25, 1796614557008.75]) {
        expect(readClockRow(row(clockUnits(ms), width), width)).toBe(clockUnits(ms));
      }
    }
  });

  it('reads through an encoder\'s grey levels, not through a blend', () => {
    const units = clockUnits(1796614557008.5);
    expect(readClockRow(row(units, 1280, (b) => (b ? 200 : 40)), 1280)).toBe(units);
    expect(readClockRow(row(units, 1280, (b) => (b ? 128 : 0)), 1280)).toBeUndefined();
  });

  it('reads nothing from a row that is not a clock: a page drawn over it, a torn frame', () => {
    const units = clockUnits(1796614557008);
    expect(readClockRow(new Uint8Array(1280), 1280)).toBeUndefined();
    expect(readClockRow(new Uint8Array(1280).fill(255), 1280)).toBeUndefined();
    const torn = row(units, 1280);
    // One data block flipped without its inverted twin.
    torn.fill(torn[5 * blockWidth(1280)] ? 0 : 255, 5 * blockWidth(1280), 6 * blockWidth(1280));
    expect(readClockRow(torn, 1280)).toBeUndefined();
    expect(readClockRow(row(units, 1280).subarray(0, 600), 1280)).toBeUndefined();
  });

  it('starts with a white then a black block and carries the value twice, once inverted', () => {
    const blocks = clockBlocks(5);
    expect(blocks).toHaveLength(CLOCK_BLOCKS);
    expect(blocks.slice(0, 2)).toEqual([1, 0]);
    expect(blocks.slice(2, 33).join("")).toBe((5).toString(2).padStart(31, "0"));
    expect(blocks.slice(33).every((b, i) => b === 1 - blocks[2 + i]!)).toBe(true);
  });

  it('measures the latency to the quarter millisecond, across the code\'s wrap', () => {
    expect(latencyMs(1796614557050, clockUnits(1796614557008.5))).toBe(41.5);
    const wrap = 2 ** 31 / 4;
    expect(latencyMs(wrap * 7 + 20, clockUnits(wrap * 7 - 13))).toBe(33);
    // A page clock ahead of the grab (never expected) is a small negative latency, not six days.
    expect(latencyMs(1000, clockUnits(1010))).toBe(-10);
  });
});
