/**
 * Follows the recordings of every live recorder (polling its recordings API with its token every few
 * seconds) and takes each one off when it is delivered: a recording uploaded and verified in the
 * customer's bucket is noted where it went; one without a bucket is copied to the fleet (every file
 * checked against the SHA-256 its recorder listed) and kept for JIBRI_FLEET_RECORDINGS_RETENTION. Either
 * way the recorder is then told to let it go (its local copy goes), and the domain's webhook, if any, gets
 * a signed "recording ready" event (the callbacks' queue: stored first, retried, resumed after a restart).
 * It also says what is left when a recorder is removed, and removes kept recordings past their retention.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@jibri-ts/common';
import type { RecorderBackend } from './backends/backend';
import type { RecorderAddress } from './backends/recorder-api';
import type { CallbackSender } from './callbacks';
import type { FleetConfig } from './config';
import type { DeliveryStore } from './delivery-store';
import { fetchRecordingFile, listRecordings, takeRecording, type RecorderRecording } from './recorder-recordings';
import { EVENT_LINK_SEC, type RecordingLinks } from './recording-links';
import { explainUploadFailure, recordingJson } from './recording-view';
import type { Recording, RecordingsStore, RecordingUpdate } from './recordings-store';
import type { FleetStore, RecorderRow } from './store';

const POLL_MS = 5000;
const SWEEP_MS = 30000;
/** What the fleet keeps of a recording without a bucket: the media and what describes it (not HLS segments). */
const KEPT_ROLES = new Set(['media', 'metadata', 'manifest']);
/** Room left on the fleet's disk after a copy. */
const DISK_MARGIN = 1024 ** 3;

export interface RecordingWatchDeps {
  store: FleetStore;
  recordings: RecordingsStore;
  deliveries: DeliveryStore;
  backends: Partial<Record<string, RecorderBackend>>;
  callbacks: CallbackSender;
  links: RecordingLinks;
  config: Pick<FleetConfig, 'recordingsDir' | 'recordingsRetentionSec'>;
  log: Logger;
}

/** Pure: what a recorder's entry means for the fleet's row. */
export function updateOf(e: RecorderRecording, collected?: { keptPath: string; keptUntil: string }): RecordingUpdate {
  const media = e.files.find((f) => f.role === 'media');
  const base: RecordingUpdate = {
    state: 'uploading',
    ...(e.endedAt ? { endedAt: e.endedAt } : {}),
    ...(media?.durationSec !== undefined ? { durationSec: media.durationSec } : {}),
    ...(media?.size !== undefined ? { sizeBytes: media.size } : {}),
    files: e.files.map((f) => ({ name: f.name, role: f.role, ...(f.size !== undefined ? { size: f.size } : {}), ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.durationSec !== undefined ? { durationSec: f.durationSec } : {}), ...(f.key ? { key: f.key } : {}) })),
    reason: undefined,
  };
  // A running session does not say where its file will go; the queue's entry does, once it is finalized.
  if (e.state === 'recording') return { ...base, state: 'recording' };
  base.target = e.target === 'store' ? 'bucket' : 'service';
  if (e.state === 'queued' && e.lastError) return { ...base, state: 'failed', reason: `${explainUploadFailure(e.lastErrorKind, e.lastError)} It is tried again.` };
  if (e.state !== 'announced') return base;
  if (e.target === 'store') return { ...base, state: 'delivered', ...(e.bucket ? { bucket: e.bucket } : {}), ...(e.endpoint ? { endpoint: e.endpoint } : {}), ...(media?.key ? { mediaKey: media.key } : {}) };
  return collected ? { ...base, state: 'delivered', ...collected } : { ...base, reason: 'Being saved by the service.' };
}

