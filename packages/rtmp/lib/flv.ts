/**
 * Pure: FLV read incrementally from a byte stream. The encoder writes the stream's FLV to the service
 * (ffmpeg's flv muxer); this cuts it into tags as the bytes arrive, whatever the read sizes, so the relay
 * can send each tag on as one RTMP message. An FLV tag body is exactly an RTMP audio, video or data
 * message body, which is why FLV is the format between the two.
 */

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  type: number;
  /** Milliseconds, 32 bits (the 24-bit field and its extension byte). */
  timestamp: number;
  data: Buffer;
}

export class FlvError extends Error {
  override readonly name = 'FlvError';
}

const FILE_HEADER = 9;
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;

export class FlvReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private headerDone = false;
  private failed: FlvError | undefined;

  /** Adds bytes; returns every tag they complete. Throws FlvError on bytes that are not FLV (and from then on). */
  push(bytes: Buffer): FlvTag[] {
    if (this.failed) throw this.failed;
    if (bytes.length) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const tags: FlvTag[] = [];
    try {
      if (!this.headerDone && !this.readHeader()) return tags;
      for (;;) {
        const tag = this.readTag();
        if (!tag) break;
        tags.push(tag);
      }
    } catch (err) {
      this.failed = err instanceof FlvError ? err : new FlvError(String(err));
      throw this.failed;
    }
    return tags;
  }

  /** Bytes held for a tag that is not complete yet. */
  get pending(): number {
    return this.buffered;
  }

  private readHeader(): boolean {
    const head = this.peek(FILE_HEADER);
    if (!head) return false;
    if (head.toString('latin1', 0, 3) !== 'FLV') throw new FlvError('not an FLV stream (no FLV signature)');
    if (head[3] !== 1) throw new FlvError(`FLV version ${head[3]} is not supported`);
    const offset = head.readUInt32BE(5);
    if (offset < FILE_HEADER || offset > 1024) throw new FlvError(`FLV header size ${offset} is not valid`);
    // The header, then PreviousTagSize0 (always zero).
    if (!this.peek(offset + PREVIOUS_TAG_SIZE)) return false;
    this.skip(offset + PREVIOUS_TAG_SIZE);
    this.headerDone = true;
    return true;
  }

  private readTag(): FlvTag | undefined {
    const head = this.peek(TAG_HEADER);
    if (!head) return undefined;
    // Bit 5 is the encryption filter flag, which ffmpeg never sets; the upper two bits are reserved.
    const type = head[0]! & 0x1f;
    if (type !== TAG_AUDIO && type !== TAG_VIDEO && type !== TAG_SCRIPT) throw new FlvError(`unknown FLV tag type ${head[0]}`);
    const size = head.readUIntBE(1, 3);
    const timestamp = (head.readUIntBE(4, 3) | (head[7]! << 24)) >>> 0;
    const whole = this.peek(TAG_HEADER + size + PREVIOUS_TAG_SIZE);
    if (!whole) return undefined;
    const previous = whole.readUInt32BE(TAG_HEADER + size);
    if (previous !== TAG_HEADER + size) throw new FlvError(`FLV tag size mismatch (${previous} after a tag of ${TAG_HEADER + size} bytes)`);
    const data = whole.subarray(TAG_HEADER, TAG_HEADER + size);
    this.skip(TAG_HEADER + size + PREVIOUS_TAG_SIZE);
    return { type, timestamp, data };
  }

  /** The first n buffered bytes as one buffer, without consuming them; undefined until that many arrived. */
  private peek(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Consumes n bytes; only after a peek of at least n, so they are all in the first chunk. */
  private skip(n: number): void {
    const first = this.chunks[0]!;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
  }
}

/** What a tag is to the relay: the codec headers and metadata it caches, key frames it can start at. */
export type TagKind = 'metadata' | 'video-header' | 'audio-header' | 'key-frame' | 'video' | 'audio' | 'other';

const AVC = 7;
const AAC = 10;

export function tagKind(tag: FlvTag): TagKind {
  const first = tag.data[0];
  if (first === undefined) return 'other';
  switch (tag.type) {
    case TAG_SCRIPT:
      return 'metadata';
    case TAG_VIDEO: {
      const frameType = first >> 4;
      if ((first & 0x0f) === AVC && tag.data[1] === 0) return 'video-header';
      // The end-of-sequence marker the muxer writes last: no picture.
      if ((first & 0x0f) === AVC && tag.data[1] === 2) return 'other';
      // Frame type 5 is a video info/command frame, not a picture.
      if (frameType === 5) return 'other';
      return frameType === 1 ? 'key-frame' : 'video';
    }
    case TAG_AUDIO:
      if (first >> 4 === AAC && tag.data[1] === 0) return 'audio-header';
      return 'audio';
    default:
      return 'other';
  }
}

/** An FLV file header and tags, as a muxer would write them (tests and fixtures). */
export function writeFlv(tags: readonly FlvTag[], opts: { audio?: boolean; video?: boolean } = {}): Buffer {
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, (opts.audio === false ? 0 : 4) | (opts.video === false ? 0 : 1), 0, 0, 0, 9, 0, 0, 0, 0]);
  return Buffer.concat([header, ...tags.map(encodeTag)]);
}

export function encodeTag(tag: FlvTag): Buffer {
  const out = Buffer.alloc(TAG_HEADER + tag.data.length + PREVIOUS_TAG_SIZE);
  out[0] = tag.type;
  out.writeUIntBE(tag.data.length, 1, 3);
  out.writeUIntBE(tag.timestamp & 0xffffff, 4, 3);
  out[7] = (tag.timestamp >>> 24) & 0xff;
  tag.data.copy(out, TAG_HEADER);
  out.writeUInt32BE(TAG_HEADER + tag.data.length, TAG_HEADER + tag.data.length);
  return out;
}
