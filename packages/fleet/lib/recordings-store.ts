/**
 * The recordings of every deployment, as the fleet follows them (table `recordings`, created by the
 * store's numbered migrations; this module owns its SQL). A row is made when the fleet first sees the
 * recording on its recorder and is never shared across accounts: every read takes the account, and ids
 * are random UUIDs, so an id of another customer's recording finds nothing.
 *
 *   recording → uploading → delivered (to the customer's bucket, or kept by the service) → expired | deleted
 *                         ↘ failed (retried while its recorder runs; final once it was removed without it)
 */
import type { Database } from './sqlite';

/** The migration that creates the table, the recorders' `uploading_since`, and the callbacks' own URL. */
export const RECORDINGS_MIGRATION = `CREATE TABLE recordings (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),
     deployment_id TEXT NOT NULL REFERENCES deployments(id), recorder_id TEXT NOT NULL, job_id TEXT NOT NULL, domain TEXT NOT NULL,
     session_id TEXT NOT NULL, meeting_url TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, duration_sec REAL, size_bytes INTEGER,
     state TEXT NOT NULL, reason TEXT, target TEXT NOT NULL, bucket TEXT, endpoint TEXT, media_key TEXT, files TEXT,
     kept_path TEXT, kept_until TEXT, announced INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
     UNIQUE (recorder_id, job_id));
   CREATE INDEX recordings_account ON recordings(account_id, started_at);
   CREATE INDEX recordings_deployment ON recordings(deployment_id);
   ALTER TABLE recorders ADD COLUMN uploading_since TEXT;
   ALTER TABLE callbacks ADD COLUMN url TEXT;`;

export type RecordingState = 'recording' | 'uploading' | 'delivered' | 'failed' | 'expired' | 'deleted';

export interface RecordingFile {
  name: string;
  role: string;
  size?: number;
  sha256?: string;
  durationSec?: number;
  key?: string;
}

export interface Recording {
  id: string;
  accountId: string;
  deploymentId: string;
  recorderId: string;
  jobId: string;
  domain: string;
  sessionId: string;
  meetingUrl: string;
  startedAt: string;
  endedAt?: string;
  durationSec?: number;
  sizeBytes?: number;
  state: RecordingState;
  /** Why it failed (the customer's words), or what happened to it. */
  reason?: string;
  /** `bucket`: the customer's; `service`: kept by the fleet for its retention. */
  target: 'bucket' | 'service';
  bucket?: string;
  endpoint?: string;
  mediaKey?: string;
  files: RecordingFile[];
  keptPath?: string;
  keptUntil?: string;
  announced: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a poll of its recorder says about a recording (the row's identity is the recorder and its job id). */
export type RecordingUpdate = Partial<Pick<Recording, 'target' | 'endedAt' | 'durationSec' | 'sizeBytes' | 'reason' | 'bucket' | 'endpoint' | 'mediaKey' | 'files' | 'keptPath' | 'keptUntil'>> & { state: RecordingState };

const COLUMNS: Record<keyof RecordingUpdate, string> = {
  state: 'state', target: 'target', endedAt: 'ended_at', durationSec: 'duration_sec', sizeBytes: 'size_bytes', reason: 'reason', bucket: 'bucket',
  endpoint: 'endpoint', mediaKey: 'media_key', files: 'files', keptPath: 'kept_path', keptUntil: 'kept_until',
};

/** States that end a recording's story here: a poll never moves it back. */
export const SETTLED: readonly RecordingState[] = ['delivered', 'expired', 'deleted'];

function rowOf(r: Record<string, unknown>): Recording {
  const opt = <T>(k: string): T | undefined => (r[k] === null || r[k] === undefined ? undefined : (r[k] as T));
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    deploymentId: String(r.deployment_id),
    recorderId: String(r.recorder_id),
    jobId: String(r.job_id),
    domain: String(r.domain),
    sessionId: String(r.session_id),
    meetingUrl: String(r.meeting_url),
    startedAt: String(r.started_at),
    state: r.state as RecordingState,
    target: r.target as Recording['target'],
    files: typeof r.files === 'string' ? (JSON.parse(r.files) as RecordingFile[]) : [],
    announced: Number(r.announced) === 1,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    ...(opt<string>('ended_at') ? { endedAt: opt<string>('ended_at')! } : {}),
    ...(opt<number>('duration_sec') !== undefined ? { durationSec: Number(r.duration_sec) } : {}),
    ...(opt<number>('size_bytes') !== undefined ? { sizeBytes: Number(r.size_bytes) } : {}),
    ...(opt<string>('reason') ? { reason: opt<string>('reason')! } : {}),
    ...(opt<string>('bucket') ? { bucket: opt<string>('bucket')! } : {}),
    ...(opt<string>('endpoint') ? { endpoint: opt<string>('endpoint')! } : {}),
    ...(opt<string>('media_key') ? { mediaKey: opt<string>('media_key')! } : {}),
    ...(opt<string>('kept_path') ? { keptPath: opt<string>('kept_path')! } : {}),
    ...(opt<string>('kept_until') ? { keptUntil: opt<string>('kept_until')! } : {}),
  };
}

export class RecordingsStore {
  constructor(private readonly db: Database) {}

