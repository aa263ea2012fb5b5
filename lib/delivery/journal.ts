/**
 * The upload queue on disk: one small JSON file per job in `<recordings>/.jibri-ts-uploads/`, next to the
 * recordings it describes, so it survives a restart and moves with the volume. Each write goes to a
 * temporary file first and is renamed over the old one: a crash leaves the old state or the new one,
 * never half of one. The folder starts with a dot, so finalize scripts and the leftover scan skip it.
 *
 * Recorders that share the folder (containers on one volume) share the queue. A recorder claims a job
 * before it works on it (`<job>.lock`, created exclusively, naming its process and host, touched while it
 * works); a claim whose owner is provably gone (same host, pid gone) or silent for CLAIM_STALE_MS is
 * taken over, as leftovers.ts does with session markers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { pidAlive } from '@jibri-ts/common';
import { PROCESS_OWNER } from '../recorder/crash-marker';
import { trustedJob, type UploadJob } from './job';

/** A claim not touched for this long belongs to a recorder that is gone. */
export const CLAIM_STALE_MS = 2 * 60 * 1000;

interface Claim {
  owner: string;
  host: string;
  pid: number;
}

export const JOURNAL_DIR = '.jibri-ts-uploads';

export class UploadJournal {
  readonly dir: string;

  constructor(private readonly recordingsDir: string) {
    this.dir = path.join(recordingsDir, JOURNAL_DIR);
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** Throws when the disk refuses the write: the caller keeps the job in memory and tries again later. */
  save(job: UploadJob): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = this.file(job.id);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(job));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  remove(id: string): void {
    fs.rmSync(this.file(id), { force: true });
    this.release(id);
  }

  /**
   * The job as it is on disk now (another recorder may have moved it on), or undefined once it is gone.
   * Its folder and file paths are derived, never taken from the file (job.ts trustedJob).
   */
  read(id: string): UploadJob | undefined {
    try {
      return trustedJob(JSON.parse(fs.readFileSync(this.file(id), 'utf8')), this.recordingsDir);
    } catch {
      return undefined;
    }
  }

  /** Takes the job for this process; false while another live recorder works on it. */
  claim(id: string, now = Date.now()): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    const lock = path.join(this.dir, `${id}.lock`);
    const mine: Claim = { owner: PROCESS_OWNER, host: os.hostname(), pid: process.pid };
    try {
      fs.writeFileSync(lock, JSON.stringify(mine), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let held: Claim | undefined;
    let touchedAt = 0;
    try {
      held = JSON.parse(fs.readFileSync(lock, 'utf8')) as Claim;
      touchedAt = fs.statSync(lock).mtimeMs;
    } catch {
      held = undefined;
    }
    const gone = !held || held.owner === PROCESS_OWNER || (held.host === mine.host && !pidAlive(held.pid)) || now - touchedAt > CLAIM_STALE_MS;
    if (!gone) return false;
    fs.writeFileSync(lock, JSON.stringify(mine));
    return true;
  }

  /** Shows that the claim's owner is alive (during a long transfer). */
  touch(id: string): void {
    const now = new Date();
    fs.utimes(path.join(this.dir, `${id}.lock`), now, now, () => undefined);
  }

  release(id: string): void {
    const lock = path.join(this.dir, `${id}.lock`);
    try {
      const held = JSON.parse(fs.readFileSync(lock, 'utf8')) as Claim;
      if (held.owner === PROCESS_OWNER) fs.rmSync(lock, { force: true });
    } catch {
      // No claim.
    }
  }

  /** Every readable job; unreadable files are returned by name so that they can be reported, never deleted. */
  load(): { jobs: UploadJob[]; unreadable: string[] } {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return { jobs: [], unreadable: [] };
    }
    const jobs: UploadJob[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      try {
        const job = trustedJob(JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')), this.recordingsDir);
        if (job && `${job.id}.json` === name) jobs.push(job);
        else unreadable.push(name);
      } catch {
        unreadable.push(name);
      }
    }
    return { jobs, unreadable };
  }
}
