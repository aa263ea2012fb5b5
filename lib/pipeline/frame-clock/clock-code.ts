/**
 * Pure: the frame clock's code. The page writes the time of each of its frames into a strip of screen rows
 * below the recorded picture (page-clock.ts); the encoder grabs those rows with the picture and hands them
 * back (clock-reader.ts). A grabbed row says which page frame is on the screen, so the grab's own time
 * minus that frame's time is how late the picture reaches the capture: the video path's latency.
 *
 * The row is CLOCK_BLOCKS blocks of equal width, each black (0) or white (1): a start pair (1, 0), then
 * the time's DATA_BITS bits, most significant first, then the same bits inverted. A row whose inverted
 * half does not match (a frame caught mid-update, a page that draws over the strip) reads as nothing.
 * The time is in quarter milliseconds of the wall clock, modulo 2^31 (about six days): the latency is
 * the difference of two nearby times, so the wrap never matters.
 *
 * The grab's own time travels with the rows: the encoder's branch that hands them back (clockFilter)
 * adds a row below them with the frame's timestamp, in quarter milliseconds since the recording's zero,
 * one bit per block of GRAB_BITS, least significant first. A frame read back thus says both when its
 * page frame was drawn and when it was grabbed, and nothing has to be paired.
 */
export const CLOCK_ROWS = 2;
export const CLOCK_BLOCKS = 64;
export const CLOCK_UNITS_PER_MS = 4;
const DATA_BITS = 31;
const MODULUS = 2 ** DATA_BITS;

/** Bits of the grab time row (quarter milliseconds since the recording's zero: twelve days). */
const GRAB_BITS = 32;
/** Rows of each frame the encoder hands back: the page's clock rows and the grab time row. */
export const READ_ROWS = CLOCK_ROWS + 1;

/** What page-clock.ts needs to draw the code; passed to it, since a page script cannot import. */
export const CLOCK_LAYOUT = { rows: CLOCK_ROWS, blocks: CLOCK_BLOCKS, bits: DATA_BITS, unitsPerMs: CLOCK_UNITS_PER_MS } as const;
export type ClockLayout = typeof CLOCK_LAYOUT;

/** The clock value of a wall-clock instant in milliseconds. */
export function clockUnits(ms: number): number {
  return ((Math.round(ms * CLOCK_UNITS_PER_MS) % MODULUS) + MODULUS) % MODULUS;
}

/** The blocks of one value, 1 for white; the reference the page's drawing must match. */
export function clockBlocks(units: number): number[] {
  const bits: number[] = [];
  for (let i = DATA_BITS - 1; i >= 0; i--) bits.push(Math.floor(units / 2 ** i) % 2);
  return [1, 0, ...bits, ...bits.map((b) => 1 - b)];
}

/** Pixels of one block in a row `width` pixels wide; the code is drawn from the left edge. */
export function blockWidth(width: number): number {
  return Math.floor(width / CLOCK_BLOCKS);
}

/**
 * The value a grabbed row (8-bit grey, `width` pixels) shows, or undefined when it shows none. Each block
 * is read at its middle pixel and must be clearly black or white.
 */
export function readClockRow(row: Uint8Array, width: number): number | undefined {
  const w = blockWidth(width);
  if (w < 2 || row.length < width) return undefined;
  const blocks: number[] = [];
  for (let i = 0; i < CLOCK_BLOCKS; i++) {
    const v = row[i * w + Math.floor(w / 2)]!;
    if (v >= 160) blocks.push(1);
    else if (v <= 96) blocks.push(0);
    else return undefined;
  }
  if (blocks[0] !== 1 || blocks[1] !== 0) return undefined;
  let units = 0;
  for (let i = 0; i < DATA_BITS; i++) {
    const bit = blocks[2 + i]!;
    if (blocks[2 + DATA_BITS + i] !== 1 - bit) return undefined;
    units = units * 2 + bit;
  }
  return units;
}

/** Milliseconds from the page frame a row shows (its clock value) to the grab that took it. */
export function latencyMs(grabMs: number, units: number): number {
  const diff = (((clockUnits(grabMs) - units) % MODULUS) + MODULUS) % MODULUS;
  // A value from the future (never expected) comes out as a negative latency, not as six days.
  return (diff > MODULUS / 2 ? diff - MODULUS : diff) / CLOCK_UNITS_PER_MS;
}

/**
 * ffmpeg's filters for the branch that hands the clock back: the clock rows below the picture (`top`), in
 * grey, and under them the grab time row, drawn by geq from the frame's timestamp on a GRAB_BITS-pixel
 * row (so that geq's per-pixel expression runs on 32 pixels, not thousands) scaled to the full width.
 */
export function clockFilter(width: number, top: number): string {
  const bits = `geq=lum='255*mod(floor(floor(T*${1000 * CLOCK_UNITS_PER_MS})/pow(2\\,X))\\,2)'`;
  return `crop=${width}:${CLOCK_ROWS}:0:${top},format=gray,split[clock][t];[t]crop=${GRAB_BITS}:1:0:0,${bits},scale=${width}:1:flags=neighbor[grab];[clock][grab]vstack`;
}

/** The grab time a grab time row shows, in ms since the recording's zero. */
export function readGrabRow(row: Uint8Array, width: number): number {
  const w = width / GRAB_BITS;
  let units = 0;
  for (let i = GRAB_BITS - 1; i >= 0; i--) units = units * 2 + (row[Math.floor(i * w + w / 2)]! >= 128 ? 1 : 0);
  return units / CLOCK_UNITS_PER_MS;
}

/** The grab time row for `ms` since zero, as clockFilter draws it: the reference for readGrabRow. */
export function grabRow(ms: number, width: number): Uint8Array {
  const units = Math.floor(ms * CLOCK_UNITS_PER_MS);
  const row = new Uint8Array(width);
  for (let x = 0; x < width; x++) row[x] = Math.floor(units / 2 ** Math.floor((x * GRAB_BITS) / width)) % 2 ? 255 : 0;
  return row;
}