  /** The row of a recorder's job, made when first seen (with the deployment's account and domain). */
  upsert(seen: { id: string; deploymentId: string; recorderId: string; jobId: string; sessionId: string; meetingUrl: string; startedAt: string; target: Recording['target'] }, update: RecordingUpdate): { recording: Recording; created: boolean; changed: boolean } {
    return this.db.transaction(() => {
      const before = this.db.prepare('SELECT * FROM recordings WHERE recorder_id = ? AND job_id = ?').get(seen.recorderId, seen.jobId) as Record<string, unknown> | undefined;
      const now = new Date().toISOString();
      if (!before) {
        const d = this.db.prepare('SELECT account_id, domain FROM deployments WHERE id = ?').get(seen.deploymentId) as { account_id: string; domain: string };
        this.db
          .prepare('INSERT INTO recordings (id, account_id, deployment_id, recorder_id, job_id, domain, session_id, meeting_url, started_at, state, target, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(seen.id, d.account_id, seen.deploymentId, seen.recorderId, seen.jobId, d.domain, seen.sessionId.slice(0, 256), seen.meetingUrl.slice(0, 2000), seen.startedAt, update.state, seen.target, now, now);
      } else if (SETTLED.includes(before.state as RecordingState)) {
        return { recording: rowOf(before), created: false, changed: false };
      }
      const changed = this.apply(seen.recorderId, seen.jobId, update, before);
      return { recording: rowOf(this.db.prepare('SELECT * FROM recordings WHERE recorder_id = ? AND job_id = ?').get(seen.recorderId, seen.jobId) as Record<string, unknown>), created: !before, changed: changed || !before };
    }).immediate();
  }

  /** Writes the fields that differ; true when something did. */
  private apply(recorderId: string, jobId: string, u: RecordingUpdate, before: Record<string, unknown> | undefined): boolean {
    const sets: string[] = [];
    const values: Array<string | number | null> = [];
    for (const [k, col] of Object.entries(COLUMNS) as Array<[keyof RecordingUpdate, string]>) {
      if (!(k in u)) continue;
      const raw = u[k];
      const v = raw === undefined ? null : k === 'files' ? JSON.stringify(raw) : (raw as string | number);
      if (before && before[col] === v) continue;
      sets.push(`${col} = ?`);
      values.push(v);
    }
    if (!sets.length) return false;
    this.db.prepare(`UPDATE recordings SET ${sets.join(', ')}, updated_at = ? WHERE recorder_id = ? AND job_id = ?`).run(...values, new Date().toISOString(), recorderId, jobId);
    return true;
  }

  /** Moves one recording (of this account only) to a new state; false when it is not the account's or not in `from`. */
  setState(accountId: string, id: string, from: readonly RecordingState[], update: RecordingUpdate): boolean {
    const before = this.db.prepare('SELECT * FROM recordings WHERE id = ? AND account_id = ?').get(id, accountId) as Record<string, unknown> | undefined;
    if (!before || !from.includes(before.state as RecordingState)) return false;
    this.apply(String(before.recorder_id), String(before.job_id), update, before);
    return true;
  }

  /** The event of a delivered recording was queued: once. */
  markAnnounced(id: string): boolean {
    return this.db.prepare('UPDATE recordings SET announced = 1 WHERE id = ? AND announced = 0').run(id).changes === 1;
  }

  /** One recording of the account (undefined for another account's id, or none). */
  get(accountId: string, id: string): Recording | undefined {
    const r = this.db.prepare('SELECT * FROM recordings WHERE id = ? AND account_id = ?').get(id, accountId) as Record<string, unknown> | undefined;
    return r ? rowOf(r) : undefined;
  }

  /** A recording by id alone: only for a download link, whose signature is the permission. */
  byId(id: string): Recording | undefined {
    const r = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? rowOf(r) : undefined;
  }

  /** The account's recordings, newest first, without the deleted ones. */
  ofAccount(accountId: string, limit = 200): Recording[] {
    return (this.db.prepare("SELECT * FROM recordings WHERE account_id = ? AND state != 'deleted' ORDER BY started_at DESC, id LIMIT ?").all(accountId, limit) as Array<Record<string, unknown>>).map(rowOf);
  }

  ofRecorder(recorderId: string): Recording[] {
    return (this.db.prepare('SELECT * FROM recordings WHERE recorder_id = ?').all(recorderId) as Array<Record<string, unknown>>).map(rowOf);
  }

  /** Kept by the service past their retention. */
  keptUntilBefore(iso: string): Recording[] {
    return (this.db.prepare("SELECT * FROM recordings WHERE target = 'service' AND state = 'delivered' AND kept_until < ?").all(iso) as Array<Record<string, unknown>>).map(rowOf);
  }

  /** Per deployment of the account: how many recordings it made and their total length (deleted ones count: they were made). */
  usage(accountId: string): Map<string, { count: number; seconds: number }> {
    const rows = this.db.prepare('SELECT deployment_id AS d, COUNT(*) AS n, COALESCE(SUM(duration_sec), 0) AS s FROM recordings WHERE account_id = ? GROUP BY deployment_id').all(accountId) as Array<{ d: string; n: number; s: number }>;
    return new Map(rows.map((r) => [r.d, { count: r.n, seconds: r.s }]));
  }
}
