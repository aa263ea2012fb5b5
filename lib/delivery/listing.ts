/**
 * Pure: a recording as the recorder's API lists it (GET /recordings): what it is, where it is on its way,
 * and its files as a reader needs them (no host path: the API's readers are not on this host).
 */
import type { HealthDetail } from '../recorder/snapshot';
import { isPartRole } from '../output/outputs';
import { counts, type JobFile, type JobState, type QueueCounts, type UploadJob } from './job';

export interface RecordingFileEntry {
  name: string;
  role: JobFile['role'];
  size?: number;
  sha256?: string;
  durationSec?: number;
  /** The object key in the store, when it goes to one. */
  key?: string;
  /** Read back from the store with the local size and SHA-256. */
  verified?: boolean;
}

export interface RecordingEntry {
  /** The upload job's id: the session folder and the media file's stamp. */
  id: string;
  sessionId: string;
  meetingUrl: string;
  sinkType: 'file' | 'stream';
  startedAt: string;
  endedAt?: string;
  /** `recording` while its session runs; then the job's state. */
  state: 'recording' | JobState;
  target: 'store' | 'local';
  /** The store, as logs may show it (no credential), when it goes to one. */
  where?: string;
  /** The bucket and the endpoint (as configured, no credential) it goes to, when it goes to a store. */
  bucket?: string;
  endpoint?: string;
  attempts: number;
  lastError?: string;
  lastErrorKind?: string;
  /** When the next attempt is due, while one failed. */
  nextAttemptAt?: string;
  /** The transfer under way. */
  uploading?: { file: string; bytes: number; size: number };
  verifiedAt?: string;
  announcedAt?: string;
  files: RecordingFileEntry[];
}

/** The HLS segments are many and go with their playlist: they are not listed one by one. */
export function recordingEntry(job: UploadJob, o: { where?: string; bucket?: string; endpoint?: string; uploading?: RecordingEntry['uploading'] } = {}): RecordingEntry {
  return {
    id: job.id,
    sessionId: job.sessionId,
    meetingUrl: job.meetingUrl,
    sinkType: job.sinkType,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    state: job.state,
    target: job.target,
    ...(job.target === 'store' && o.where ? { where: o.where } : {}),
    ...(job.target === 'store' && o.bucket ? { bucket: o.bucket } : {}),
    ...(job.target === 'store' && o.endpoint ? { endpoint: o.endpoint } : {}),
    attempts: job.attempts,
    ...(job.lastError ? { lastError: job.lastError } : {}),
    ...(job.lastErrorKind ? { lastErrorKind: job.lastErrorKind } : {}),
    ...(job.lastError && job.state === 'queued' ? { nextAttemptAt: new Date(job.nextAttemptAt).toISOString() } : {}),
    ...(o.uploading ? { uploading: o.uploading } : {}),
    ...(job.verifiedAt ? { verifiedAt: job.verifiedAt } : {}),
    ...(job.announcedAt ? { announcedAt: job.announcedAt } : {}),
    files: job.files
      .filter((f) => !isPartRole(f.role))
      .map((f) => ({
        name: f.name,
        role: f.role,
        ...(f.size !== undefined ? { size: f.size } : {}),
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
        ...(f.durationSec !== undefined ? { durationSec: f.durationSec } : {}),
        ...(f.key ? { key: f.key } : {}),
        ...(f.verified ? { verified: true } : {}),
      })),
  };
}

/**
 * Pure: whether the queue holds nothing an exit should wait for: no recording still to upload or to
 * announce, and, when recordings are handed off, none still to be taken.
 */
export function settled(jobs: Iterable<Pick<UploadJob, 'state'>>, handoff: boolean, awaitingFinalize: number): boolean {
  if (awaitingFinalize > 0) return false;
  for (const j of jobs) if (handoff || j.state !== 'announced') return false;
  return true;
}

export interface DeliveryStatus extends QueueCounts {
  target: string;
  healthStatus: HealthDetail['healthStatus'];
  detail: string;
  /** The transfer in progress. */
  uploading?: { sessionId: string; file: string; bytes: number; size: number };
  lastError?: string;
  uploadedTotal: number;
  uploadedBytesTotal: number;
  failedAttemptsTotal: number;
  readyTotal: number;
}

/** Pure: the health entry `upload` (its counts, the store's problem, the transfer under way, totals). */
export function deliveryStatus(
  jobsIn: Iterable<UploadJob>,
  o: { where?: string; handoff: boolean; storeProblem?: string; uploading?: DeliveryStatus['uploading']; totals: { uploaded: number; bytes: number; failedAttempts: number; ready: number } },
): DeliveryStatus {
  const jobs = [...jobsIn];
  const c = counts(jobs);
  const failing = jobs.filter((j) => j.lastError && (j.state === 'queued' || j.state === 'finalizing'));
  const lastError = o.storeProblem ?? failing.sort((a, b) => b.attempts - a.attempts)[0]?.lastError;
  const healthy = !o.storeProblem && c.failed === 0;
  const target = o.where ?? 'local (no JIBRI_UPLOAD_S3_BUCKET)';
  const kept = o.handoff ? `, ${c.done} waiting to be taken` : o.where ? `, ${c.done} uploaded and kept locally` : '';
  const summary = `${c.pending} pending (${c.failed} failing)${kept}`;
  // `detail` is what health shows without the token (lib/status/health-body.ts publicDetails): the store's
  // problem and what to do, never a recording's own error (it names the recording's object key).
  const problem = o.storeProblem ?? `the last upload attempt of ${c.failed} recording(s) failed; they are retried (lastError, with the token, says why)`;
  return {
    ...c,
    target,
    healthStatus: healthy ? 'HEALTHY' : 'UNHEALTHY',
    detail: healthy ? `${target}: ${summary}` : `${problem}; ${summary}`,
    ...(o.uploading ? { uploading: { ...o.uploading } } : {}),
    ...(lastError ? { lastError } : {}),
    uploadedTotal: o.totals.uploaded,
    uploadedBytesTotal: o.totals.bytes,
    failedAttemptsTotal: o.totals.failedAttempts,
    readyTotal: o.totals.ready,
  };
}
