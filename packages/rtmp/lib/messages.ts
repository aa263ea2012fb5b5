/**
 * Pure: the RTMP messages a publisher sends and the server answers it reads: protocol control (chunk
 * size, acknowledgements, window size), user control (ping), AMF0 commands and the stream's data messages.
 */
import { Amf0EcmaArray, decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from './amf0';
import type { RtmpMessage } from './chunk';

export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_ABORT = 2;
export const MSG_ACKNOWLEDGEMENT = 3;
export const MSG_USER_CONTROL = 4;
export const MSG_WINDOW_ACK_SIZE = 5;
export const MSG_SET_PEER_BANDWIDTH = 6;
export const MSG_AUDIO = 8;
export const MSG_VIDEO = 9;
export const MSG_DATA_AMF0 = 18;
export const MSG_COMMAND_AMF0 = 20;

/** User control events a publisher meets (Adobe's RTMP specification, 7.1.7). */
export const UC_STREAM_BEGIN = 0;
export const UC_PING_REQUEST = 6;
export const UC_PING_RESPONSE = 7;

/** Chunk streams: one per kind of traffic, so that each keeps its own shortened headers. */
export const CSID_CONTROL = 2;
export const CSID_COMMAND = 3;
export const CSID_AUDIO = 4;
export const CSID_DATA = 5;
export const CSID_VIDEO = 6;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, payload: Buffer): RtmpMessage {
  return { type, streamId: 0, timestamp: 0, payload };
}

export function setChunkSize(size: number): RtmpMessage {
  return control(MSG_SET_CHUNK_SIZE, u32(size & 0x7fffffff));
}

/** Acknowledges the bytes received so far (sequence number = bytes received, modulo 2^32). */
export function acknowledgement(bytesReceived: number): RtmpMessage {
  return control(MSG_ACKNOWLEDGEMENT, u32(bytesReceived));
}

export function windowAckSize(size: number): RtmpMessage {
  return control(MSG_WINDOW_ACK_SIZE, u32(size));
}

export function pingResponse(timestamp: number): RtmpMessage {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(UC_PING_RESPONSE);
  b.writeUInt32BE(timestamp >>> 0, 2);
  return control(MSG_USER_CONTROL, b);
}

export function readUserControl(payload: Buffer): { event: number; value: number } | undefined {
  if (payload.length < 6) return undefined;
  return { event: payload.readUInt16BE(0), value: payload.readUInt32BE(2) };
}

export function command(name: string, transactionId: number, streamId: number, commandObject: Amf0Object | null, ...args: Amf0Value[]): RtmpMessage {
  return { type: MSG_COMMAND_AMF0, streamId, timestamp: 0, payload: encodeAmf0(name, transactionId, commandObject, ...args) };
}

export interface Command {
  name: string;
  transactionId: number;
  commandObject: Amf0Value;
  args: Amf0Value[];
}

/** A command message from the server; undefined for anything that does not look like one. */
export function readCommand(payload: Buffer): Command | undefined {
  let values: Amf0Value[];
  try {
    values = decodeAmf0(payload);
  } catch {
    return undefined;
  }
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') return undefined;
  return { name, transactionId: typeof transactionId === 'number' ? transactionId : 0, commandObject: commandObject ?? null, args };
}

/** The info object of an onStatus, _result or _error: its level, code and description, when it has them. */
export interface StatusInfo {
  level?: string;
  code?: string;
  description?: string;
}

export function statusInfo(value: Amf0Value): StatusInfo {
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return {};
  const o: Amf0Object = value instanceof Amf0EcmaArray ? value.props : value;
  const str = (v: Amf0Value): string | undefined => (typeof v === 'string' ? v : undefined);
  const out: StatusInfo = {};
  const level = str(o.level);
  const code = str(o.code);
  const description = str(o.description);
  if (level !== undefined) out.level = level;
  if (code !== undefined) out.code = code;
  if (description !== undefined) out.description = description;
  return out;
}

/** `@setDataFrame` + the encoder's script tag body (`onMetaData` and its array), as a data message. */
export function setDataFrame(scriptTagBody: Buffer, streamId: number): RtmpMessage {
  return { type: MSG_DATA_AMF0, streamId, timestamp: 0, payload: Buffer.concat([encodeAmf0('@setDataFrame'), scriptTagBody]) };
}
