/**
 * The delivery queue: every finished recording is described (manifest.json), uploaded when a store is
 * configured and proved by reading the objects back (size and SHA-256; uploader.ts carries one recording
 * at a time), then announced ("recording ready"), and retention applied. It reacts to the recorder's session events only: a job is written to the disk
 * journal when a session's capture closes (state `finalizing`) and becomes due once the session is
 * finished or failed, that is after Jibri's finalize steps and script. Order on disk and in the store:
 *
 *   capture closed → MP4 rewritten → metadata.json → finalize script → manifest.json → upload media,
 *   metadata.json, manifest.json (last) → read back and compare → ready event → local copy per retention
 *
 * One job at a time, in the background: the recorder's slots never wait for a store, and a store that is
 * slow or down only makes the queue longer. A failed attempt is retried with a doubling wait for as long
 * as the local file exists; the local file is never removed before its objects are verified.
 *
 * With JIBRI_RECORDINGS_HANDOFF someone else takes the recordings off the recorder (the on-demand fleet,
 * through the API: list, fetch the files, take): an announced recording then stays, files and journal
 * entry, until it is taken, and retention leaves it alone. At an exit with JIBRI_EXIT_DELIVERY_WAIT the
 * service waits (`settleBeforeExit`) until nothing is left to upload, announce or be taken.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { markerOfMediaFile } from '../recorder/crash-marker';
import type { SessionChange } from '../recorder/recorder';
import type { HealthDetail } from '../recorder/snapshot';
import { announced, counts, finalized, newJob, nextDue, nextWake, type FinishedRecording, type UploadJob } from './job';
import { UploadJournal } from './journal';
import { readyEvent, type RecordingReadyEvent } from './links';
import { deliveryStatus, recordingEntry, settled, type DeliveryStatus, type RecordingEntry } from './listing';

export type { DeliveryStatus } from './listing';
import type { ObjectStore } from './object-store';
import { isPartRole } from '../output/outputs';
import { localCopyDue, removeLocalCopy } from './retention';
import { Uploader } from './uploader';

export { fileDigest } from './describe';

/** How often local copies are checked against the retention policy. */
const SWEEP_MS = 10 * 60 * 1000;
/** How often a session that ended without being finalized (a full disk) is looked at again. */
const FINALIZE_POLL_MS = 5000;

/** Where the recorder's session events come from (the Recorder, or a stand-in in unit specs). */
export interface SessionEvents {
  on(event: 'session', listener: (change: SessionChange) => void): unknown;
  off(event: 'session', listener: (change: SessionChange) => void): unknown;
}

export interface DeliveryOptions {
  config: Config;
  log: Logger;
  /** Absent: recordings stay local, and the ready event carries their paths. */
  store?: ObjectStore;
  now?: () => number;
}

export interface DeliveryEvents {
  /** "Recording ready": every file verified in the store (or kept locally), with its links. */
  recording: [event: RecordingReadyEvent];
  'upload-started': [upload: { sessionId: string; key: string; file: string }];
  uploaded: [upload: { sessionId: string; bytes: number; seconds: number }];
}

export class Delivery extends EventEmitter<DeliveryEvents> {
  private readonly jobs = new Map<string, UploadJob>();
  private readonly journal: UploadJournal;
  private readonly log: Logger;
  private readonly now: () => number;
  private working: Promise<void> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private finalizeTimer: NodeJS.Timeout | undefined;
  /**
   * Sessions of this run that ended while their session marker stayed: metadata.json could not be
   * written, so the recorder has not run the finalize script yet and finalizes them again once the
   * folder takes writes (lib/recorder/recorder.ts). They are delivered once the marker is gone.
   */
  private readonly awaitingFinalize = new Map<string, FinishedRecording>();
  private readonly uploader: Uploader;
  private stopped = false;
  private ready = 0;
  private followed: SessionEvents | undefined;
  private readonly onSession = (change: SessionChange): void => this.sessionChanged(change);

