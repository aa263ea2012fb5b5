/**
 * Pure: a recording as its owner sees it: the JSON of the developer API and of the "recording ready"
 * event (the seed's snake_case), a failure explained in the customer's words from what the recorder
 * reported, and lengths and sizes for people.
 */
import type { Recording, RecordingState } from './recordings-store';

/** Why an upload failed, in the customer's words, from the kind the recorder reported (and its own message for the rest). */
export function explainUploadFailure(kind: string | undefined, message: string | undefined): string {
  switch (kind) {
    case 'credentials':
      return 'The bucket refused the access key: check the access key and its secret under "Where recordings go", and that the key may write to the bucket.';
    case 'bucket':
      return 'The bucket does not exist: create it, or correct its name under "Where recordings go".';
    case 'unreachable':
      return 'The endpoint cannot be reached: check its address, and that it accepts connections from the internet.';
    case 'refused':
      return 'The endpoint is not on a public address: recorders upload only to addresses on the internet.';
    default:
      return `The upload failed${message ? `: ${message.slice(0, 300)}` : ''}.`;
  }
}

/** The seconds a recording lasts (a running one: so far). */
export function lengthSec(r: Pick<Recording, 'durationSec' | 'startedAt' | 'endedAt' | 'state'>, nowMs: number): number | undefined {
  if (r.durationSec !== undefined) return r.durationSec;
  const start = Date.parse(r.startedAt);
  const end = r.endedAt ? Date.parse(r.endedAt) : r.state === 'recording' ? nowMs : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : undefined;
}

/** `1 h 02 min`, `3 min 04 s`, `12 s`. */
export function lengthText(sec: number | undefined): string {
  if (sec === undefined) return '—';
  const s = Math.round(sec);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** `512 KB`, `1.4 MB`, `2.1 GB`. */
export function sizeText(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** A meeting's name as people know it: the room of its URL. */
export function meetingName(meetingUrl: string): string {
  try {
    const u = new URL(meetingUrl);
    return decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? '') || u.host;
  } catch {
    return meetingUrl.slice(0, 100);
  }
}

export const STATE_TEXT: Readonly<Record<RecordingState, string>> = {
  recording: 'Recording',
  uploading: 'Uploading',
  delivered: 'Delivered',
  failed: 'Failed',
  expired: 'Removed after retention',
  deleted: 'Deleted',
};

/** Where it went, in words: `bucket rec at s3.example.com`, `kept here until …`. */
export function whereText(r: Recording): string {
  if (r.target === 'bucket') return r.bucket ? `bucket ${r.bucket}${r.endpoint ? ` at ${hostOf(r.endpoint)}` : ''}` : 'your bucket';
  return r.keptUntil && r.state === 'delivered' ? `kept here until ${r.keptUntil.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : 'kept here';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The JSON of one recording (GET /recordings, the recording ready event), with its download link when one was made. */
export function recordingJson(r: Recording, nowMs: number, link?: { url: string; expiresAt: string }): Record<string, unknown> {
  const delivered = r.state === 'delivered' || r.state === 'expired';
  return {
    recording_id: r.id,
    deployment_id: r.deploymentId,
    domain: r.domain,
    session_id: r.sessionId,
    meeting_url: r.meetingUrl,
    started_at: r.startedAt,
    ended_at: r.endedAt ?? null,
    duration_sec: lengthSec(r, nowMs) ?? null,
    size_bytes: r.sizeBytes ?? null,
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
    delivered_to: !delivered ? null : r.target === 'bucket' ? { type: 'bucket', bucket: r.bucket ?? null, endpoint: r.endpoint ?? null, key: r.mediaKey ?? null } : { type: 'service', kept_until: r.keptUntil ?? null },
    files: r.files.filter((f) => f.role !== 'hls-segment').map((f) => ({ name: f.name, role: f.role, size: f.size ?? null, sha256: f.sha256 ?? null, ...(f.key ? { key: f.key } : {}) })),
    ...(link ? { download_url: link.url, download_expires_at: link.expiresAt } : {}),
  };
}

/** Pure: the ledger with each deployment's debit line carrying the recordings it made and their total length. */
export function ledgerWithUsage<L extends { delta: number; deploymentId: string | null }>(ledger: L[], usage: ReadonlyMap<string, { count: number; seconds: number }>): Array<L & { recordings?: { count: number; total_length_sec: number } }> {
  return ledger.map((l) => {
    const u = l.deploymentId && l.delta < 0 ? usage.get(l.deploymentId) : undefined;
    return l.deploymentId && l.delta < 0 ? { ...l, recordings: { count: u?.count ?? 0, total_length_sec: Math.round((u?.seconds ?? 0) * 10) / 10 } } : l;
  });
}
