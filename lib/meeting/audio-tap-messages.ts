/**
 * Pure: what the service accepts from the audio tap in the meeting page (audio-tap-page.ts). The page is
 * the meeting's, so its batches are hostile input: every batch and item is bounded in size and count,
 * every id and name is a short printable string, every time is a finite number near the service's own
 * clock (a time far from it is replaced by the service's), and recording bytes are base64 of bounded length.
 * Items that do not pass are dropped and counted; nothing here throws.
 */
import type { ParticipantAudioEvent } from '../output/participant-audio';

export const TAP_LIMITS = {
  /** One binding call: what the page may queue between two flushes, base64 included. */
  maxBatchChars: 8 * 1024 * 1024,
  maxItems: 2000,
  maxIdChars: 128,
  maxNameChars: 256,
  /** One piece of a recording (Opus tops out near 64 kB a second; the page sends a piece a second). */
  maxDataBytes: 1024 * 1024,
  maxTrackNumber: 1_000_000,
  /** How far a page time may be from the service's clock before it is not believed. */
  maxSkewMs: 120_000,
} as const;

export interface ParsedBatch {
  events: ParticipantAudioEvent[];
  /** Items dropped, with why (the first few); empty for a well-formed batch. */
  dropped: string[];
  droppedCount: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A participant's endpoint id: printable, no spaces, bounded. */
function idOf(v: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are refused
  return typeof v === 'string' && v.length > 0 && v.length <= TAP_LIMITS.maxIdChars && !/[\s\u0000-\u001f\u007f]/.test(v) ? v : undefined;
}

/** A display name: control characters become spaces, cut to the limit. */
function nameOf(v: unknown): string {
  if (typeof v !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- control characters are replaced
  return v.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').trim().slice(0, TAP_LIMITS.maxNameChars);
}

function trackOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= TAP_LIMITS.maxTrackNumber ? v : undefined;
}

/** The page's time when it is believable, else the service's. */
function timeOf(v: unknown, nowMs: number): number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v - nowMs) <= TAP_LIMITS.maxSkewMs ? v : nowMs;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function itemOf(item: unknown, nowMs: number): ParticipantAudioEvent | string {
  if (!isObject(item)) return 'not an object';
  const atMs = timeOf(item.at, nowMs);
  switch (item.k) {
    case 'join':
    case 'name': {
      const participant = idOf(item.p);
      if (!participant) return `${item.k}: bad participant id`;
      return item.k === 'join' ? { kind: 'joined', participant, name: nameOf(item.n), atMs } : { kind: 'renamed', participant, name: nameOf(item.n), atMs };
    }
    case 'leave': {
      const participant = idOf(item.p);
      return participant ? { kind: 'left', participant, atMs } : 'leave: bad participant id';
    }
    case 'mute': {
      const participant = idOf(item.p);
      if (!participant || typeof item.m !== 'boolean') return 'mute: bad participant id or state';
      return { kind: 'muted', participant, muted: item.m, atMs };
    }
    case 'speaker': {
      if (item.p === null) return { kind: 'speaker', participant: null, atMs };
      const participant = idOf(item.p);
      return participant ? { kind: 'speaker', participant, atMs } : 'speaker: bad participant id';
    }
    case 'start': {
      const track = trackOf(item.t);
      const participant = idOf(item.p);
      if (!track || !participant) return 'start: bad track number or participant id';
      return { kind: 'track-start', track, participant, firstSampleAtMs: timeOf(item.first, atMs), atMs };
    }
    case 'data': {
      const track = trackOf(item.t);
      if (!track) return 'data: bad track number';
      const b = item.b;
      if (typeof b !== 'string' || b.length > Math.ceil(TAP_LIMITS.maxDataBytes / 3) * 4 || b.length % 4 !== 0 || !BASE64.test(b)) return 'data: not base64 of at most 1 MB';
      return { kind: 'track-data', track, data: Buffer.from(b, 'base64'), atMs };
    }
    case 'end': {
      const track = trackOf(item.t);
      if (!track) return 'end: bad track number';
      const reason = typeof item.r === 'string' ? nameOf(item.r).slice(0, 120) || 'stopped' : 'stopped';
      return { kind: 'track-end', track, reason, atMs };
    }
    default:
      return `unknown item ${JSON.stringify(String(item.k).slice(0, 20))}`;
  }
}

/** One binding call's payload (a JSON string) into events, in order. */
export function parseTapBatch(payload: unknown, nowMs: number): ParsedBatch {
  const out: ParsedBatch = { events: [], dropped: [], droppedCount: 0 };
  const drop = (why: string): void => {
    out.droppedCount++;
    if (out.dropped.length < 5) out.dropped.push(why);
  };
  if (typeof payload !== 'string' || payload.length > TAP_LIMITS.maxBatchChars) {
    drop(typeof payload === 'string' ? `a batch of ${payload.length} characters (at most ${TAP_LIMITS.maxBatchChars})` : 'a batch that is not a string');
    return out;
  }
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    drop('a batch that is not JSON');
    return out;
  }
  if (!isObject(body) || body.v !== 1 || !Array.isArray(body.items)) {
    drop('a batch without version 1 and items');
    return out;
  }
  const items = body.items as unknown[];
  if (items.length > TAP_LIMITS.maxItems) drop(`${items.length - TAP_LIMITS.maxItems} items past the ${TAP_LIMITS.maxItems} a batch may hold`);
  for (const item of items.slice(0, TAP_LIMITS.maxItems)) {
    const e = itemOf(item, nowMs);
    if (typeof e === 'string') drop(e);
    else out.events.push(e);
  }
  return out;
}