  constructor(private readonly opts: DeliveryOptions) {
    super();
    this.journal = new UploadJournal(opts.config.recording.dir);
    this.log = opts.log.child({ component: 'delivery' });
    this.now = opts.now ?? Date.now;
    this.uploader = new Uploader({
      config: opts.config,
      log: this.log,
      ...(opts.store ? { store: opts.store } : {}),
      now: this.now,
      started: (upload) => this.emit('upload-started', upload),
      uploaded: (upload) => this.emit('uploaded', upload),
    });
  }

  /** Loads the journal (jobs of an earlier run resume), checks the store, starts the sweeper. */
  start(): void {
    const { jobs, unreadable } = this.journal.load();
    for (const name of unreadable) this.log.error(`cannot read the upload journal entry ${path.join(this.journal.dir, name)}; it is left as it is`);
    // Every job in the folder, whoever queued it: a recorder whose host name changed (a new container)
    // must still deliver what its predecessor recorded.
    // A restart is often the fix (credentials, endpoint): what waited for a retry is tried at once.
    // Not yet verified: it goes where this run's configuration says (a store added or removed since).
    for (const j of jobs) this.jobs.set(j.id, j.state === 'queued' || j.state === 'finalizing' ? { ...j, target: this.target, nextAttemptAt: this.now() } : j);
    const c = counts(jobs);
    const s3 = this.opts.config.upload.s3;
    this.log.info(
      `${this.opts.store ? `uploading recordings to ${this.opts.store.where}${s3?.prefix ? ` under ${s3.prefix}` : ''}` : 'no upload store (JIBRI_UPLOAD_S3_BUCKET): recordings stay local'}` +
        `${jobs.length ? `; ${c.pending} recording(s) from an earlier run wait for upload, ${c.verified} for their ready event` : ''}`,
    );
    this.uploader.start();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    this.sweep();
    this.kick();
  }

  /** Follows a recorder's session events: a job per recording that leaves a file. */
  follow(sessions: SessionEvents): void {
    this.followed = sessions;
    sessions.on('session', this.onSession);
  }

  /**
   * Jobs still `finalizing` from an earlier run whose leftover finalize has run (or was not needed):
   * called once the recorder's leftover scan is done.
   */
  leftoversDone(): void {
    for (const job of [...this.jobs.values()]) {
      if (job.state !== 'finalizing') continue;
      const media = job.files.find((f) => f.role === 'media');
      // Its session marker still there: a recorder sharing the folder is finalizing it, or a later scan will.
      if (media && fs.existsSync(markerOfMediaFile(this.opts.config.recording.dir, path.join(job.sessionDir, media.name)))) continue;
      if (media && fs.existsSync(media.path)) {
        this.update(finalized(job, this.now()));
        this.log.info(`recording of an earlier run queued for ${this.opts.store ? 'upload' : 'its ready event'}: ${media.path}`, { sessionId: job.sessionId });
      } else {
        this.drop(job);
        this.log.warn(`the recording ${media?.path ?? job.id} of an earlier run is gone (removed or moved by the finalize script?); it is dropped from the queue`, { sessionId: job.sessionId });
      }
    }
    this.kick();
  }

  /** A recording is finalized (by its session, or as a leftover of a crashed run): it becomes due. */
  recordingFinalized(rec: FinishedRecording): void {
    const fresh = newJob(rec, { instanceId: this.opts.config.instanceId, target: this.target, state: 'queued', now: this.now() });
    const known = this.jobs.get(fresh.id);
    this.awaitingFinalize.delete(fresh.id);
    // Already on its way (a second report of the same finalize): queued once, logged once.
    if (known && known.state !== 'finalizing') return;
    const job = known ? finalized({ ...known, instanceId: this.opts.config.instanceId }, this.now()) : fresh;
    if (!fs.existsSync(rec.mediaFile) || fs.statSync(rec.mediaFile).size === 0) {
      if (known) this.drop(known);
      this.log.info(`no recording to deliver at ${rec.mediaFile}: no media was recorded, or the finalize script moved it away`, { sessionId: rec.sessionId });
      return;
    }
    this.update(job);
    this.log.info(`recording queued for ${this.opts.store ? 'upload' : 'its ready event'}: ${rec.mediaFile}`, { sessionId: rec.sessionId });
    this.kick();
  }

