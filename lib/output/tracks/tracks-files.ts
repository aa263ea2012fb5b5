/**
 * Where a session's tracks are on disk and which of them go with its recording. The folder is `tracks/`
 * of the session folder; a second recording with the same session id (it lands in the same folder) gets
 * `tracks-2/`, and so on, so no recording's tracks are ever written over. Each folder's manifest names the
 * mixed recording it belongs to, which is how the delivery finds the tracks of a recording.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTracksFile, isTracksFolder, TRACKS_DIR, TRACKS_MANIFEST } from './track-names';

/** The first tracks folder of the session that does not exist yet or is empty (its name, in the session folder). */
export function freeTracksDir(sessionDir: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? TRACKS_DIR : `${TRACKS_DIR}-${n}`;
    const dir = path.join(sessionDir, name);
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      return name;
    }
    if (entries.length === 0) return name;
  }
}

export interface TracksFile {
  /** The file's name as delivered: `tracks/<name>`, its path in the session folder. */
  name: string;
  path: string;
}

/**
 * The tracks that belong with the recording `mediaName` of this session folder: every file the output
 * made in the folder whose manifest names that recording, the manifest last (its presence in a bucket says
 * the rest is there). None when the session had no tracks output.
 */
export function tracksOfRecording(sessionDir: string, mediaName: string): TracksFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(sessionDir).filter(isTracksFolder);
  } catch {
    return [];
  }
  for (const folder of names) {
    const dir = path.join(sessionDir, folder);
    let manifest: { mix?: { file?: unknown } };
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, TRACKS_MANIFEST), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    if (manifest.mix?.file !== mediaName) continue;
    const files = fs
      .readdirSync(dir)
      .filter((n) => isTracksFile(n) && n !== TRACKS_MANIFEST && fs.statSync(path.join(dir, n)).isFile())
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return [...files, TRACKS_MANIFEST].map((n) => ({ name: `${folder}/${n}`, path: path.join(dir, n) }));
  }
  return [];
}
