/**
 * A track file's packet times: read from the WebM as it is, the sound the page could not deliver told from
 * the stamps' jitter, and new times written into the same bytes (a real Opus WebM made by ffmpeg).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blockTimes, opusPacketMs, patchTimes, readTrack, scanWebm, writeTrackTimes, type ScannedBlock } from '../../../../lib/output/tracks/restamp';

function opusWebm(seconds: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-restamp-')), 'a-1.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'libopus', '-frame_duration', '60', '-b:a', '32k', file]);
  return file;
}

function packetTimes(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]).toString();
  return out.trim().split('\n').map((l) => Math.round(parseFloat(l) * 1000));
}

describe('Opus packets', () => {
  it('tells a packet’s length from its TOC byte', () => {
    expect(opusPacketMs(Buffer.from([(3 << 3) | 0]))).toBe(60); // SILK 60 ms, one frame
    expect(opusPacketMs(Buffer.from([(31 << 3) | 1]))).toBe(40); // CELT 20 ms, two frames
    expect(opusPacketMs(Buffer.from([(16 << 3) | 3, 3]))).toBe(7.5); // CELT 2.5 ms, three frames
    expect(opusPacketMs(Buffer.from([(16 << 3) | 3, 0]))).toBeUndefined();
    expect(opusPacketMs(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('a WebM track', () => {
  it('is read block by block, and rewritten with new times in the same bytes', async () => {
    const file = opusWebm(2);
    const track = (await readTrack(file))!;
    expect(track.scan.scaleNs).toBe(1_000_000);
    expect(track.scan.blocks.length).toBeGreaterThanOrEqual(33);
    expect(track.scan.blocks.every((b) => b.durationMs === 60)).toBe(true);
    const before = packetTimes(file);
    // A gap of 100 ms after the tenth packet.
    const times = track.scan.blocks.map((_, k) => k * 60 + (k >= 10 ? 100 : 0));
    expect(await writeTrackTimes(file, track, times)).toBe(true);
    const after = packetTimes(file);
    expect(fs.statSync(file).size).toBe(track.buf.length);
    expect(after.map((t) => t - after[0]!)).toEqual(times);
    expect(after[0]).toBe(before[0]);
  });

  it('leaves alone what it does not know', () => {
    expect(scanWebm(Buffer.from('not a webm at all'))).toBeUndefined();
    expect(scanWebm(Buffer.alloc(0))).toBeUndefined();
  });

  it('refuses times that do not fit a cluster, and keeps every time after the one before', () => {
    const buf = Buffer.alloc(8);
    const scan = { scaleNs: 1_000_000, blocks: [0, 2, 4].map((at): ScannedBlock => ({ at, clusterTime: 0, relTime: 0, durationMs: 20 })) };
    expect(patchTimes(buf, scan, [0, 40_000, 80_000])).toBeUndefined();
    const out = patchTimes(buf, scan, [0, 0, 20])!;
    expect([out.readInt16BE(0), out.readInt16BE(2), out.readInt16BE(4)]).toEqual([0, 1, 20]);
  });
});

describe("Chromium's stamps", () => {
  const blocks = (stamps: number[]): ScannedBlock[] => stamps.map((t, k) => ({ at: k, clusterTime: 0, relTime: t, durationMs: 60 }));

  it('keep a real gap and drop the jitter of each stamp', () => {
    // Each stamp late by 0-9 ms in a repeating pattern; 120 ms of sound missing before the 20th packet.
    const jitter = [0, 3, 9, 1, 6, 2];
    const stamps = Array.from({ length: 40 }, (_, k) => k * 60 + jitter[k % 6]! + (k >= 20 ? 120 : 0));
    const t = blockTimes(blocks(stamps), 1_000_000);
    expect(t.positionMs.slice(0, 3)).toEqual([0, 60, 120]);
    expect(t.gapMs.slice(0, 18).every((g) => g === 0)).toBe(true);
    expect(t.gapMs.slice(20)).toEqual(Array(20).fill(120));
  });
});
