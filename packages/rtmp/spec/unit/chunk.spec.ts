/** RTMP chunking against the byte layouts of Adobe's RTMP specification (5.3), and back. */
import { ChunkError, ChunkReader, ChunkWriter, READER_LIMITS, type RtmpMessage } from '../../lib/chunk';
import { setChunkSize } from '../../lib/messages';

const hex = (s: string): string => s.replace(/\s+/g, '');
const msg = (type: number, timestamp: number, payload: Buffer | string, streamId = 0): RtmpMessage => ({ type, streamId, timestamp, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload) });

function readInSlices(reader: ChunkReader, bytes: Buffer, slice: () => number): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  for (let off = 0; off < bytes.length; ) {
    const n = Math.min(bytes.length - off, Math.max(1, slice()));
    out.push(...reader.push(bytes.subarray(off, off + n)));
    off += n;
  }
  return out;
}

describe('ChunkWriter', () => {
  it('writes a full (type 0) header for the first message of a chunk stream', () => {
    const w = new ChunkWriter();
    expect(w.write(3, msg(20, 0, 'abc')).toString('hex')).toBe(hex('03 000000 000003 14 00000000 616263'));
  });

  it('shortens headers that repeat the last message of the chunk stream', () => {
    const w = new ChunkWriter();
    w.write(4, msg(8, 100, 'aa', 1));
    // Another length: type 1 (delta, length, type).
    expect(w.write(4, msg(8, 123, 'bbb', 1)).toString('hex')).toBe(hex('44 000017 000003 08 626262'));
    // Same length and type: type 2 (delta only).
    expect(w.write(4, msg(8, 146, 'ccc', 1)).toString('hex')).toBe(hex('84 000017 636363'));
    // Another message stream, or time going back: a full header again.
    expect(w.write(4, msg(8, 140, 'ddd', 1)).toString('hex')).toBe(hex('04 00008c 000003 08 01000000 646464'));
    expect(w.write(4, msg(8, 150, 'eee', 2)).toString('hex')).toBe(hex('04 000096 000003 08 02000000 656565'));
  });

  it('cuts a long message into chunks with one-byte continuation headers', () => {
    const w = new ChunkWriter();
    const payload = Buffer.alloc(300, 7);
    const out = w.write(6, msg(9, 0, payload, 1));
    expect(out.length).toBe(12 + 300 + 2);
    expect(out[12 + 128]).toBe(0xc6);
    expect(out[12 + 128 + 1 + 128]).toBe(0xc6);
  });

  it('uses two- and three-byte basic headers for high chunk stream ids', () => {
    const w = new ChunkWriter();
    expect(w.write(64, msg(20, 0, '')).subarray(0, 2).toString('hex')).toBe('0000');
    expect(w.write(319, msg(20, 0, '')).subarray(0, 2).toString('hex')).toBe('00ff');
    expect(w.write(320, msg(20, 0, '')).subarray(0, 3).toString('hex')).toBe('010001');
    expect(() => w.write(1, msg(20, 0, ''))).toThrow(ChunkError);
  });

  it('puts timestamps of 2^24 ms and more in the extended field, repeated by continuation chunks', () => {
    const w = new ChunkWriter();
    const out = w.write(6, msg(9, 0x01000000, Buffer.alloc(200, 1), 1));
    expect(out.subarray(0, 16).toString('hex')).toBe(hex('06 ffffff 0000c8 09 01000000 01000000'));
    // Continuation: basic header, then the extended timestamp again.
    expect(out.subarray(16 + 128, 16 + 128 + 5).toString('hex')).toBe(hex('c6 01000000'));
    // A delta that large is extended too.
    w.write(5, msg(18, 10, 'x', 1));
    expect(w.write(5, msg(18, 10 + 0x01000001, 'y', 1)).toString('hex')).toBe(hex('85 ffffff 01000001 79'));
  });

  it('applies a new chunk size to what follows', () => {
    const w = new ChunkWriter();
    w.setChunkSize(4096);
    expect(w.write(6, msg(9, 0, Buffer.alloc(4096))).length).toBe(12 + 4096);
    // A type-1 header (8 bytes with the basic header), one continuation byte.
    expect(w.write(6, msg(9, 0, Buffer.alloc(4097))).length).toBe(8 + 4097 + 1);
    expect(() => w.setChunkSize(0)).toThrow(ChunkError);
  });
});

