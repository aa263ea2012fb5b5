/**
 * The fleet's side of a recorder's recordings API (GET /recordings, a ready recording's files, DELETE to
 * take it; the recorder's JIBRI_RECORDINGS_HANDOFF), with the recorder's own token, through
 * backends/recorder-api.ts (HTTPS with the fleet's CA beyond loopback). A recorder runs a page
 * its customer chose: what it answers is read as untrusted (shapes checked, names limited to plain file
 * names, sizes bounded, every file's bytes checked against the SHA-256 it listed).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { recorderRequest, recorderResponse, type RecorderAddress } from './backends/recorder-api';

export type RecorderJobState = 'recording' | 'finalizing' | 'queued' | 'verified' | 'announced';

export interface RecorderFile {
  name: string;
  role: string;
  size?: number;
  sha256?: string;
  durationSec?: number;
  key?: string;
  verified?: boolean;
}

export interface RecorderRecording {
  id: string;
  sessionId: string;
  meetingUrl: string;
  startedAt: string;
  endedAt?: string;
  state: RecorderJobState;
  target: 'store' | 'local';
  /** Where a store target goes (the bucket and the endpoint the recorder was given). */
  bucket?: string;
  endpoint?: string;
  attempts: number;
  lastError?: string;
  lastErrorKind?: string;
  files: RecorderFile[];
}

/** The biggest file the fleet takes from a recorder (a day of 1080p is far below). */
export const MAX_FILE_BYTES = 64 * 1024 ** 3;
const STATES: readonly string[] = ['recording', 'finalizing', 'queued', 'verified', 'announced'];
const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
/** A plain file name (or hls/<name>): never a path elsewhere. */
const FILE_NAME = /^(hls\/)?[^/\\\0]{1,200}$/;

function parseFile(raw: unknown): RecorderFile | undefined {
  const f = raw as Record<string, unknown> | null;
  const name = str(f?.name, 210);
  const role = str(f?.role, 20);
  if (!f || !name || !FILE_NAME.test(name) || name === '.' || name === '..' || name.endsWith('/..') || !role) return undefined;
  const size = num(f.size);
  const sha256 = str(f.sha256, 64);
  const durationSec = num(f.durationSec);
  const key = str(f.key, 1100);
  return { name, role, ...(size !== undefined ? { size } : {}), ...(sha256 && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}), ...(durationSec !== undefined ? { durationSec } : {}), ...(key ? { key } : {}), ...(f.verified === true ? { verified: true } : {}) };
}

/** Pure: the recorder's answer to GET /recordings; entries that are not recordings are left out. */
export function parseListing(body: unknown): RecorderRecording[] {
  const list = (body as { recordings?: unknown } | null)?.recordings;
  if (!Array.isArray(list)) return [];
  const out: RecorderRecording[] = [];
  for (const raw of list.slice(0, 1000)) {
    const r = raw as Record<string, unknown> | null;
    const id = str(r?.id, 256);
    const sessionId = str(r?.sessionId, 256);
    const startedAt = str(r?.startedAt, 40);
    if (!r || !id || !sessionId || !startedAt || !STATES.includes(String(r.state)) || (r.target !== 'store' && r.target !== 'local')) continue;
    const files = Array.isArray(r.files) ? r.files.slice(0, 50).map(parseFile).filter((f): f is RecorderFile => f !== undefined) : [];
    const endedAt = str(r.endedAt, 40);
    const lastError = str(r.lastError, 2000);
    const lastErrorKind = str(r.lastErrorKind, 40);
    const bucket = str(r.bucket, 63);
    const endpoint = str(r.endpoint, 500);
    out.push({
      id,
      sessionId,
      meetingUrl: str(r.meetingUrl, 2000) ?? '',
      startedAt,
      ...(endedAt ? { endedAt } : {}),
      state: r.state as RecorderJobState,
      target: r.target,
      ...(bucket ? { bucket } : {}),
      ...(endpoint ? { endpoint } : {}),
      attempts: num(r.attempts) ?? 0,
      ...(lastError ? { lastError } : {}),
      ...(lastErrorKind ? { lastErrorKind } : {}),
      files,
    });
  }
  return out;
}

const API = '/jibri/api/v1.0/recordings';
const recordingPath = (id: string): string => `${API}/${encodeURIComponent(id)}`;
/** A listing of 1000 recordings with their files is far below this. */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;

/** The recorder's recordings, or undefined when it does not answer (gone, or not up yet). */
export async function listRecordings(addr: RecorderAddress, token: string): Promise<RecorderRecording[] | undefined> {
  try {
    const res = await recorderRequest(addr, 'GET', API, token, { timeoutMs: 5000, maxBytes: MAX_LISTING_BYTES });
    if (res.status !== 200) return undefined;
    return parseListing(JSON.parse(res.body));
  } catch {
    return undefined;
  }
}

/**
 * Copies one file of a ready recording to `dest` (created 0600; removed again on any failure): at most
 * the size it listed, and only if its bytes have the SHA-256 it listed. Throws with what went wrong.
 */
export async function fetchRecordingFile(addr: RecorderAddress, token: string, id: string, f: RecorderFile, dest: string, timeoutMs = 30 * 60 * 1000): Promise<void> {
  if (f.size === undefined || !f.sha256) throw new Error(`the recorder did not list the size and SHA-256 of ${f.name}`);
  if (f.size > MAX_FILE_BYTES) throw new Error(`${f.name} is larger than the ${MAX_FILE_BYTES} bytes the service takes`);
  const res = await recorderResponse(addr, 'GET', `${recordingPath(id)}/files/${f.name.split('/').map(encodeURIComponent).join('/')}`, token, { timeoutMs });
  if (res.statusCode !== 200) {
    res.destroy();
    throw new Error(`the recorder answered ${res.statusCode ?? 0} for ${f.name}`);
  }
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const expected = f.size;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done): void {
      bytes += chunk.length;
      if (bytes > expected) return done(new Error(`${f.name} is longer than the ${expected} bytes the recorder listed`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, counted, fs.createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
    if (bytes !== expected || hash.digest('hex') !== f.sha256) throw new Error(`${f.name} does not match what the recorder listed (${bytes} bytes)`);
  } catch (err) {
    fs.rmSync(dest, { force: true });
    throw err;
  }
}

/** Takes a ready recording off its recorder (its local copy goes); true when it did. */
export async function takeRecording(addr: RecorderAddress, token: string, id: string): Promise<boolean> {
  try {
    const res = await recorderRequest(addr, 'DELETE', recordingPath(id), token, { timeoutMs: 10000 });
    return (res.status >= 200 && res.status < 300) || res.status === 404;
  } catch {
    return false;
  }
}
