/**
 * Pure: RTMP's chunk stream (Adobe's RTMP specification, section 5.3). Messages are cut into chunks of
 * the current chunk size, each with a basic header (format and chunk stream id) and a message header
 * that is shortened when it repeats the previous message of the same chunk stream. Timestamps of 2^24 ms
 * (4 h 40 min) or more travel in the extended timestamp field, which continuation chunks repeat.
 */

export interface RtmpMessage {
  /** Message type id (1 set chunk size ... 8 audio, 9 video, 18 data, 20 command). */
  type: number;
  /** Message stream id: 0 for the connection, the created stream's id for publishing. */
  streamId: number;
  /** Milliseconds, modulo 2^32. */
  timestamp: number;
  payload: Buffer;
}

export class ChunkError extends Error {
  override readonly name = 'ChunkError';
}

export const DEFAULT_CHUNK_SIZE = 128;
/** The largest chunk size the protocol allows (31 bits); servers use far less. */
const MAX_CHUNK_SIZE = 0x7fffffff;
const EXTENDED = 0xffffff;
/** A message longer than this from a server is an attack or garbage; commands are small. */
const MAX_INCOMING_MESSAGE = 4 * 1024 * 1024;

const TYPE_SET_CHUNK_SIZE = 1;
const TYPE_ABORT = 2;

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 2 || csid > 65599) throw new ChunkError(`chunk stream id ${csid} is out of range`);
  if (csid <= 63) return Buffer.from([(fmt << 6) | csid]);
  if (csid <= 319) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

interface OutState {
  timestamp: number;
  length: number;
  type: number;
  streamId: number;
}

/** Cuts outgoing messages into chunks; one per connection, as it remembers each chunk stream's last header. */
export class ChunkWriter {
  private size = DEFAULT_CHUNK_SIZE;
  private readonly last = new Map<number, OutState>();

  get chunkSize(): number {
    return this.size;
  }

  /** The new size applies to every message written after this call (send the Set Chunk Size message first). */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) throw new ChunkError(`chunk size ${size} is out of range`);
    this.size = size;
  }

  /** Forgets the headers, for a fresh connection. */
  reset(): void {
    this.last.clear();
    this.size = DEFAULT_CHUNK_SIZE;
  }

  write(csid: number, msg: RtmpMessage): Buffer {
    const timestamp = msg.timestamp >>> 0;
    const length = msg.payload.length;
    if (length > 0xffffff) throw new ChunkError(`a message of ${length} bytes is too long for RTMP`);
    const prev = this.last.get(csid);
    // Deltas only forward and within one message stream; a type-3 header never starts a message, as some
    // servers disagree on which delta it repeats.
    let fmt: number;
    let field: number;
    if (!prev || prev.streamId !== msg.streamId || timestamp < prev.timestamp) {
      fmt = 0;
      field = timestamp;
    } else {
      field = timestamp - prev.timestamp;
      fmt = prev.length === length && prev.type === msg.type ? 2 : 1;
    }
    this.last.set(csid, { timestamp, length, type: msg.type, streamId: msg.streamId });
    const extended = field >= EXTENDED;
    const header = Buffer.alloc(fmt === 0 ? 11 : fmt === 1 ? 7 : 3);
    header.writeUIntBE(extended ? EXTENDED : field, 0, 3);
    if (fmt <= 1) {
      header.writeUIntBE(length, 3, 3);
      header[6] = msg.type;
    }
    if (fmt === 0) header.writeUInt32LE(msg.streamId >>> 0, 7);
    const ext = extended ? Buffer.alloc(4) : undefined;
    ext?.writeUInt32BE(field >>> 0);

    const parts: Buffer[] = [basicHeader(fmt, csid), header];
    if (ext) parts.push(ext);
    const continuation = ext ? Buffer.concat([basicHeader(3, csid), ext]) : basicHeader(3, csid);
    for (let off = 0; off < length || off === 0; off += this.size) {
      if (off > 0) parts.push(continuation);
      parts.push(msg.payload.subarray(off, Math.min(length, off + this.size)));
      if (length === 0) break;
    }
    return Buffer.concat(parts);
  }
}