export class RecordingWatch {
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** The poll under way of each recorder: a second caller gets the same answer. */
  private readonly polling = new Map<string, Promise<RecorderRecording[] | undefined>>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly deps: RecordingWatchDeps) {
    this.log = deps.log.child({ component: 'fleet-recordings' });
  }

  start(): void {
    fs.mkdirSync(this.deps.config.recordingsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.deps.config.recordingsDir, 0o700);
    this.timer = setInterval(() => void this.pollAll(), POLL_MS);
    this.timer.unref();
    // A third of the retention at most, so a recording goes within a third of its retention after its time.
    this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_MS, (this.deps.config.recordingsRetentionSec * 1000) / 3));
    this.sweeper.unref();
    this.sweep();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private async pollAll(): Promise<void> {
    const live = this.deps.store.liveRecorders().filter((r) => r.state === 'ready' || r.state === 'draining' || r.state === 'uploading');
    for (const r of live) if (!this.polling.has(r.id)) void this.poll(r);
  }

  /** Polls one recorder now (one poll at a time each): its recordings as it lists them, or undefined when it does not answer. */
  poll(r: RecorderRow): Promise<RecorderRecording[] | undefined> {
    const running = this.polling.get(r.id);
    if (running) return running;
    const p = this.pollOnce(r)
      .catch((err: unknown) => {
        this.log.warn(`following the recordings of recorder ${r.id} failed: ${String(err)}`);
        return undefined;
      })
      .finally(() => this.polling.delete(r.id));
    this.polling.set(r.id, p);
    return p;
  }

  private async pollOnce(r: RecorderRow): Promise<RecorderRecording[] | undefined> {
    const backend = this.deps.backends[r.backend];
    const token = this.deps.store.recorderToken(r.id);
    if (!backend || !r.handle || !token || this.stopped) return undefined;
    const addr = await backend.apiAddress(r.handle);
    const entries = addr ? await listRecordings(addr, token) : undefined;
    if (!entries || !addr) return entries;
    for (const e of entries) if (!this.stopped) await this.reconcile(r, e, addr, token);
    return entries;
  }

  private async reconcile(r: RecorderRow, e: RecorderRecording, addr: RecorderAddress, token: string): Promise<void> {
    const seen = { id: crypto.randomUUID(), deploymentId: r.deploymentId, recorderId: r.id, jobId: e.id, sessionId: e.sessionId, meetingUrl: e.meetingUrl, startedAt: e.startedAt, target: e.target === 'store' ? ('bucket' as const) : ('service' as const) };
    const first = this.deps.recordings.upsert(seen, updateOf(e));
    const { created, changed } = first;
    let { recording } = first;
    if (created) this.log.info(`recording ${recording.id} of deployment ${r.deploymentId} (recorder ${r.id}, session ${e.sessionId}) seen: ${recording.state}`);
    else if (changed) this.log.info(`recording ${recording.id}: ${recording.state}${recording.reason ? ` (${recording.reason})` : ''}`);
    if (e.state !== 'announced') return;
    if (e.target === 'local' && recording.state !== 'delivered') {
      const collected = await this.collect(recording, e, addr, token);
      if (!collected) return;
      recording = this.deps.recordings.upsert(seen, updateOf(e, collected)).recording;
      this.log.info(`recording ${recording.id}: delivered, kept by the service until ${collected.keptUntil}`);
    }
    if (recording.state !== 'delivered') return;
    // Ours now (in the customer's bucket, or in the fleet's folder): the recorder lets it go.
    if (!(await takeRecording(addr, token, e.id))) this.log.warn(`recorder ${r.id} did not let recording ${recording.id} go; asked again at the next look`);
    await this.announce(recording);
  }

  /** Copies the files of a recording without a bucket into the fleet's folder; undefined (logged) when it could not. */
  private async collect(rec: Recording, e: RecorderRecording, addr: RecorderAddress, token: string): Promise<{ keptPath: string; keptUntil: string } | undefined> {
    const dir = path.join(this.deps.config.recordingsDir, rec.id);
    const files = e.files.filter((f) => KEPT_ROLES.has(f.role) && !f.name.includes('/'));
    const need = files.reduce((n, f) => n + (f.size ?? 0), 0);
    try {
      const free = fs.statfsSync(this.deps.config.recordingsDir);
      if (free.bavail * free.bsize < need + DISK_MARGIN) throw new Error(`not enough room in JIBRI_FLEET_RECORDINGS_DIR for ${need} bytes`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { mode: 0o700 });
      for (const f of files) await fetchRecordingFile(addr, token, e.id, f, path.join(dir, f.name));
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      this.log.warn(`recording ${rec.id}: copying it from recorder ${rec.recorderId} failed (${(err as Error).message}); tried again at the next look`);
      return undefined;
    }
    const ended = Date.parse(e.endedAt ?? '') || Date.now();
    return { keptPath: dir, keptUntil: new Date(ended + this.deps.config.recordingsRetentionSec * 1000).toISOString() };
  }

  /** The domain's webhook gets the "recording ready" event, once, signed with the account's secret. */
  private async announce(rec: Recording): Promise<void> {
    if (rec.announced) return;
    const url = this.deps.deliveries.get(rec.accountId, rec.domain)?.webhookUrl;
    const link = url ? await this.deps.links.media(rec, EVENT_LINK_SEC) : undefined;
    if (!this.deps.recordings.markAnnounced(rec.id) || !url) return;
    const recording = recordingJson(rec, Date.now(), link && 'url' in link ? link : undefined);
    this.deps.callbacks.send(rec.deploymentId, { it: 'worked', message: 'recording ready', event: 'recording.ready', recording }, url);
    this.log.info(`recording ${rec.id}: its ready event is queued for the domain's webhook`);
  }

  /**
   * A recorder is being removed: every recording of it that is not delivered is failed for good with
   * `why`, and the customer's ledger and the log say so. Returns how many were left.
   */
  leftBehind(r: RecorderRow, accountId: string, why: string): number {
    const left = this.deps.recordings.ofRecorder(r.id).filter((x) => x.state === 'recording' || x.state === 'uploading' || x.state === 'failed');
    // A pod's files live in the pod; the other backends leave them in the recorder's folder or volume.
    const files = r.backend === 'kubernetes' ? 'Its files went with the recorder.' : 'Its files stay with the operator of the service: ask them for this recording.';
    for (const x of left) {
      const before = x.reason && x.state === 'failed' ? ` ${x.reason.replace(/ It is tried again\.$/, '')}` : '';
      this.deps.recordings.setState(accountId, x.id, ['recording', 'uploading', 'failed'], { state: 'failed', reason: `Not delivered: its recorder was removed (${why}).${before} ${files}` });
    }
    if (left.length) {
      const names = left.map((x) => x.sessionId).join(', ');
      this.deps.store.noteInLedger(accountId, r.deploymentId, `recorder ${r.id.slice(0, 8)} removed with ${left.length} recording(s) not delivered (${names}): ${why}`);
      this.log.warn(`recorder ${r.id} of ${r.deploymentId}: removed with ${left.length} recording(s) not delivered (${left.map((x) => x.id).join(', ')}): ${why}`);
    }
    return left.length;
  }

  /** Kept recordings past their retention go (files first; then the row says so). */
  sweep(): void {
    for (const x of this.deps.recordings.keptUntilBefore(new Date().toISOString())) {
      if (x.keptPath && path.dirname(path.resolve(x.keptPath)) === path.resolve(this.deps.config.recordingsDir)) fs.rmSync(x.keptPath, { recursive: true, force: true });
      this.deps.recordings.setState(x.accountId, x.id, ['delivered'], { state: 'expired', keptPath: undefined, reason: 'Removed after the retention.' });
      this.log.info(`recording ${x.id}: removed after the retention (kept until ${x.keptUntil})`);
    }
  }
}
