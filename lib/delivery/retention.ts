/**
 * When a local copy may go. Pure decision: only a recording whose every object is verified in the store
 * (and whose "ready" event went out) is ever removed: at once with JIBRI_UPLOAD_KEEP_LOCAL=false, else
 * once it is older than JIBRI_RECORDINGS_RETENTION (counted from the end of the recording). A recording
 * that is not uploaded, or that the queue does not know, is never touched. The sweeper applies it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uploaded, type UploadJob } from './job';

export interface RetentionPolicy {
  keepLocal: boolean;
  /** 0 keeps uploaded copies for ever (unless keepLocal is false). */
  retentionSec: number;
}

export function localCopyDue(job: UploadJob, now: number, policy: RetentionPolicy): boolean {
  if (job.state !== 'announced' || !uploaded(job)) return false;
  if (!policy.keepLocal) return true;
  if (policy.retentionSec <= 0) return false;
  const ended = Date.parse(job.endedAt);
  return Number.isFinite(ended) && now - ended >= policy.retentionSec * 1000;
}

/** Removes the job's local files, and the session folder once it is empty; returns what it removed. */
export function removeLocalCopy(job: UploadJob): string[] {
  const removed: string[] = [];
  for (const f of job.files) {
    // Only files inside the session folder: a journal entry never aims a removal elsewhere.
    if (path.dirname(path.resolve(f.path)) !== path.resolve(job.sessionDir)) continue;
    try {
      fs.rmSync(f.path);
      removed.push(f.path);
    } catch {
      // Already gone.
    }
  }
  try {
    fs.rmdirSync(job.sessionDir);
  } catch {
    // Not empty: other recordings of the same session, or files the finalize script added.
  }
  return removed;
}