interface InState {
  timestamp: number;
  /** The last timestamp field as sent: absolute after a type-0 header, a delta after types 1 and 2. */
  field: number;
  extended: boolean;
  length: number;
  type: number;
  streamId: number;
  /** The message being assembled, if one is. */
  parts: Buffer[];
  received: number;
}

/**
 * Reassembles incoming chunks into messages. Set Chunk Size and Abort are applied as soon as they are
 * complete (later chunks in the same read depend on them) and are still returned, for the caller to see.
 */
export class ChunkReader {
  private size = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, InState>();
  private buf: Buffer = Buffer.alloc(0);

  get chunkSize(): number {
    return this.size;
  }

  push(data: Buffer): RtmpMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: RtmpMessage[] = [];
    for (;;) {
      const used = this.readChunk(out);
      if (used === 0) break;
      this.buf = this.buf.subarray(used);
    }
    return out;
  }

  /** Reads one chunk from the front of the buffer; returns the bytes used, 0 if the chunk is not complete. */
  private readChunk(out: RtmpMessage[]): number {
    const b = this.buf;
    if (b.length < 1) return 0;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (b.length < 2) return 0;
      csid = b[1]! + 64;
      pos = 2;
    } else if (csid === 1) {
      if (b.length < 3) return 0;
      csid = b[1]! + b[2]! * 256 + 64;
      pos = 3;
    }
    const headerLen = [11, 7, 3, 0][fmt]!;
    if (b.length < pos + headerLen) return 0;
    const prev = this.streams.get(csid);
    if (fmt !== 0 && !prev) throw new ChunkError(`chunk stream ${csid} starts without a full header`);
    const st: InState = prev ?? { timestamp: 0, field: 0, extended: false, length: 0, type: 0, streamId: 0, parts: [], received: 0 };
    const starting = st.received === 0;
    let field = st.field;
    let length = st.length;
    let type = st.type;
    let streamId = st.streamId;
    let extended = st.extended;
    if (fmt <= 2) {
      field = b.readUIntBE(pos, 3);
      extended = field === EXTENDED;
    }
    if (fmt <= 1) {
      length = b.readUIntBE(pos + 3, 3);
      type = b[pos + 6]!;
    }
    if (fmt === 0) streamId = b.readUInt32LE(pos + 7);
    pos += headerLen;
    if (extended) {
      if (b.length < pos + 4) return 0;
      // A type-3 chunk repeats the extended field of its message's header.
      if (fmt <= 2 || starting) field = b.readUInt32BE(pos);
      pos += 4;
    }
    if (fmt !== 3 && !starting) throw new ChunkError(`chunk stream ${csid}: a new header in the middle of a message`);
    if (length > MAX_INCOMING_MESSAGE) throw new ChunkError(`an incoming message of ${length} bytes is too long`);
    const take = Math.min(this.size, length - st.received);
    if (b.length < pos + take) return 0;

    // The chunk is complete: commit its header.
    if (starting) {
      st.timestamp = fmt === 0 ? field >>> 0 : (st.timestamp + field) >>> 0;
      st.field = field;
      st.extended = extended;
      st.length = length;
      st.type = type;
      st.streamId = streamId;
    }
    this.streams.set(csid, st);
    st.parts.push(b.subarray(pos, pos + take));
    st.received += take;
    pos += take;
    if (st.received >= st.length) {
      const payload = Buffer.concat(st.parts, st.length);
      st.parts = [];
      st.received = 0;
      const msg: RtmpMessage = { type: st.type, streamId: st.streamId, timestamp: st.timestamp, payload };
      this.applyControl(msg);
      out.push(msg);
    }
    return pos;
  }

  private applyControl(msg: RtmpMessage): void {
    if (msg.streamId !== 0 || msg.payload.length < 4) return;
    if (msg.type === TYPE_SET_CHUNK_SIZE) {
      const size = msg.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1) throw new ChunkError('the peer set a chunk size of 0');
      this.size = size;
    } else if (msg.type === TYPE_ABORT) {
      const st = this.streams.get(msg.payload.readUInt32BE(0));
      if (st) {
        st.parts = [];
        st.received = 0;
      }
    }
  }
}
