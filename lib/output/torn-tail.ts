/**
 * A fragmented MP4 whose last write was cut (the disk filled up, the machine died mid-write) can end in
 * the middle of a fragment's index (its `moof` box) or of a box header. ffmpeg and ffprobe then refuse
 * the whole file ("error reading header"), although every fragment before it is whole. A cut inside the
 * media data (`mdat`) is harmless: players read the samples up to the end of the file.
 *
 * So the torn tail is cut off: the file ends after its last whole box (or inside a trailing `mdat`).
 * Truncating needs no free space, so this works on the full disk that caused the cut.
 */
import * as fs from 'node:fs';

/** Enough for a box header with a 64-bit size. */
const HEADER_BYTES = 16;

/**
 * Where a file of `size` bytes should end, or undefined when it is whole. `readHeader(offset)` returns up
 * to HEADER_BYTES bytes at that offset (fewer at the end of the file).
 */
export function tornTailLength(size: number, readHeader: (offset: number) => Buffer): number | undefined {
  let offset = 0;
  while (offset < size) {
    const header = readHeader(offset);
    if (header.length < 8) return offset;
    const size32 = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    // A size of 0 is "to the end of the file": whole by definition.
    if (size32 === 0) return undefined;
    let boxSize = size32;
    if (size32 === 1) {
      if (header.length < 16) return offset;
      boxSize = Number(header.readBigUInt64BE(8));
    }
    // Not a box: whatever follows the last good box is not readable anyway.
    if (boxSize < 8 || !/^[\x20-\x7e]{4}$/.test(type)) return offset;
    if (offset + boxSize > size) return type === 'mdat' ? undefined : offset;
    offset += boxSize;
  }
  return undefined;
}

/** Cuts the torn tail off the file; returns how many bytes went (0 when the file was whole). */
export function cutTornTail(file: string): number {
  const fd = fs.openSync(file, 'r+');
  try {
    const { size } = fs.fstatSync(fd);
    const keep = tornTailLength(size, (offset) => {
      const buf = Buffer.alloc(HEADER_BYTES);
      return buf.subarray(0, fs.readSync(fd, buf, 0, HEADER_BYTES, offset));
    });
    if (keep === undefined || keep === 0) return 0;
    fs.ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    fs.closeSync(fd);
  }
}
