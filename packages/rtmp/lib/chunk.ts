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
  /** The message being assembled (allocated at its first chunk, its length reserved), if one is. */
  payload: Buffer | undefined;
  received: number;
}

/**
 * What one connection's reader holds at most: an ingest is a destination a customer may choose, so what
 * it sends must never grow the recorder's memory without bound nor cost more than linear time. A publisher
 * receives only control messages and command answers from its ingest (a few hundred bytes each); the
 * limits are far above that and far below what would hurt the process.
 */
export interface ReaderLimits {
  /**
   * The smallest chunk size the peer may set. The specification allows any size from 1, but says sizes
   * SHOULD be at least 128 (its default); no server uses less, and 1-byte chunks only multiply the
   * reader's work per byte, so a smaller one is refused as abusive.
   */
  minChunkSize: number;
  /** The longest message the peer may send. */
  maxMessage: number;
  /** Partial messages held at once, over all chunk streams (each counts its declared length from its first chunk). */
  maxBuffered: number;
  /** Chunk streams the peer may use (the protocol allows 65,597; servers use a handful). */
  maxChunkStreams: number;
}

export const READER_LIMITS: Readonly<ReaderLimits> = { minChunkSize: DEFAULT_CHUNK_SIZE, maxMessage: 1024 * 1024, maxBuffered: 2 * 1024 * 1024, maxChunkStreams: 64 };

/** A complete chunk's size, or the bytes needed (from the chunk's start) before it can be read. */
type ChunkRead = { used: number } | { need: number };

/**
 * Reassembles incoming chunks into messages. Set Chunk Size and Abort are applied as soon as they are
 * complete (later chunks in the same read depend on them) and are still returned, for the caller to see.
 * Input that does not complete a chunk is kept in one buffer that grows by doubling, and is read only once
 * enough has come for the next chunk, so every byte is copied a bounded number of times whatever the
 * peer's chunking and the size of its reads.
 * Anything beyond `limits` throws a ChunkError: the caller drops that connection.
 */
export class ChunkReader {
  private size = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, InState>();
  /** Input that does not complete a chunk yet, at the front of a buffer that grows by doubling. */
  private acc: Buffer = Buffer.alloc(0);
  private accLength = 0;
  /** Bytes the front chunk needs before reading it can make progress. */
  private need = 1;
  /** Declared lengths of the messages being assembled. */
  private reserved = 0;

  constructor(private readonly limits: Readonly<ReaderLimits> = READER_LIMITS) {}

  get chunkSize(): number {
    return this.size;
  }

  /** Bytes this reader holds: input not yet read plus the partial messages' reservations. */
  get buffered(): number {
    return this.accLength + this.reserved;
  }

