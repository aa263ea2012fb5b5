/**
 * Pure: `manifest.json`, what a consumer of the bucket needs to trust and use a recording without
 * opening it: every file with its size, SHA-256, duration and codecs, who took part, when it started and
 * ended. It is uploaded last, so its presence in the bucket means the files it lists are complete.
 */
import type { MediaSummary } from '../output/probe';
import type { JobFile, UploadJob } from './job';

export const MANIFEST_FILE = 'manifest.json';

export interface ManifestFile {
  name: string;
  role: JobFile['role'];
  size: number;
  sha256: string;
  key?: string;
  durationSec?: number;
  format?: string;
  video?: MediaSummary['video'];
  audio?: MediaSummary['audio'];
}

export interface Manifest {
  version: 1;
  sessionId: string;
  meetingUrl: string;
  sinkType: 'file' | 'stream';
  recorder: string;
  startedAt: string;
  endedAt: string;
  participants: unknown[];
  files: ManifestFile[];
}

/** The participants metadata.json lists (Jibri's layout: a top-level `participants` array). */
export function participantsOf(metadataJson: string | undefined): unknown[] {
  if (!metadataJson) return [];
  try {
    const v = JSON.parse(metadataJson) as { participants?: unknown };
    return Array.isArray(v.participants) ? v.participants : [];
  } catch {
    return [];
  }
}

export function buildManifest(job: UploadJob, files: Array<JobFile & { size: number; sha256: string }>, probes: Record<string, MediaSummary | undefined>, participants: unknown[]): Manifest {
  return {
    version: 1,
    sessionId: job.sessionId,
    meetingUrl: job.meetingUrl,
    sinkType: job.sinkType,
    recorder: job.instanceId,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    participants,
    files: files.map((f) => {
      const probe = probes[f.name];
      return {
        name: f.name,
        role: f.role,
        size: f.size,
        sha256: f.sha256,
        ...(f.key ? { key: f.key } : {}),
        ...(probe ? { durationSec: Math.round(probe.durationSec * 1000) / 1000, format: probe.formatName } : {}),
        ...(probe?.video ? { video: probe.video } : {}),
        ...(probe?.audio ? { audio: probe.audio } : {}),
      };
    }),
  };
}