describe('ChunkReader', () => {
  it('reads what the writer wrote, across chunk size changes and extended timestamps, in any slicing', () => {
    const w = new ChunkWriter();
    const sent: RtmpMessage[] = [];
    const parts: Buffer[] = [];
    let seed = 3;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let ts = 0xfffff0;
    for (let i = 0; i < 200; i++) {
      if (i % 40 === 10) {
        const size = [300, 4096, 128, 1000, 65536][rand(5)]!;
        const m = setChunkSize(size);
        parts.push(w.write(2, m));
        sent.push(m);
        w.setChunkSize(size);
        continue;
      }
      ts += rand(40);
      const type = [8, 9, 18][rand(3)]!;
      const m = msg(type, ts, Buffer.alloc(rand(3000), i), 1);
      parts.push(w.write(type === 8 ? 4 : type === 9 ? 6 : 5, m));
      sent.push(m);
    }
    const bytes = Buffer.concat(parts);
    for (const slice of [() => 1, () => 1 + rand(700), () => bytes.length]) {
      const got = readInSlices(new ChunkReader(), bytes, slice);
      expect(got.map((m) => [m.type, m.streamId, m.timestamp, m.payload.length])).toEqual(sent.map((m) => [m.type, m.streamId, m.timestamp >>> 0, m.payload.length]));
      expect(Buffer.concat(got.map((m) => m.payload)).equals(Buffer.concat(sent.map((m) => m.payload)))).toBe(true);
    }
  });

  it("reads a server's messages: type 3 headers for new messages repeat the last delta", () => {
    // A full header with timestamp 0x10 and a 2-byte message; then a type-3 header, which (the first
    // message being complete) starts a new message of the same length, its delta that of the header.
    const bytes = Buffer.from(hex('03 000010 000002 14 00000000 6869 c3 6a6b'), 'hex');
    const got = new ChunkReader().push(bytes);
    expect(got.map((m) => [m.timestamp, m.payload.toString()])).toEqual([
      [0x10, 'hi'],
      [0x20, 'jk'],
    ]);
  });

  it('applies Set Chunk Size and Abort as soon as they arrive', () => {
    const w = new ChunkWriter();
    const a = w.write(2, setChunkSize(200));
    w.setChunkSize(200);
    const b = w.write(6, msg(9, 5, Buffer.alloc(300, 2)));
    const r = new ChunkReader();
    expect(r.push(Buffer.concat([a, b])).map((m) => m.payload.length)).toEqual([4, 300]);
    expect(r.chunkSize).toBe(200);
    // Abort drops the partial message of chunk stream 6.
    const w2 = new ChunkWriter();
    const long = w2.write(6, msg(9, 0, Buffer.alloc(300, 1)));
    const abort = new ChunkWriter().write(2, { type: 2, streamId: 0, timestamp: 0, payload: Buffer.from(hex('00000006'), 'hex') });
    const r2 = new ChunkReader();
    expect(r2.push(Buffer.concat([long.subarray(0, 12 + 128), abort])).map((m) => m.type)).toEqual([2]);
    expect(r2.push(new ChunkWriter().write(6, msg(9, 0, 'z'))).map((m) => m.payload.toString())).toEqual(['z']);
  });

  it('refuses chunks that cannot be read', () => {
    expect(() => new ChunkReader().push(Buffer.from(hex('43 000000 000001 14 00'), 'hex'))).toThrow(ChunkError);
    expect(() => new ChunkReader().push(Buffer.from(hex('03 000000 ffffff 14 00000000'), 'hex'))).toThrow(/too long/);
  });

  it('refuses a chunk size below 128 bytes: the specification allows 1, no server uses it, and it only multiplies the work', () => {
    const w = new ChunkWriter();
    expect(() => new ChunkReader().push(w.write(2, setChunkSize(1)))).toThrow(/chunk size of 1 bytes/);
    expect(() => new ChunkReader().push(new ChunkWriter().write(2, setChunkSize(127)))).toThrow(ChunkError);
    const r = new ChunkReader();
    r.push(new ChunkWriter().write(2, setChunkSize(128)));
    expect(r.chunkSize).toBe(128);
  });

  it('refuses more chunk streams than any server uses', () => {
    const r = new ChunkReader();
    const w = new ChunkWriter();
    for (let csid = 3; csid < 3 + READER_LIMITS.maxChunkStreams; csid++) r.push(w.write(csid, msg(20, 0, 'x')));
    expect(() => r.push(w.write(3 + READER_LIMITS.maxChunkStreams, msg(20, 0, 'x')))).toThrow(/more than 64 chunk streams/);
  });

  it('refuses a message longer than the limit, and partial messages that together hold more than the limit', () => {
    expect(() => new ChunkReader().push(new ChunkWriter().write(3, msg(9, 0, Buffer.alloc(READER_LIMITS.maxMessage + 1))))).toThrow(/too long/);
    // Endless partial messages: the first chunk of a 1 MiB message on one chunk stream after another.
    const r = new ChunkReader();
    const w = new ChunkWriter();
    const partial = (csid: number): Buffer => w.write(csid, msg(9, 0, Buffer.alloc(READER_LIMITS.maxMessage, csid))).subarray(0, 12 + 128);
    r.push(partial(3));
    r.push(partial(4));
    expect(r.buffered).toBeLessThanOrEqual(READER_LIMITS.maxBuffered + 200);
    expect(() => r.push(partial(5))).toThrow(/more than 2097152 bytes of partial messages/);
    // An Abort gives the reservation back.
    const r2 = new ChunkReader();
    r2.push(new ChunkWriter().write(3, msg(9, 0, Buffer.alloc(READER_LIMITS.maxMessage))).subarray(0, 12 + 128));
    r2.push(new ChunkWriter().write(2, { type: 2, streamId: 0, timestamp: 0, payload: Buffer.from('00000003', 'hex') }));
    expect(r2.buffered).toBe(0);
  });

  it('reads a large message that arrives one byte at a time in linear time', () => {
    const size = 256 * 1024;
    const w = new ChunkWriter();
    w.setChunkSize(size);
    const bytes = Buffer.concat([new ChunkWriter().write(2, setChunkSize(size)), w.write(6, msg(9, 7, Buffer.alloc(size, 5), 1))]);
    const r = new ChunkReader();
    const started = process.hrtime.bigint();
    const got = readInSlices(r, bytes, () => 1);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(got.map((m) => m.payload.length)).toEqual([4, size]);
    expect(r.buffered).toBe(0);
    // Re-joining the pending input on every read made this 256 K reads of 128 kB on average (3*10^10 bytes
    // copied, about half a minute); linear, it is a few hundred ms even on a busy machine.
    expect(ms).toBeLessThan(5000);
  });
});