  push(data: Buffer): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    // The common case, a read of whole chunks, is read in place; only what is left over is copied.
    const direct = this.accLength === 0;
    if (!direct) this.append(data);
    const b = direct ? data : this.acc.subarray(0, this.accLength);
    if (b.length < this.need) {
      if (direct) this.append(data);
      return out;
    }
    let off = 0;
    for (;;) {
      const r = this.readChunk(b, off, out);
      if ('need' in r) {
        this.need = r.need;
        break;
      }
      off += r.used;
    }
    if (direct) {
      this.accLength = 0;
      this.append(data.subarray(off));
    } else {
      this.acc.copyWithin(0, off, this.accLength);
      this.accLength -= off;
    }
    // A large buffer is not kept for the connection's life once it is empty.
    if (this.accLength === 0 && this.acc.length > 64 * 1024) this.acc = Buffer.alloc(0);
    return out;
  }

  /** Adds input behind what is kept: amortized one copy per byte. */
  private append(data: Buffer): void {
    if (!data.length) return;
    const wanted = this.accLength + data.length;
    if (wanted > this.acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(wanted, this.acc.length * 2, 4096));
      this.acc.copy(grown, 0, 0, this.accLength);
      this.acc = grown;
    }
    data.copy(this.acc, this.accLength);
    this.accLength = wanted;
  }

  /** Reads one chunk at `start`. */
  private readChunk(b: Buffer, start: number, out: RtmpMessage[]): ChunkRead {
    const avail = b.length - start;
    if (avail < 1) return { need: 1 };
    const first = b[start]!;
    const fmt = first >> 6;
    let csid = first & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (avail < 2) return { need: 2 };
      csid = b[start + 1]! + 64;
      pos = 2;
    } else if (csid === 1) {
      if (avail < 3) return { need: 3 };
      csid = b[start + 1]! + b[start + 2]! * 256 + 64;
      pos = 3;
    }
    const headerLen = [11, 7, 3, 0][fmt]!;
    if (avail < pos + headerLen) return { need: pos + headerLen };
    const prev = this.streams.get(csid);
    if (fmt !== 0 && !prev) throw new ChunkError(`chunk stream ${csid} starts without a full header`);
    if (!prev && this.streams.size >= this.limits.maxChunkStreams) throw new ChunkError(`the peer uses more than ${this.limits.maxChunkStreams} chunk streams`);
    const st: InState = prev ?? { timestamp: 0, field: 0, extended: false, length: 0, type: 0, streamId: 0, payload: undefined, received: 0 };
    const starting = st.payload === undefined;
    let field = st.field;
    let length = st.length;
    let type = st.type;
    let streamId = st.streamId;
    let extended = st.extended;
    const h = start + pos;
    if (fmt <= 2) {
      field = b.readUIntBE(h, 3);
      extended = field === EXTENDED;
    }
    if (fmt <= 1) {
      length = b.readUIntBE(h + 3, 3);
      type = b[h + 6]!;
    }
    if (fmt === 0) streamId = b.readUInt32LE(h + 7);
    pos += headerLen;
    if (extended) {
      if (avail < pos + 4) return { need: pos + 4 };
      // A type-3 chunk repeats the extended field of its message's header.
      if (fmt <= 2 || starting) field = b.readUInt32BE(start + pos);
      pos += 4;
    }
    if (fmt !== 3 && !starting) throw new ChunkError(`chunk stream ${csid}: a new header in the middle of a message`);
    if (length > this.limits.maxMessage) throw new ChunkError(`an incoming message of ${length} bytes is too long (at most ${this.limits.maxMessage})`);
    const take = Math.min(this.size, length - st.received);
    if (avail < pos + take) return { need: pos + take };

    // The chunk is complete: commit its header.
    if (starting) {
      if (this.reserved + length > this.limits.maxBuffered) throw new ChunkError(`the peer keeps more than ${this.limits.maxBuffered} bytes of partial messages open`);
      st.timestamp = fmt === 0 ? field >>> 0 : (st.timestamp + field) >>> 0;
      st.field = field;
      st.extended = extended;
      st.length = length;
      st.type = type;
      st.streamId = streamId;
      st.payload = Buffer.allocUnsafe(length);
      st.received = 0;
      this.reserved += length;
    }
    this.streams.set(csid, st);
    b.copy(st.payload!, st.received, start + pos, start + pos + take);
    st.received += take;
    pos += take;
    if (st.received >= st.length) {
      const payload = st.payload!;
      this.release(st);
      const msg: RtmpMessage = { type: st.type, streamId: st.streamId, timestamp: st.timestamp, payload };
      this.applyControl(msg);
      out.push(msg);
    }
    return { used: pos };
  }

  /** The chunk stream's message is done or dropped: its reservation goes back. */
  private release(st: InState): void {
    if (st.payload === undefined) return;
    this.reserved -= st.length;
    st.payload = undefined;
    st.received = 0;
  }

  private applyControl(msg: RtmpMessage): void {
    if (msg.streamId !== 0 || msg.payload.length < 4) return;
    if (msg.type === TYPE_SET_CHUNK_SIZE) {
      const size = msg.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < this.limits.minChunkSize) throw new ChunkError(`the peer set a chunk size of ${size} bytes (at least ${this.limits.minChunkSize} are taken)`);
      this.size = size;
    } else if (msg.type === TYPE_ABORT) {
      const st = this.streams.get(msg.payload.readUInt32BE(0));
      if (st) this.release(st);
    }
  }
}
