/**
 * The "recording ready" event: what the webhook `<subscriber>/v1/recording/ready` and the SSE
 * `event: recording` carry once a recording's objects are verified. Each file comes with a pre-signed
 * GET link valid for JIBRI_UPLOAD_LINK_TTL; a recording kept locally comes with its local paths instead.
 * Links are signed when the event is built (no request to the store), so a retried event has fresh ones.
 */
import { isPartRole } from '../output/outputs';
import type { UploadJob } from './job';

export interface ReadyFile {
  name: string;
  /** media, metadata, manifest, or the role an output kind gives what it left (`hls`: the HLS playlist). */
  role: string;
  size?: number;
  sha256?: string;
  durationSec?: number;
  /** With upload: the object key, a pre-signed GET URL and when it expires. */
  key?: string;
  url?: string;
  urlExpiresAt?: string;
  /** Without upload: where the file is on this host. */
  path?: string;
}

export interface RecordingReadyEvent {
  /** Unique per recording: a receiver that gets the event twice (a retry after a lost answer) can tell. */
  eventId: string;
  jibriId: string;
  sessionId: string;
  meetingUrl: string;
  sinkType: 'file' | 'stream';
  startedAt: string;
  endedAt: string;
  storage: { type: 's3'; bucket: string } | { type: 'local' };
  files: ReadyFile[];
}

export type Signer = (key: string, ttlSec: number) => Promise<string>;

export async function readyEvent(job: UploadJob, opts: { jibriId: string; bucket?: string; sign?: Signer; ttlSec: number; now: number }): Promise<RecordingReadyEvent> {
  const expires = new Date(opts.now + opts.ttlSec * 1000).toISOString();
  const toStore = job.target === 'store' && opts.sign && opts.bucket;
  const files = await Promise.all(
    // The HLS playlist is listed, not each of its segments (hundreds an hour): they are beside it.
    job.files.filter((f) => !isPartRole(f.role)).map(async (f): Promise<ReadyFile> => {
      const base: ReadyFile = {
        name: f.name,
        role: f.role,
        ...(f.size !== undefined ? { size: f.size } : {}),
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
        ...(f.durationSec !== undefined ? { durationSec: f.durationSec } : {}),
      };
      if (toStore && f.key && opts.sign) return { ...base, key: f.key, url: await opts.sign(f.key, opts.ttlSec), urlExpiresAt: expires };
      return { ...base, path: f.path };
    }),
  );
  return {
    eventId: job.id,
    jibriId: opts.jibriId,
    sessionId: job.sessionId,
    meetingUrl: job.meetingUrl,
    sinkType: job.sinkType,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    storage: toStore && opts.bucket ? { type: 's3', bucket: opts.bucket } : { type: 'local' },
    files,
  };
}
