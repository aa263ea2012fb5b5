/**
 * Pure: one finished recording on its way to storage, and the rules that move it along. The delivery
 * worker keeps each job in the disk journal and changes it only through these functions, so the queue's
 * behaviour (order, backoff, what counts as pending or failed) is tested without a store or a clock.
 *
 *   finalizing → queued ⇄ (attempt fails: queued again, later) → verified → announced → (local copy removed)
 *
 * `finalizing`: the capture is closed, Jibri's finalize steps (and script) still run. `queued`: ready for
 * an attempt at `nextAttemptAt`. `verified`: every object is in the store with the local size and
 * SHA-256 (or, without a store, the files are described). `announced`: the "recording ready" event went out.
 */
import * as path from 'node:path';
import { ownsDeliveredName } from '../output/outputs';
import { sessionDirName } from '../output/file-layout';

export type JobState = 'finalizing' | 'queued' | 'verified' | 'announced';
/**
 * The recording (`media`), its `metadata` and `manifest`, or a file an output kind left beside it, by the
 * role its descriptor gives it (`hls`: the HLS playlist; `hls-segment`: one of its segments).
 */
export type FileRole = string;

export interface JobFile {
  role: FileRole;
  /** The file name, also the last part of its object key. */
  name: string;
  path: string;
  size?: number;
  sha256?: string;
  /** The object key in the bucket (when uploading). */
  key?: string;
  /** Set once the object was read back with the same size and SHA-256. */
  verified?: boolean;
  durationSec?: number;
}

export interface UploadJob {
  version: 1;
  id: string;
  sessionId: string;
  meetingUrl: string;
  sinkType: 'file' | 'stream';
  /** The recorder instance that made the recording (JIBRI_INSTANCE_ID). */
  instanceId: string;
  sessionDir: string;
  startedAt: string;
  /** When the capture closed. */
  endedAt: string;
  state: JobState;
  /** Where it goes: a bucket, or nowhere (the event then carries local paths). */
  target: 'store' | 'local';
  files: JobFile[];
  attempts: number;
  /** Epoch ms of the next attempt. */
  nextAttemptAt: number;
  lastError?: string;
  /** What kind of failure the last attempt was (object-store.ts StoreErrorKind): lets a reader explain it in its own words. */
  lastErrorKind?: string;
  verifiedAt?: string;
  announcedAt?: string;
}

/** The longest wait between two attempts. */
export const RETRY_MAX_SEC = 15 * 60;

export interface FinishedRecording {
  sessionId: string;
  meetingUrl: string;
  sinkType: 'file' | 'stream';
  mediaFile: string;
  startedAt: string;
  endedAt: string;
}

/** A job's id: the session folder and the media file's stamp, so two recordings of one session differ. */
export function jobId(sessionId: string, mediaFile: string): string {
  const stem = path.basename(mediaFile).replace(/\.[^.]*$/, '');
  return `${sessionDirName(sessionId)}--${stem.replace(/[^a-zA-Z0-9_.-]/g, '_')}`.slice(0, 200);
}

/** `<prefix><session folder>/<file name>`: the session folder is the session id as Jibri's layout writes it. */
export function objectKey(prefix: string, sessionDir: string, fileName: string): string {
  return `${prefix}${path.basename(sessionDir)}/${fileName}`;
}

export function newJob(rec: FinishedRecording, opts: { instanceId: string; target: 'store' | 'local'; state: 'finalizing' | 'queued'; now: number }): UploadJob {
  const sessionDir = path.dirname(rec.mediaFile);
  return {
    version: 1,
    id: jobId(rec.sessionId, rec.mediaFile),
    sessionId: rec.sessionId,
    meetingUrl: rec.meetingUrl,
    sinkType: rec.sinkType,
    instanceId: opts.instanceId,
    sessionDir,
    startedAt: rec.startedAt,
    endedAt: rec.endedAt,
    state: opts.state,
    target: opts.target,
    files: [{ role: 'media', name: path.basename(rec.mediaFile), path: rec.mediaFile }],
    attempts: 0,
    nextAttemptAt: opts.now,
  };
}

/** Pure: a job file's name as the recorder writes them: a plain file name, or a name an output kind writes in its folder (`hls/index.m3u8`). */
function safeFileName(name: unknown): name is string {
  if (typeof name !== 'string' || !name || name.length > 255) return false;
  if (name.includes('/')) return ownsDeliveredName(name);
  return !/[\\\0]/.test(name) && name !== '.' && name !== '..';
}

