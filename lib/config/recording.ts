/** The recording area: where sessions' folders go, the finalize script, and the call-status checks. */
import * as path from 'node:path';
import type { Reader } from '@jibri-ts/common';
import { isDirectory, writableFolder, type ConfigContext } from './context';
import { SETTINGS } from './settings';

export interface RecordingConfig {
  dir: string;
  finalizeScript?: string;
  finalizeTimeoutSec: number;
  /** Names of further environment variables the finalize script gets (e.g. its upload credentials). */
  finalizeScriptEnv: string[];
  /** Disk space kept for each running session and the next one; admission refuses a further start below it. */
  sessionDiskBytes: number;
}

/** Joining the conference and Jibri's call-status checks, in seconds (0 turns a check off). */
export interface CallConfig {
  joinTimeoutSec: number;
  emptyTimeoutSec: number;
  allMutedTimeoutSec: number;
  noMediaTimeoutSec: number;
  iceTimeoutSec: number;
  checkIntervalSec: number;
  /** Longest an HTTP-started session may run (JIBRI_HTTP_USAGE_TIMEOUT); 0 = no limit, as Jibri. XMPP sessions take their environment's. */
  usageTimeoutSec: number;
}

/** Jibri's reference.conf placeholder for the finalize script: the same as none. */
const JIBRI_PLACEHOLDER_FINALIZE = '/path/to/finalize';

/** docker-jitsi-meet's recordings folder, and the one its older compose file mounted. */
export const LEGACY_RECORDING_DIR = '/config/recordings';

/**
 * JIBRI_RECORDING_DIR when set; else docker-jitsi-meet's /storage/recordings, unless the service cannot
 * write there while an older deployment's /config/recordings is a folder it can write to (a compose file
 * from before docker-jitsi-meet's move mounts only that one).
 */
export function chooseRecordingDir(configured: string | undefined, fallback: string, probe: { writable: (d: string) => boolean; isDirectory: (d: string) => boolean }): { dir: string; legacy: boolean } {
  if (configured) return { dir: path.resolve(configured), legacy: false };
  if (!probe.writable(fallback) && probe.isDirectory(LEGACY_RECORDING_DIR) && probe.writable(LEGACY_RECORDING_DIR)) return { dir: LEGACY_RECORDING_DIR, legacy: true };
  return { dir: path.resolve(fallback), legacy: false };
}

export function readRecording(r: Reader, ctx: ConfigContext, warnings: string[]): RecordingConfig {
  const finalizeScript = r.optional('JIBRI_FINALIZE_RECORDING_SCRIPT_PATH');
  const recording = chooseRecordingDir(r.optional('JIBRI_RECORDING_DIR'), r.text('JIBRI_RECORDING_DIR'), { writable: ctx.writable ?? writableFolder, isDirectory: ctx.isDirectory ?? isDirectory });
  if (recording.legacy) warnings.push(`recordings go to ${LEGACY_RECORDING_DIR} (an older docker-jitsi-meet layout): mount the recordings at /storage/recordings, as docker-jitsi-meet does now, or set JIBRI_RECORDING_DIR`);
  return {
    dir: recording.dir,
    ...(finalizeScript && finalizeScript !== JIBRI_PLACEHOLDER_FINALIZE ? { finalizeScript } : {}),
    finalizeTimeoutSec: r.duration('JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT', 0, 7 * 24 * 3600),
    finalizeScriptEnv: readFinalizeScriptEnv(r),
    sessionDiskBytes: r.int('JIBRI_SESSION_DISK_ESTIMATE', 0, 1 << 24) * 1024 * 1024,
  };
}

function readFinalizeScriptEnv(r: Reader): string[] {
  const names = r.list('JIBRI_FINALIZE_RECORDING_SCRIPT_ENV');
  const own = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) r.problems.push(`JIBRI_FINALIZE_RECORDING_SCRIPT_ENV: ${JSON.stringify(name.slice(0, 100))} is not a variable name`);
    else if (own.has(name)) r.problems.push(`JIBRI_FINALIZE_RECORDING_SCRIPT_ENV: ${name} is one of the service's own secrets and is never passed to the finalize script`);
  }
  return names;
}

export function readCall(r: Reader): CallConfig {
  return {
    joinTimeoutSec: r.duration('JIBRI_CALL_JOIN_TIMEOUT', 1, 600),
    emptyTimeoutSec: r.duration('JIBRI_CALL_EMPTY_TIMEOUT', 0, 24 * 3600),
    allMutedTimeoutSec: r.duration('JIBRI_ALL_MUTED_TIMEOUT', 0, 24 * 3600),
    noMediaTimeoutSec: r.duration('JIBRI_NO_MEDIA_TIMEOUT', 0, 24 * 3600),
    iceTimeoutSec: r.duration('JIBRI_ICE_CONNECTION_TIMEOUT', 0, 24 * 3600),
    checkIntervalSec: r.duration('JIBRI_CALL_STATUS_CHECK_INTERVAL', 1, 300),
    usageTimeoutSec: r.duration('JIBRI_HTTP_USAGE_TIMEOUT', 0, 30 * 24 * 3600),
  };
}
