/**
 * Where a fleet spec finds a session's recording once the fleet has it: every fleet recorder hands its
 * recordings off (JIBRI_RECORDINGS_HANDOFF), so a recording of a domain without a bucket leaves its
 * recorder's folder for the fleet's recordings folder, checked against the SHA-256 its recorder listed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FleetServer } from '../../lib/server';
import type { Json } from '../../../../testkit/json';
import { waitFor } from '../../../../testkit/service';
import { inspectDatabase } from './inspect';

export interface KeptRecording {
  /** The fleet's row of it (table `recordings`). */
  row: Json;
  /** Its media file in the fleet's recordings folder, and the SHA-256 its recorder listed for it. */
  media: string;
  sha256: string;
  /** Its folder there (media, metadata.json, manifest.json). */
  dir: string;
}

/** The fleet's row of a session's recording, delivered; waits for it. */
export function deliveredRecording(fleet: FleetServer, sessionId: string, timeoutMs = 60000): Promise<Json> {
  return waitFor(`the recording of ${sessionId} delivered`, () => {
    const row = inspectDatabase(fleet.store.file, (db) => db.prepare("SELECT * FROM recordings WHERE session_id = ? AND state = 'delivered'").get(sessionId)) as Json;
    return row ?? undefined;
  }, timeoutMs, 250);
}

/** The fleet's copy of a session's recording (a domain without a bucket); waits for it. */
export async function keptRecording(fleet: FleetServer, sessionId: string, timeoutMs = 60000): Promise<KeptRecording> {
  const row = await deliveredRecording(fleet, sessionId, timeoutMs);
  expect(row.target).toBe('service');
  const media = (JSON.parse(row.files as string) as Array<{ role: string; name: string; sha256: string }>).find((f) => f.role === 'media')!;
  const dir = row.kept_path as string;
  return { row, media: path.join(dir, media.name), sha256: media.sha256, dir };
}

/** Whether a recorder's session folder still holds a media file (it must not once the fleet took it). */
export function mediaLeftIn(folder: string): boolean {
  return fs.existsSync(folder) && fs.readdirSync(folder).some((f) => f.endsWith('.mp4') || f.endsWith('.m4a'));
}
