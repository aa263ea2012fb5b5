/**
 * A track file's packets and their times: reading them, and writing new ones when the session is
 * finalized, without touching the sound (the times go into the blocks' own 16-bit time fields: same
 * bytes, same size).
 *
 * Chromium stamps each Opus packet of a recording with the time its sound reached the recorder. The
 * stamps keep real gaps (when the browser fell behind and the track delivered less sound than time
 * passed, the stamps jump and the samples do not), but each one is late by up to about 10 ms, in a pattern
 * that repeats (60 ms packets made from the audio device's blocks): read as they are, a sound lands
 * wherever its packet's stamp happened to fall. blockTimes() keeps the gaps and drops the lateness; the
 * alignment (align-tracks.ts) then writes each packet's measured place on the mix's timeline.
 *
 * The WebM scan reads exactly what Chromium's muxer writes (Segment and Cluster of unknown size,
 * SimpleBlocks without lacing); anything else leaves the file as it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;
const MASTERS = new Set<number>([ID.segment, ID.info, ID.cluster, ID.blockGroup]);

export interface ScannedBlock {
  /** Byte position of the block's signed 16-bit time, relative to its cluster's. */
  at: number;
  clusterTime: number;
  relTime: number;
  /** The Opus packet's length in ms (from its TOC byte). */
  durationMs: number;
}

export interface Scan {
  /** Nanoseconds per time unit (1 ms unless the file says otherwise). */
  scaleNs: number;
  blocks: ScannedBlock[];
}

function vint(buf: Buffer, pos: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | undefined {
  const first = buf[pos];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (pos + length > buf.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[pos + i]!;
    if (buf[pos + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** Opus' packet length from its TOC byte (RFC 6716 3.1); undefined for a malformed one. */
export function opusPacketMs(data: Buffer): number | undefined {
  const toc = data[0];
  if (toc === undefined) return undefined;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config & 3]! : config < 16 ? [10, 20][config & 1]! : [2.5, 5, 10, 20][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (data[1] ?? 0) & 0x3f;
  return frames > 0 ? frames * frameMs : undefined;
}

/** Pure: the blocks of a WebM audio track as Chromium writes it; undefined for anything it does not know. */
export function scanWebm(buf: Buffer): Scan | undefined {
  if (vint(buf, 0, true)?.value !== ID.ebml) return undefined;
  const scan: Scan = { scaleNs: 1_000_000, blocks: [] };
  let clusterTime: number | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const id = vint(buf, pos, true);
    if (!id) return undefined;
    const size = vint(buf, pos + id.length, false);
    if (!size) break; // a cut file: what came before stands
    const body = pos + id.length + size.length;
    if (MASTERS.has(id.value)) {
      pos = body;
      continue;
    }
    if (size.unknown) return undefined;
    const end = body + size.value;
    if (end > buf.length) break;
    if (id.value === ID.timecodeScale || id.value === ID.timecode) {
      let v = 0;
      for (let i = body; i < end; i++) v = v * 256 + buf[i]!;
      if (id.value === ID.timecode) clusterTime = v;
      else scan.scaleNs = v;
    } else if (id.value === ID.simpleBlock || id.value === ID.block) {
      const track = vint(buf, body, false);
      if (!track || clusterTime === undefined) return undefined;
      const at = body + track.length;
      const flags = buf[at + 2]!;
      // Laced blocks hold several packets under one time: not what Chromium writes.
      if (flags & 0x06) return undefined;
      const durationMs = opusPacketMs(buf.subarray(at + 3, end));
      if (durationMs === undefined) return undefined;
      scan.blocks.push({ at, clusterTime, relTime: buf.readInt16BE(at), durationMs });
    }
    pos = end;
  }
  return scan;
}

/** How many packets ahead the lower envelope looks: two periods of the stamps' lateness pattern. */
export const ENVELOPE_PACKETS = 12;

/** Each block's place by its samples (ms from the first), and Chromium's gaps before it (ms, the evened lateness). */
export interface BlockTimes {
  positionMs: number[];
  gapMs: number[];
}

/** A rise (or fall) of the evened lateness smaller than this is the stamps' jitter, not sound gone missing. */
export const GAP_STEP_MS = 10;

/**
 * Pure: where each block's sound is by its samples, and how much sound the stamps say was missing before
 * it: the lateness of each stamp over the samples before it, evened by its lower envelope over the next
 * packets (which skips the periodic lateness and follows a gap from the packet where it begins), taken
 * only when it moved by GAP_STEP_MS or more (the browser falls behind by whole audio blocks), counted from
 * the first block's.
 */
export function blockTimes(blocks: readonly ScannedBlock[], scaleNs: number): BlockTimes {
  const unit = scaleNs / 1e6;
  const positionMs: number[] = [];
  let sum = 0;
  const lateness = blocks.map((b) => {
    positionMs.push(sum);
    const late = (b.clusterTime + b.relTime) * unit - sum;
    sum += b.durationMs;
    return late;
  });
  const envelope = lateness.map((_, k) => Math.min(...lateness.slice(k, k + ENVELOPE_PACKETS)));
  let level = envelope[0] ?? 0;
  const first = level;
  const gapMs = envelope.map((e) => {
    if (Math.abs(e - level) >= GAP_STEP_MS) level = e;
    return level - first;
  });
  return { positionMs, gapMs };
}

/**
 * Pure: the file with its blocks' times replaced (ms, any origin: the first block keeps its own time and
 * the rest follow it; each at least 1 ms after the one before); undefined when one does not fit its
 * cluster's 16-bit field.
 */
export function patchTimes(buf: Buffer, scan: Scan, timesMs: readonly number[]): Buffer | undefined {
  const out = Buffer.from(buf);
  const unit = scan.scaleNs / 1e6;
  const first = scan.blocks[0];
  if (!first) return out;
  const base = first.clusterTime + first.relTime - Math.round((timesMs[0] ?? 0) / unit);
  let previous = -Infinity;
  for (const [k, b] of scan.blocks.entries()) {
    const t = Math.max(previous + 1, base + Math.round(timesMs[k]! / unit));
    previous = t;
    const rel = t - b.clusterTime;
    if (rel < -32768 || rel > 32767) return undefined;
    out.writeInt16BE(rel, b.at);
  }
  return out;
}

/** The file and its blocks, or undefined for a file this does not know (left as it is then). */
export async function readTrack(file: string): Promise<{ buf: Buffer; scan: Scan } | undefined> {
  const buf = await fs.promises.readFile(file).catch(() => undefined);
  const scan = buf && scanWebm(buf);
  return buf && scan && scan.blocks.length > 0 ? { buf, scan } : undefined;
}

/** Writes the blocks' new times (a temporary file renamed over it); false when the file was left as it is. */
export async function writeTrackTimes(file: string, track: { buf: Buffer; scan: Scan }, timesMs: readonly number[]): Promise<boolean> {
  const patched = patchTimes(track.buf, track.scan, timesMs);
  if (!patched) return false;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  try {
    await fs.promises.writeFile(tmp, patched);
    await fs.promises.rename(tmp, file);
    return true;
  } catch {
    await fs.promises.rm(tmp, { force: true });
    return false;
  }
}
