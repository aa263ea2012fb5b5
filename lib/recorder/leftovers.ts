/**
 * Recordings whose service died before finalizing them (SIGKILL, power loss). Their fragmented MP4 is
 * playable up to the last second written; at the next start they are finalized like any other:
 * rewritten, given a metadata.json, and handed to the finalize script. Recorders that share a folder
 * rescan it every minute, so one whose neighbour died finalizes that neighbour's recordings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { METADATA_FILE } from '../output/file-layout';
import { listMarkers, ownerGone, PROCESS_OWNER, readMarker, type CrashMarker } from './crash-marker';
import { finalizeRecording } from './finalize';
import { pidAlive } from '@jibri-ts/common';
import { checkRecordingsDir } from '../system/health';


async function waitForExit(pid: number | undefined, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

const inProgress = new Set<string>();

/**
 * Finalizes every leftover whose owning service is gone; returns the session folders it finalized.
 * Safe to call again while a call runs (a periodic rescan): a marker is handled by one call at a time.
 */
export async function finalizeLeftovers(config: Config, log: Logger, onFinalized?: (state: CrashMarker) => void): Promise<string[]> {
  const names = listMarkers(config.recording.dir);
  // A folder that takes no writes (a full disk) would fail every finalize again; the next rescan retries.
  if (names.length && checkRecordingsDir(config.recording.dir).healthStatus !== 'HEALTHY') {
    log.debug(`leaving ${names.length} leftover(s) for later: the recordings folder cannot take writes now`, { component: 'leftovers' });
    return [];
  }
  const done: string[] = [];
  for (const markerFile of names) {
    const state = readMarker(markerFile);
    if (!state) {
      log.warn(`ignoring an unreadable session marker ${markerFile}`, { component: 'leftovers' });
      continue;
    }
    let touchedAt: number;
    try {
      touchedAt = fs.statSync(markerFile).mtimeMs;
    } catch {
      continue; // finalized meanwhile by its owner
    }
    const host = os.hostname();
    if (!ownerGone({ state, touchedAt }, { host, owner: PROCESS_OWNER, now: Date.now(), alive: pidAlive })) continue;
    if (inProgress.has(markerFile)) continue;
    inProgress.add(markerFile);
    try {
      // An encoder that outlived its service got SIGINT and may still be closing the file.
      if ((state.host ?? host) === host) await waitForExit(state.encoderPid, 15000);
      const dir = await finalizeLeftover(config, log, state, markerFile);
      if (!dir) continue;
      done.push(dir);
      onFinalized?.(state);
    } finally {
      inProgress.delete(markerFile);
    }
  }
  return done;
}

/** The session folder once finalized; undefined when its files could not be written (retried later). */
async function finalizeLeftover(config: Config, log: Logger, state: CrashMarker, markerFile: string): Promise<string | undefined> {
  const sessionDir = path.dirname(state.mediaFile);
  const slog = log.child({ sessionId: state.sessionId });
  slog.info(`finalizing a recording left by a service that stopped unexpectedly: ${state.mediaFile}`, { component: 'leftovers' });
  const error = await finalizeRecording({
    sessionDir,
    mediaFile: state.mediaFile,
    metadataFile: path.join(sessionDir, METADATA_FILE),
    markerFile,
    meetingUrl: state.meetingUrl,
    participants: [],
    metadata: state.metadata ?? {},
    ffmpegBinary: config.ffmpegPath,
    ...(config.recording.finalizeScript ? { finalizeScript: config.recording.finalizeScript } : {}),
    finalizeTimeoutSec: config.recording.finalizeTimeoutSec,
    finalizeScriptEnv: config.recording.finalizeScriptEnv,
    log: slog,
  });
  return error ? undefined : sessionDir;
}
