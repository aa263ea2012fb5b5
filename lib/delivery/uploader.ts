/**
 * The transfer of one recording: describes it (manifest.json, digests), puts each file not yet verified
 * into the store and proves it by reading it back (transfer.ts), and keeps what health says of the store
 * (its problem, checked again every minute while there is one; the file under way; the totals). The
 * queue (delivery.ts) decides which recording goes when; this module only carries one at a time.
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import { describeJob } from './describe';
import { attemptFailed, verified, type UploadJob } from './job';
import type { DeliveryStatus } from './listing';
import { StoreError, type ObjectStore } from './object-store';
import { transferFile } from './transfer';

/** How often a store with a problem is checked again. */
const RECHECK_MS = 60 * 1000;

export interface UploaderOptions {
  config: Config;
  log: Logger;
  /** Absent: recordings stay local; upload() only describes them. */
  store?: ObjectStore;
  now: () => number;
  /** A PUT begins. */
  started(upload: { sessionId: string; key: string; file: string }): void;
  /** Every file of a recording is in the store and verified. */
  uploaded(upload: { sessionId: string; bytes: number; seconds: number }): void;
}

export class Uploader {
  /** The file under way, with its progress. */
  uploading: DeliveryStatus['uploading'];
  storeProblem: string | undefined;
  readonly totals = { uploaded: 0, bytes: 0, failedAttempts: 0 };
  private storeChecked = false;
  private current: AbortController | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: UploaderOptions) {}

  /** Checks the store's credentials once at start (health says what is wrong before the first recording). */
  start(): void {
    if (this.opts.store) void this.checkStore();
  }

  /** Abandons the call under way (the upload resumes at the next start) and closes the store. */
  stop(): void {
    this.stopped = true;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.current?.abort();
  }

  close(): void {
    this.opts.store?.close();
  }

  /**
   * Describes the recording and, with a store, uploads and verifies every file; each step saved through
   * `save` (the journal). Answers the job verified, or undefined after a failed attempt (saved with its
   * next attempt's time) or when the service stopped meanwhile.
   */
  async upload(job: UploadJob, save: (job: UploadJob) => void): Promise<UploadJob | undefined> {
    const log = this.opts.log.child({ sessionId: job.sessionId });
    let latest = job;
    const keep = (j: UploadJob): UploadJob => {
      latest = j;
      save(j);
      return j;
    };
    try {
      let current = keep(await describeJob(job, this.opts.store ? (this.opts.config.upload.s3?.prefix ?? '') : undefined));
      if (this.opts.store) current = keep(await this.transferAll(current, this.opts.store, log, keep));
      return keep(verified(current, this.opts.now()));
    } catch (err) {
      this.failed(latest, err, log, save);
      return undefined;
    } finally {
      this.uploading = undefined;
    }
  }

  private async transferAll(job: UploadJob, store: ObjectStore, log: Logger, keep: (j: UploadJob) => UploadJob): Promise<UploadJob> {
    const started = this.opts.now();
    let current = job;
    for (const f of current.files) {
      if (f.verified) continue;
      this.uploading = { sessionId: job.sessionId, file: f.name, bytes: 0, size: f.size ?? 0 };
      await transferFile(store, f, {
        stallTimeoutSec: this.opts.config.upload.stallTimeoutSec,
        setCurrent: (c) => (this.current = c),
        progress: (bytes) => {
          if (this.uploading) this.uploading.bytes = bytes;
        },
        started: (key) => this.opts.started({ sessionId: job.sessionId, key, file: f.path }),
        log,
      });
      current = keep({ ...current, files: current.files.map((g) => (g.name === f.name ? { ...g, verified: true } : g)) });
    }
    const bytes = current.files.reduce((n, f) => n + (f.size ?? 0), 0);
    const seconds = (this.opts.now() - started) / 1000;
    this.totals.uploaded++;
    this.totals.bytes += bytes;
    this.setStoreProblem(undefined);
    log.info(`uploaded and verified ${current.files.length} objects (${(bytes / 1048576).toFixed(1)} MB) in ${seconds.toFixed(1)} s${job.attempts ? ` after ${job.attempts} failed attempt(s)` : ''}`);
    this.opts.uploaded({ sessionId: job.sessionId, bytes, seconds });
    return current;
  }

  private failed(job: UploadJob, err: unknown, log: Logger, save: (job: UploadJob) => void): void {
    const e = err instanceof StoreError ? err : new StoreError('other', (err as Error).message ?? String(err));
    if (this.stopped) {
      log.info('upload interrupted by the service stopping; it resumes at the next start');
      return;
    }
    this.totals.failedAttempts++;
    const failed = attemptFailed(job, e.message, this.opts.now(), this.opts.config.upload.retryDelaySec, Math.random, e.kind);
    save(failed);
    if (e.kind === 'credentials' || e.kind === 'bucket' || e.kind === 'unreachable' || e.kind === 'refused') this.setStoreProblem(e.message);
    log.warn(`upload attempt ${failed.attempts} failed: ${e.message}; next attempt in ${Math.round((failed.nextAttemptAt - this.opts.now()) / 1000)} s, the local file is kept`);
  }

  private async checkStore(): Promise<void> {
    const store = this.opts.store;
    if (!store || this.stopped) return;
    try {
      await store.check(AbortSignal.timeout(15000));
      if (!this.storeChecked || this.storeProblem) this.opts.log.info(`${store.where} accepts the credentials`);
      this.setStoreProblem(undefined);
    } catch (err) {
      const e = err instanceof StoreError ? err : new StoreError('other', String(err));
      this.setStoreProblem(e.kind === 'aborted' ? `${store.where} did not answer within 15 s: check JIBRI_UPLOAD_S3_ENDPOINT and that the store is up` : e.message);
    }
    this.storeChecked = true;
  }

  private setStoreProblem(problem: string | undefined): void {
    if (problem === this.storeProblem) return;
    if (problem) this.opts.log.error(`upload store problem: ${problem}; recordings are kept locally and queued`);
    else if (this.storeProblem) this.opts.log.info('the upload store works again');
    this.storeProblem = problem;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    if (problem && !this.stopped) {
      // Health turns healthy again by itself once the store is fixed, even with nothing queued.
      this.recheckTimer = setInterval(() => void this.checkStore(), RECHECK_MS);
      this.recheckTimer.unref();
    }
  }
}
