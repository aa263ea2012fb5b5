/**
 * Pure: AMF0, the encoding of RTMP's commands and metadata (Adobe's AMF0 specification). Only the types
 * a publisher sends or meets in a server's answers: numbers, booleans, strings (short and long), objects,
 * ECMA arrays, strict arrays, dates, null and undefined. References, XML and AMF3 switches are refused.
 */

export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Object | Amf0EcmaArray | Amf0Value[];

export interface Amf0Object {
  [key: string]: Amf0Value;
}

/** An associative array (marker 0x08): what onMetaData carries. Objects and ECMA arrays differ only on the wire. */
export class Amf0EcmaArray {
  constructor(readonly props: Amf0Object) {}
}

export class Amf0Error extends Error {
  override readonly name = 'Amf0Error';
}

const NUMBER = 0x00;
const BOOLEAN = 0x01;
const STRING = 0x02;
const OBJECT = 0x03;
const NULL = 0x05;
const UNDEFINED = 0x06;
const ECMA_ARRAY = 0x08;
const OBJECT_END = 0x09;
const STRICT_ARRAY = 0x0a;
const DATE = 0x0b;
const LONG_STRING = 0x0c;
const TYPED_OBJECT = 0x10;

export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) writeValue(parts, v);
  return Buffer.concat(parts);
}

function byte(b: number): Buffer {
  return Buffer.from([b]);
}

function utf8(s: string, long: boolean): Buffer {
  const body = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(long ? 4 : 2);
  if (long) len.writeUInt32BE(body.length);
  else len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

function writeProps(parts: Buffer[], props: Amf0Object): void {
  for (const [k, v] of Object.entries(props)) {
    if (Buffer.byteLength(k) > 0xffff) throw new Amf0Error('AMF0 property names are at most 65535 bytes');
    parts.push(utf8(k, false));
    writeValue(parts, v);
  }
  parts.push(Buffer.from([0, 0, OBJECT_END]));
}

function writeValue(parts: Buffer[], v: Amf0Value): void {
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = NUMBER;
    b.writeDoubleBE(v, 1);
    parts.push(b);
  } else if (typeof v === 'boolean') parts.push(Buffer.from([BOOLEAN, v ? 1 : 0]));
  else if (typeof v === 'string') {
    const long = Buffer.byteLength(v) > 0xffff;
    parts.push(byte(long ? LONG_STRING : STRING), utf8(v, long));
  } else if (v === null) parts.push(byte(NULL));
  else if (v === undefined) parts.push(byte(UNDEFINED));
  else if (v instanceof Date) {
    const b = Buffer.alloc(11);
    b[0] = DATE;
    b.writeDoubleBE(v.getTime(), 1);
    // The time zone field: "should be 0x0000" (the specification).
    parts.push(b);
  } else if (Array.isArray(v)) {
    const head = Buffer.alloc(5);
    head[0] = STRICT_ARRAY;
    head.writeUInt32BE(v.length, 1);
    parts.push(head);
    for (const item of v) writeValue(parts, item);
  } else if (v instanceof Amf0EcmaArray) {
    const head = Buffer.alloc(5);
    head[0] = ECMA_ARRAY;
    // An approximate count, as the specification allows; readers go by the end marker.
    head.writeUInt32BE(Object.keys(v.props).length, 1);
    parts.push(head);
    writeProps(parts, v.props);
  } else {
    parts.push(byte(OBJECT));
    writeProps(parts, v);
  }
}

/** Every value in the buffer, in order. Throws Amf0Error on a truncated or unsupported encoding. */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const reader = new Reader(buf);
  const out: Amf0Value[] = [];
  while (reader.pos < buf.length) out.push(reader.value(0));
  return out;
}

/** Deep enough for any real command; a bound keeps hostile nesting from exhausting the stack. */
const MAX_DEPTH = 32;

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Amf0Error('truncated AMF0 value');
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  private string(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  private props(depth: number): Amf0Object {
    const out: Amf0Object = {};
    for (;;) {
      const key = this.string(this.u16());
      if (key === '' && this.buf[this.pos] === OBJECT_END) {
        this.pos++;
        return out;
      }
      // Plain data, never a prototype: a server's answer must not reach Object.prototype.
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
  }

  value(depth: number): Amf0Value {
    if (depth > MAX_DEPTH) throw new Amf0Error('AMF0 value nested too deeply');
    const marker = this.u8();
    switch (marker) {
      case NUMBER:
        return this.double();
      case BOOLEAN:
        return this.u8() !== 0;
      case STRING:
        return this.string(this.u16());
      case LONG_STRING:
        return this.string(this.u32());
      case OBJECT:
        return this.props(depth);
      case TYPED_OBJECT:
        this.string(this.u16());
        return this.props(depth);
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      case ECMA_ARRAY:
        this.u32();
        return new Amf0EcmaArray(this.props(depth));
      case STRICT_ARRAY: {
        const n = this.u32();
        // Each item takes at least one byte: a count beyond the buffer is a lie, not an allocation to make.
        this.need(n);
        const items: Amf0Value[] = [];
        for (let i = 0; i < n; i++) items.push(this.value(depth + 1));
        return items;
      }
      case DATE: {
        const ms = this.double();
        this.u16();
        return new Date(ms);
      }
      default:
        throw new Amf0Error(`AMF0 type 0x${marker.toString(16).padStart(2, '0')} is not supported`);
    }
  }
}