  status(): DeliveryStatus {
    return deliveryStatus(this.jobs.values(), {
      ...(this.opts.store ? { where: this.opts.store.where } : {}),
      handoff: this.opts.config.upload.handoff,
      ...(this.uploader.storeProblem ? { storeProblem: this.uploader.storeProblem } : {}),
      ...(this.uploader.uploading ? { uploading: this.uploader.uploading } : {}),
      totals: { ...this.uploader.totals, ready: this.ready },
    });
  }

  /** The health entry `upload`: it reports, it never makes the recorder unhealthy (recordings go on locally). */
  healthDetail(): HealthDetail & Record<string, unknown> {
    return { ...this.status() };
  }

  /** Stops the worker; an upload in progress is abandoned and resumes at the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.followed?.off('session', this.onSession);
    for (const t of [this.wakeTimer, this.sweepTimer, this.finalizeTimer]) if (t) clearTimeout(t);
    this.uploader.stop();
    await this.working;
    this.uploader.close();
  }

  private get target(): 'store' | 'local' {
    return this.opts.store ? 'store' : 'local';
  }

  private sessionChanged(change: SessionChange): void {
    const { session, state, previous } = change;
    if (!session.mediaFile || this.stopped) return;
    const rec: FinishedRecording = {
      sessionId: session.sessionId,
      meetingUrl: session.meetingUrl,
      sinkType: session.sinkType,
      mediaFile: session.mediaFile,
      startedAt: session.startedAt,
      endedAt: new Date(this.now()).toISOString(),
    };
    if (state.name === 'finalizing' && previous.name !== 'finalizing') {
      // On disk from the moment the file is closed: a crash during finalizing still finds the job.
      const job = newJob(rec, { instanceId: this.opts.config.instanceId, target: this.target, state: 'finalizing', now: this.now() });
      if (!this.jobs.has(job.id)) this.update(job);
    } else if ((state.name === 'finished' || state.name === 'failed') && previous.name !== state.name) {
      const id = newJob(rec, { instanceId: '', target: this.target, state: 'queued', now: 0 }).id;
      const known = this.jobs.get(id);
      const ended = known ? { ...rec, endedAt: known.endedAt } : rec;
      if (fs.existsSync(markerOfMediaFile(this.opts.config.recording.dir, rec.mediaFile))) {
        // Ended, but not finalized: its files could not be written, and its finalize script has not run.
        this.awaitingFinalize.set(id, ended);
        this.log.warn(`the recording waits for its finalize (metadata.json could not be written) before it is ${this.opts.store ? 'uploaded' : 'announced'}: ${rec.mediaFile}`, { sessionId: rec.sessionId });
        this.pollFinalize();
        return;
      }
      this.recordingFinalized(ended);
    }
  }

  /** Delivers the waiting recordings whose marker is gone, that is, which the recorder has finalized since. */
  private pollFinalize(): void {
    if (this.finalizeTimer || this.stopped) return;
    this.finalizeTimer = setInterval(() => {
      for (const rec of [...this.awaitingFinalize.values()]) {
        if (!fs.existsSync(markerOfMediaFile(this.opts.config.recording.dir, rec.mediaFile))) this.recordingFinalized(rec);
      }
      if (!this.awaitingFinalize.size && this.finalizeTimer) {
        clearInterval(this.finalizeTimer);
        this.finalizeTimer = undefined;
      }
    }, FINALIZE_POLL_MS);
    this.finalizeTimer.unref();
  }

  private update(job: UploadJob): void {
    this.jobs.set(job.id, job);
    try {
      this.journal.save(job);
    } catch (err) {
      // The job stays in memory and is written again at its next change.
      this.log.error(`cannot write the upload journal (${(err as NodeJS.ErrnoException).code ?? String(err)}): free space in JIBRI_RECORDING_DIR`, { sessionId: job.sessionId });
    }
  }

  private drop(job: UploadJob): void {
    this.jobs.delete(job.id);
    this.journal.remove(job.id);
  }

