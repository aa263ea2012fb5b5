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

/**
 * Removes the job's local files, then the folders they were in once empty (hls/, tracks/, the session
 * folder); returns what it removed.
 */
export function removeLocalCopy(job: UploadJob): string[] {
  const removed: string[] = [];
  const sessionDir = path.resolve(job.sessionDir);
  const folders = new Set<string>();
  for (const f of job.files) {
    // Only files inside the session folder: a journal entry never aims a removal elsewhere.
    const file = path.resolve(f.path);
    if (!file.startsWith(`${sessionDir}${path.sep}`)) continue;
    try {
      fs.rmSync(file);
      removed.push(f.path);
    } catch {
      // Already gone.
    }
    for (let dir = path.dirname(file); dir !== sessionDir; dir = path.dirname(dir)) folders.add(dir);
  }
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // Not empty: files of another recording, or files the finalize script added.
    }
  }
  try {
    fs.rmdirSync(job.sessionDir);
  } catch {
    // Not empty: other recordings of the same session, or files the finalize script added.
  }
  return removed;
}
