/**
 * A fragmented MP4 cut mid-write: the torn tail is found by its boxes, and what is left plays. The file is
 * a real one made by ffmpeg with the recorder's own fragment options; ffprobe is the judge.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FRAGMENTED_MP4 } from '../../../lib/output/file/file-output';
import { cutTornTail, tornTailLength } from '../../../lib/output/torn-tail';
import { tempDir } from '../../../testkit/service';

function box(type: string, bodyBytes: number): Buffer {
  const b = Buffer.alloc(8 + bodyBytes);
  b.writeUInt32BE(8 + bodyBytes, 0);
  b.write(type, 4, 'latin1');
  return b;
}

function tailOf(data: Buffer): number | undefined {
  return tornTailLength(data.length, (offset) => data.subarray(offset, offset + 16));
}

function readable(file: string): boolean {
  return spawnSync('ffprobe', ['-v', 'error', '-show_format', file]).status === 0;
}

describe('a torn fragmented MP4', () => {
  it('ends after its last whole box, or inside a trailing mdat', () => {
    const whole = Buffer.concat([box('ftyp', 20), box('moov', 100), box('moof', 50), box('mdat', 400)]);
    expect(tailOf(whole)).toBeUndefined();
    // Cut inside the media data: the samples up to the end still play.
    expect(tailOf(whole.subarray(0, whole.length - 100))).toBeUndefined();
    // Cut inside the next fragment's index, or its header.
    const next = Buffer.concat([whole, box('moof', 50)]);
    expect(tailOf(next.subarray(0, next.length - 10))).toBe(whole.length);
    expect(tailOf(next.subarray(0, whole.length + 5))).toBe(whole.length);
    // A 64-bit size, a box "to the end of the file", and bytes that are no box.
    const large = Buffer.alloc(16);
    large.writeUInt32BE(1, 0);
    large.write('mdat', 4, 'latin1');
    large.writeBigUInt64BE(1000n, 8);
    expect(tailOf(Buffer.concat([whole, large]))).toBeUndefined();
    const toEnd = box('mdat', 10);
    toEnd.writeUInt32BE(0, 0);
    expect(tailOf(Buffer.concat([whole, toEnd]))).toBeUndefined();
    expect(tailOf(Buffer.concat([whole, Buffer.from([0, 0, 0, 3, 0xff, 0, 1, 2, 3])]))).toBe(whole.length);
  });

  it('plays again once its torn tail is cut, wherever the write stopped', () => {
    const dir = tempDir('jibri-ts-torn-');
    const file = path.join(dir, 'whole.mp4');
    const fragments = Object.entries(FRAGMENTED_MP4).flatMap(([k, v]) => [`-${k}`, v]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=30', '-f', 'lavfi', '-i', 'sine', '-t', '2.5',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', ...fragments, '-f', 'mp4', file]);
    const data = fs.readFileSync(file);
    // Every box start, and a byte into each box: the cuts a failed write can leave.
    const starts: number[] = [];
    for (let offset = 0; offset < data.length; offset += data.readUInt32BE(offset)) starts.push(offset);
    const cuts = starts.slice(3).flatMap((s) => [s + 4, s + 12, s + 200]).filter((c) => c < data.length);
    let unreadableBefore = 0;
    for (const cut of cuts) {
      const torn = path.join(dir, `cut-${cut}.mp4`);
      fs.writeFileSync(torn, data.subarray(0, cut));
      if (!readable(torn)) unreadableBefore++;
      cutTornTail(torn);
      expect({ cut, readable: readable(torn) }).toEqual({ cut, readable: true });
    }
    // The cuts inside a fragment's index are the ones that broke the file.
    expect(unreadableBefore).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