  private kick(): void {
    if (this.stopped || this.working) return;
    this.working = this.work().finally(() => {
      this.working = undefined;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    const at = nextWake(this.jobs.values());
    if (at === undefined) return;
    this.wakeTimer = setTimeout(() => this.kick(), Math.max(0, at - this.now()) + 10);
    this.wakeTimer.unref();
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = nextDue(this.jobs.values(), this.now());
      if (!due) return;
      const job = this.claim(due);
      if (!job) continue;
      const touch = setInterval(() => this.journal.touch(job.id), 30000);
      try {
        if (job.state === 'verified') await this.announce(job);
        else await this.attempt(job);
      } catch (err) {
        // Only the announcement can end up here (attempts catch their own errors): try it again later.
        this.log.error(`announcing the recording failed: ${(err as Error).message ?? String(err)}; it is tried again in a minute`, { sessionId: job.sessionId });
        this.jobs.set(job.id, { ...(this.jobs.get(job.id) ?? job), nextAttemptAt: this.now() + 60000 });
      } finally {
        clearInterval(touch);
        this.journal.release(job.id);
      }
    }
  }

  /**
   * The job, claimed, as the journal has it now; undefined when another recorder sharing the folder
   * works on it (looked at again later) or has finished it.
   */
  private claim(job: UploadJob): UploadJob | undefined {
    let claimed: boolean;
    try {
      claimed = this.journal.claim(job.id, this.now());
    } catch (err) {
      this.log.error(`cannot claim ${job.id} in the upload journal (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { sessionId: job.sessionId });
      claimed = true;
    }
    if (!claimed) {
      this.jobs.set(job.id, { ...job, nextAttemptAt: this.now() + 60000 });
      return undefined;
    }
    const onDisk = this.journal.read(job.id);
    if (onDisk && onDisk.state === 'announced' && job.state !== 'announced') {
      // Another recorder delivered it meanwhile.
      this.jobs.set(job.id, onDisk);
      this.journal.release(job.id);
      return undefined;
    }
    return job;
  }

  private async attempt(job: UploadJob): Promise<void> {
    const log = this.log.child({ sessionId: job.sessionId });
    const media = job.files.find((f) => f.role === 'media');
    if (!media || !fs.existsSync(media.path)) {
      log.error(`the recording ${media?.path ?? job.id} is gone before it was ${this.opts.store ? 'uploaded' : 'announced'} (removed or moved by the finalize script?); it is dropped from the queue`);
      this.drop(job);
      return;
    }
    const done = await this.uploader.upload(job, (j) => this.update(j));
    if (done) await this.announce(done);
  }

  private async announce(job: UploadJob): Promise<void> {
    const s3 = this.opts.config.upload.s3;
    const store = this.opts.store;
    const event: RecordingReadyEvent = await readyEvent(job, {
      jibriId: this.opts.config.instanceId,
      ttlSec: this.opts.config.upload.linkTtlSec,
      now: this.now(),
      ...(store && s3 ? { bucket: s3.bucket, sign: (key: string, ttl: number) => store.presign(key, ttl) } : {}),
    });
    // Marked before the listeners run, so that nothing a listener does can announce it twice.
    const done = announced(job, this.now());
    this.update(done);
    this.ready++;
    this.emit('recording', event);
    this.log.info(`recording ready: ${event.files.length} file(s) ${event.storage.type === 's3' ? `in ${store?.where ?? 'the store'}, links valid for ${this.opts.config.upload.linkTtlSec} s` : 'on local disk'}`, { sessionId: job.sessionId });
    // Handed off: it stays until it is taken. Kept locally without a store: nothing is left to do for it.
    if (this.opts.config.upload.handoff) return;
    if (done.target === 'local') this.drop(done);
    else this.applyRetention(done);
  }

  /** Every recording the queue knows, as the API lists it (GET /recordings). */
  recordings(): RecordingEntry[] {
    const where = this.opts.store?.where;
    const s3 = this.opts.store ? this.opts.config.upload.s3 : undefined;
    return [...this.jobs.values()].map((j) => {
      const up = this.uploader.uploading?.sessionId === j.sessionId && (j.state === 'queued' || j.state === 'finalizing') ? this.uploader.uploading : undefined;
      return recordingEntry(j, { ...(where ? { where } : {}), ...(s3 ? { bucket: s3.bucket, ...(s3.endpoint ? { endpoint: s3.endpoint } : {}) } : {}), ...(up ? { uploading: { file: up.file, bytes: up.bytes, size: up.size } } : {}) });
    });
  }

  /** The path of a file of an announced recording, for the API to serve; undefined for any other. */
  announcedFile(id: string, name: string): string | undefined {
    const job = this.jobs.get(id);
    if (job?.state !== 'announced') return undefined;
    return job.files.find((f) => f.name === name && !isPartRole(f.role))?.path;
  }

  /**
   * A reader took the recording (JIBRI_RECORDINGS_HANDOFF): its local copy and its journal entry go.
   * Only an announced one: anything earlier is still on its way.
   */
  take(id: string): { ok: true; removed: number } | { ok: false; why: 'unknown' | 'pending' } {
    const job = this.jobs.get(id);
    if (!job) return { ok: false, why: 'unknown' };
    if (job.state !== 'announced') return { ok: false, why: 'pending' };
    const removed = removeLocalCopy(job);
    this.drop(job);
    this.log.info(`recording taken off this recorder: its local copy (${removed.length} file(s)) removed`, { sessionId: job.sessionId });
    return { ok: true, removed: removed.length };
  }

  /**
   * At an exit (JIBRI_EXIT_DELIVERY_WAIT): waits until nothing is left to upload, announce or (handed
   * off) be taken, at most `waitSec`, or until `hurry` (a harsher exit request) aborts; says what is left.
   */
  async settleBeforeExit(waitSec: number, hurry?: AbortSignal): Promise<void> {
    const isSettled = (): boolean => settled(this.jobs.values(), this.opts.config.upload.handoff, this.awaitingFinalize.size);
    if (isSettled()) return;
    const left = (): number => [...this.jobs.values()].filter((j) => this.opts.config.upload.handoff || j.state !== 'announced').length + this.awaitingFinalize.size;
    this.log.info(`waiting up to ${waitSec} s (JIBRI_EXIT_DELIVERY_WAIT) for ${left()} recording(s) to be ${this.opts.config.upload.handoff ? 'delivered and taken' : 'uploaded'} before exiting`);
    const until = this.now() + waitSec * 1000;
    while (!isSettled() && this.now() < until && !hurry?.aborted && !this.stopped) await new Promise((r) => setTimeout(r, 250));
    if (isSettled()) return void this.log.info('every recording is delivered; exiting');
    const why = hurry?.aborted ? 'a harsher exit was asked for' : `JIBRI_EXIT_DELIVERY_WAIT (${waitSec} s) has passed`;
    const failing = [...this.jobs.values()].find((j) => j.lastError && j.state === 'queued')?.lastError;
    this.log.warn(`exiting with ${left()} recording(s) not delivered (${why}${failing ? `; the last attempt failed: ${failing}` : ''}); they stay in JIBRI_RECORDING_DIR and their upload resumes at the next start`);
  }

  private applyRetention(job: UploadJob): void {
    const { keepLocal, retentionSec } = this.opts.config.upload;
    if (!localCopyDue(job, this.now(), { keepLocal, retentionSec })) return;
    const removed = removeLocalCopy(job);
    this.drop(job);
    this.log.info(`removed the local copy (${removed.map((p) => path.basename(p)).join(', ')}): ${keepLocal ? `older than JIBRI_RECORDINGS_RETENTION (${retentionSec} s)` : 'verified in the store and JIBRI_UPLOAD_KEEP_LOCAL=false'}`, { sessionId: job.sessionId });
  }

  /** Retention over every announced job. */
  sweep(): void {
    if (this.opts.config.upload.handoff) return;
    for (const job of [...this.jobs.values()]) if (job.state === 'announced') this.applyRetention(job);
  }
}
