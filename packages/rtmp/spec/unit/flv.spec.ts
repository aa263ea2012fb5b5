/**
 * The FLV reader on what the encoder really writes. spec/fixtures/encoder-stream.flv was captured once
 * from Debian's ffmpeg 5.1 with the stream's own muxer options (2.5 s, 160x90, GOP 30, tee → flv with
 * flvflags=no_duration_filesize and +global_header, as lib/pipeline/encoder/ffmpeg-args.ts writes it):
 *   ffmpeg -f lavfi -i testsrc2=size=160x90:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2.5
 *     -map 0:v -map 1:a -c:a aac -b:a 32k -ar 44100 -c:v libx264 -preset veryfast -tune zerolatency -crf 35
 *     -pix_fmt yuv420p -bf 0 -profile:v main -g 30 -flags +global_header
 *     -f tee '[f=flv:flvflags=no_duration_filesize:flush_packets=1]pipe\:1' > encoder-stream.flv
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Amf0EcmaArray, decodeAmf0 } from '../../lib/amf0';
import { FlvError, FlvReader, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, tagKind, writeFlv, type FlvTag } from '../../lib/flv';

const fixture = fs.readFileSync(path.join(__dirname, 'fixtures/encoder-stream.flv'));

function readAll(bytes: Buffer, sizes: () => number): FlvTag[] {
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  for (let off = 0; off < bytes.length; ) {
    const n = Math.min(bytes.length - off, Math.max(1, sizes()));
    tags.push(...reader.push(bytes.subarray(off, off + n)));
    off += n;
  }
  expect(reader.pending).toBe(0);
  return tags;
}

describe('FlvReader on the encoder stream', () => {
  const tags = new FlvReader().push(fixture);

  it('reads the metadata, then both codec headers, then a key frame first among the pictures', () => {
    expect(tags.slice(0, 3).map(tagKind)).toEqual(['metadata', 'video-header', 'audio-header']);
    expect(tags.filter((t) => t.type === TAG_VIDEO).map(tagKind)[1]).toBe('key-frame');
  });

  it('finds a key frame every 30 frames, 2.5 s of sound and picture, and the end-of-sequence marker', () => {
    const pictures = tags.filter((t) => ['key-frame', 'video'].includes(tagKind(t)));
    expect(tagKind(tags.at(-1)!)).toBe('other');
    expect(pictures).toHaveLength(75);
    const keys = pictures.map((t, i) => (tagKind(t) === 'key-frame' ? i : -1)).filter((i) => i >= 0);
    expect(keys).toEqual([0, 30, 60]);
    const audio = tags.filter((t) => t.type === TAG_AUDIO && tagKind(t) === 'audio');
    expect(audio.at(-1)!.timestamp).toBeGreaterThan(2400);
    expect(pictures.at(-1)!.timestamp).toBeGreaterThan(2400);
  });

  it('keeps the timestamps of each track in order', () => {
    for (const type of [TAG_AUDIO, TAG_VIDEO]) {
      const ts = tags.filter((t) => t.type === type).map((t) => t.timestamp);
      expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    }
  });

  it('gives the same tags whatever the read sizes, one byte at a time included', () => {
    const oneByOne = readAll(fixture, () => 1);
    let seed = 7;
    const random = readAll(fixture, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 5000;
    });
    for (const other of [oneByOne, random]) {
      expect(other.map((t) => [t.type, t.timestamp, t.data.length])).toEqual(tags.map((t) => [t.type, t.timestamp, t.data.length]));
      expect(Buffer.concat(other.map((t) => t.data)).equals(Buffer.concat(tags.map((t) => t.data)))).toBe(true);
    }
  });

  it("holds ffmpeg's onMetaData as AMF0, without duration or file size", () => {
    const meta = tags.find((t) => t.type === TAG_SCRIPT)!;
    const [name, array] = decodeAmf0(meta.data);
    expect(name).toBe('onMetaData');
    expect(array).toBeInstanceOf(Amf0EcmaArray);
    const props = (array as Amf0EcmaArray).props;
    expect(props).toMatchObject({ width: 160, height: 90, videocodecid: 7, audiocodecid: 10, audiosamplerate: 44100 });
    expect(props.duration).toBeUndefined();
    expect(props.filesize).toBeUndefined();
  });

  it('writes what it reads', () => {
    expect(writeFlv(tags).equals(fixture)).toBe(true);
  });
});

describe('FlvReader on bad input', () => {
  it('refuses bytes that are not FLV, and stays failed', () => {
    const reader = new FlvReader();
    expect(() => reader.push(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toThrow(FlvError);
    expect(() => reader.push(fixture)).toThrow(FlvError);
  });

  it('refuses a tag whose trailing size does not match', () => {
    const bad = Buffer.from(writeFlv([{ type: TAG_AUDIO, timestamp: 0, data: Buffer.from([0xaf, 1, 2, 3]) }]));
    bad.writeUInt32BE(99, bad.length - 4);
    expect(() => new FlvReader().push(bad)).toThrow(/size mismatch/);
  });

  it('reads 32-bit timestamps (the extension byte)', () => {
    const tag = { type: TAG_VIDEO, timestamp: 0x1234abcd, data: Buffer.from([0x27, 1, 0, 0, 0]) };
    expect(new FlvReader().push(writeFlv([tag]))[0]!.timestamp).toBe(0x1234abcd);
  });
});
