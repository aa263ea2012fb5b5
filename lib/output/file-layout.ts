/**
 * Where a recording lands on disk, laid out exactly as Jibri lays it out, so that existing finalize
 * scripts and upload jobs keep working:
 *   <recordingsDir>/<sessionId, unsafe characters → _>/<callName>_<yyyy-MM-dd-HH-mm-ss>.mp4
 */
import * as path from 'node:path';

export const MAX_FILE_NAME = 125;

export function sessionDirName(sessionId: string): string {
  return sessionId.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local time, as Jibri stamps its file names. */
export function fileTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

/**
 * The call name is kept as Jibri keeps it, except path separators and control characters, which would
 * escape the session folder or break shells in finalize scripts.
 */
export function recordingFileName(callName: string, startedAt: Date, extension = 'mp4'): string {
  const suffix = `_${fileTimestamp(startedAt)}.${extension}`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not keep
  const safe = callName.replace(/[/\\\0-\x1f\x7f]/g, '_').replace(/^\.+/, '_') || 'recording';
  return `${safe.slice(0, MAX_FILE_NAME - suffix.length)}${suffix}`;
}

export interface RecordingPaths {
  sessionDir: string;
  mediaFile: string;
  metadataFile: string;
}

export const METADATA_FILE = 'metadata.json';

export function recordingPaths(recordingsDir: string, sessionId: string, callName: string, startedAt: Date): RecordingPaths {
  const sessionDir = path.join(recordingsDir, sessionDirName(sessionId));
  return {
    sessionDir,
    mediaFile: path.join(sessionDir, recordingFileName(callName, startedAt)),
    metadataFile: path.join(sessionDir, METADATA_FILE),
  };
}