/**
 * Pure: a journal entry as read from disk, trusted for nothing that names a place. The folder is derived
 * from the recordings folder and the sanitized session id, and every file's path from that folder and its
 * name (a plain name, or a file an output kind writes in its folder): an entry written by anyone else (a finalize script, a
 * recorder sharing the volume) can never make the recorder read, upload or remove a file elsewhere.
 * undefined when the entry is not a job (reported as unreadable, never acted on).
 */
export function trustedJob(raw: unknown, recordingsDir: string): UploadJob | undefined {
  const j = raw as Partial<UploadJob> | null;
  if (!j || typeof j !== 'object' || j.version !== 1 || typeof j.id !== 'string' || typeof j.sessionId !== 'string' || !j.sessionId || !Array.isArray(j.files)) return undefined;
  if (!j.files.every((f) => f && typeof f === 'object' && safeFileName((f).name))) return undefined;
  const sessionDir = path.join(path.resolve(recordingsDir), sessionDirName(j.sessionId));
  return { ...(j as UploadJob), sessionDir, files: j.files.map((f) => ({ ...f, path: path.join(sessionDir, f.name) })) };
}

/** Finalizing is over: the job may be attempted now. */
export function finalized(job: UploadJob, now: number): UploadJob {
  return job.state === 'finalizing' ? { ...job, state: 'queued', nextAttemptAt: now } : job;
}

/** Wait before attempt n+1 after n failed ones: retryDelay·2^(n-1), at most RETRY_MAX_SEC, with ±20 % jitter. */
export function backoffSec(failedAttempts: number, retryDelaySec: number, random = Math.random): number {
  const base = Math.min(RETRY_MAX_SEC, retryDelaySec * 2 ** Math.max(0, failedAttempts - 1));
  return base * (0.8 + 0.4 * random());
}

export function attemptFailed(job: UploadJob, error: string, now: number, retryDelaySec: number, random = Math.random, kind?: string): UploadJob {
  const attempts = job.attempts + 1;
  const { lastErrorKind: _before, ...rest } = job;
  return { ...rest, state: 'queued', attempts, lastError: error, ...(kind ? { lastErrorKind: kind } : {}), nextAttemptAt: now + Math.round(backoffSec(attempts, retryDelaySec, random) * 1000) };
}

export function withFiles(job: UploadJob, files: JobFile[]): UploadJob {
  return { ...job, files };
}

export function verified(job: UploadJob, now: number): UploadJob {
  const { lastError: _gone, lastErrorKind: _kind, ...rest } = job;
  return { ...rest, state: 'verified', verifiedAt: new Date(now).toISOString(), nextAttemptAt: now };
}

export function announced(job: UploadJob, now: number): UploadJob {
  return { ...job, state: 'announced', announcedAt: new Date(now).toISOString() };
}

/** The job to work on next: verified ones first (only the event is missing), then the earliest due. */
export function nextDue(jobs: Iterable<UploadJob>, now: number): UploadJob | undefined {
  let best: UploadJob | undefined;
  for (const j of jobs) {
    if (j.nextAttemptAt > now) continue;
    if (j.state === 'verified') return j;
    if (j.state !== 'queued') continue;
    if (!best || j.nextAttemptAt < best.nextAttemptAt) best = j;
  }
  return best;
}

/** When the worker should look again (epoch ms), if anything waits. */
export function nextWake(jobs: Iterable<UploadJob>): number | undefined {
  let at: number | undefined;
  for (const j of jobs) if ((j.state === 'queued' || j.state === 'verified') && (at === undefined || j.nextAttemptAt < at)) at = j.nextAttemptAt;
  return at;
}

export interface QueueCounts {
  /** Recordings not yet verified in the store (finalizing, queued or being uploaded). */
  pending: number;
  /** Of those, the ones whose last attempt failed (they are retried). */
  failed: number;
  /** Verified but the "ready" event not yet sent. */
  verified: number;
  /** Uploaded recordings whose local copy is still kept. */
  done: number;
  /** Bytes of local files that wait for upload. */
  pendingBytes: number;
}

export function counts(jobs: Iterable<UploadJob>): QueueCounts {
  const c: QueueCounts = { pending: 0, failed: 0, verified: 0, done: 0, pendingBytes: 0 };
  for (const j of jobs) {
    if (j.state === 'finalizing' || j.state === 'queued') {
      c.pending++;
      if (j.lastError) c.failed++;
      c.pendingBytes += j.files.reduce((n, f) => n + (f.verified ? 0 : (f.size ?? 0)), 0);
    } else if (j.state === 'verified') c.verified++;
    else c.done++;
  }
  return c;
}

/** Whether every object of the job is in the store, verified: the only jobs whose local copy may go. */
export function uploaded(job: UploadJob): boolean {
  return job.target === 'store' && (job.state === 'verified' || job.state === 'announced') && job.files.length > 0 && job.files.every((f) => f.verified);
}
