/**
 * Pure: the names of the tracks output's files. A track file is named after its participant's endpoint id
 * (stable for the whole meeting, unlike a display name, and never a person's name), cleaned of anything a
 * file name must not hold, and numbered per participant: `<id>-1.webm`, `<id>-2.webm` after a second join.
 */
import * as crypto from 'node:crypto';

export const TRACKS_DIR = 'tracks';
export const TRACKS_MANIFEST = 'manifest.json';
export const SPEAKERS_VTT = 'speakers.vtt';
export const COMBINED_MKA = 'tracks.mka';

const MAX_ID_PART = 48;

/**
 * The id as a file name part: letters, digits, `_` and `-` only, at most 48 characters. An id that had to
 * change gets a short hash of the original, so two ids that clean to the same text stay apart.
 */
export function fileIdOf(participant: string): string {
  const clean = participant.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_ID_PART) || 'participant';
  if (clean === participant) return clean;
  return `${clean}-${crypto.createHash('sha256').update(participant).digest('hex').slice(0, 8)}`;
}

export function trackFileName(participant: string, n: number): string {
  return `${fileIdOf(participant)}-${n}.webm`;
}

/** Whether a name in tracks/ is one of the output's own files (what the delivery takes along). */
export function isTracksFile(name: string): boolean {
  return name === TRACKS_MANIFEST || name === SPEAKERS_VTT || name === COMBINED_MKA || /^[A-Za-z0-9_-]{1,60}-\d{1,6}\.webm$/.test(name);
}

/** Whether a folder of the session folder is a tracks folder: tracks/, then tracks-2/ and on. */
export function isTracksFolder(name: string): boolean {
  return /^tracks(?:-\d{1,4})?$/.test(name);
}

/** Whether a path in the session folder (`tracks/ada-1.webm`) is one of the output's files in a tracks folder. */
export function isTracksPath(rel: string): boolean {
  const slash = rel.indexOf('/');
  return slash > 0 && isTracksFolder(rel.slice(0, slash)) && isTracksFile(rel.slice(slash + 1));
}
