/**
 * Finalizing a recording, the same way for a session that just ended and for a leftover found at start:
 * rewrite the crash-safe fragmented MP4 as an ordinary one, write metadata.json, run the finalize script
 * with the session folder as its only argument (killed after a timeout), then drop the state marker.
 * When metadata.json cannot be written (a full disk), the script is not run and the marker stays: the
 * recording is finalized again once the folder takes writes (by the recorder, or at the next start).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import { writeFileAtomically } from '../output/atomic-file';
import { cutTornTail } from '../output/torn-tail';
import { remuxArgv } from '../pipeline/encoder/ffmpeg-args';
import { childEnv } from '../proc/child-env';
import { runToEnd, startProcess } from '../proc/runner';
import { removeMarker } from './crash-marker';

/**
 * Rewrites the file in place as an ordinary MP4 (index first). On any failure the fragmented file stays:
 * it plays as it is, and losing it to a failed rewrite would be worse than keeping its format.
 */
export async function remuxInPlace(ffmpegBinary: string, mediaFile: string, log: Logger): Promise<boolean> {
  const tmp = path.join(path.dirname(mediaFile), `.remux-${path.basename(mediaFile)}`);
  const r = await runToEnd(ffmpegBinary, remuxArgv(mediaFile, tmp), { timeoutMs: 30 * 60 * 1000 });
  if (r.code !== 0 || !fs.existsSync(tmp) || fs.statSync(tmp).size === 0) {
    fs.rmSync(tmp, { force: true });
    log.warn(`kept the fragmented MP4 as it is; rewriting it failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0] ?? ''}`, { component: 'finalize' });
    return false;
  }
  fs.renameSync(tmp, mediaFile);
  return true;
}

/** A write cut by a full disk or a dead machine leaves a torn last fragment, which makes the whole file unreadable. */
function dropTornTail(mediaFile: string, log: Logger): void {
  try {
    const cut = cutTornTail(mediaFile);
    if (cut > 0) log.warn(`the recording's last write was cut (a full disk or a crash): dropped its torn last ${cut} bytes so that the rest plays`, { component: 'finalize' });
  } catch (err) {
    log.warn(`could not check the recording's last fragment: ${(err as Error).message}`, { component: 'finalize' });
  }
}

export function writeMetadata(file: string, meetingUrl: string, participants: unknown[], extra: Record<string, unknown>): void {
  // The request's metadata goes at the top level, as Jibri's; the recorder's own keys win a clash.
  const body = { ...extra, meeting_url: meetingUrl, participants };
  try {
    writeFileAtomically(file, `${JSON.stringify(body, null, 2)}\n`);
  } catch (err) {
    throw new RecorderError({
      code: (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'DISK_FULL' : 'METADATA_WRITE_FAILED',
      scope: 'system',
      message: `Could not write meeting metadata: ${(err as Error).message}`,
      hint: 'Check free space and permissions of JIBRI_RECORDING_DIR',
    });
  }
}

/**
 * How to start the script: as it is, or through sh when it has no executable bit (docker-jitsi-meet makes
 * a finalize script under /config executable itself; a read-only /config cannot be changed here).
 */
export function finalizeCommand(script: string, sessionDir: string, executable: (file: string) => boolean): { command: string; args: string[] } {
  return executable(script) ? { command: script, args: [sessionDir] } : { command: '/bin/sh', args: [script, sessionDir] };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the finalize script; never throws: its failures are logged and the service goes on. It gets what
 * Jibri gives it, the session folder as its only argument, and an environment without the service's
 * secrets: the allow-list of lib/proc/child-env.ts plus the variables the operator named for it.
 */
export async function runFinalizeScript(script: string, sessionDir: string, timeoutSec: number, log: Logger, envNames: readonly string[] = []): Promise<void> {
  const { command, args } = finalizeCommand(script, sessionDir, (f) => !fs.existsSync(f) || isExecutable(f));
  log.info(`running finalize script ${command === script ? '' : `${command} `}${script} ${sessionDir}`, { component: 'finalize' });
  const child = startProcess('finalize', command, args, { parentDeathSignal: 'TERM', env: childEnv({}, envNames) });
  child.on('line', (line: string) => log.info(`finalize: ${line}`, { component: 'finalize' }));
  child.on('spawn-error', (err: Error) => log.error(`finalize script could not start: ${err.message}`, { component: 'finalize' }));
  let timedOut = false;
  const timer =
    timeoutSec > 0
      ? setTimeout(() => {
          timedOut = true;
          log.error(`finalize script still running after ${timeoutSec} s; killing it`, { component: 'finalize' });
          void child.stop('SIGTERM', 5000);
        }, timeoutSec * 1000)
      : undefined;
  const exit = await child.exited;
  if (timer) clearTimeout(timer);
  if (!timedOut) log.info(`finalize script ended with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`, { component: 'finalize' });
}

export interface FinalizeInput {
  sessionDir: string;
  mediaFile: string;
  metadataFile: string;
  /** The session's crash marker (lib/recorder/crash-marker.ts), dropped once the files are final. */
  markerFile: string;
  meetingUrl: string;
  participants: unknown[];
  metadata: Record<string, unknown>;
  ffmpegBinary: string;
  finalizeScript?: string;
  finalizeTimeoutSec: number;
  /** JIBRI_FINALIZE_RECORDING_SCRIPT_ENV: further variables the script gets. */
  finalizeScriptEnv?: readonly string[];
  log: Logger;
}

/**
 * Returns an error only for a metadata write failure: then the finalize script is not run and the state
 * marker stays, so the recording is finalized again later. The recording itself is never deleted, except
 * an empty session folder when no media was made at all (as Jibri does).
 */
export async function finalizeRecording(input: FinalizeInput): Promise<RecorderError | undefined> {
  const { log } = input;
  const hasMedia = fs.existsSync(input.mediaFile) && fs.statSync(input.mediaFile).size > 0;
  if (!hasMedia) {
    fs.rmSync(input.mediaFile, { force: true });
    removeMarker(input.markerFile);
    try {
      fs.rmdirSync(input.sessionDir);
    } catch {
      // Not empty: earlier recordings of the same session id live there.
    }
    log.warn('no media was recorded; nothing to finalize', { component: 'finalize' });
    return undefined;
  }
  dropTornTail(input.mediaFile, log);
  await remuxInPlace(input.ffmpegBinary, input.mediaFile, log);
  try {
    writeMetadata(input.metadataFile, input.meetingUrl, input.participants, input.metadata);
  } catch (err) {
    const error = err as RecorderError;
    log.error(`${error.message}; the finalize script is not run until metadata.json is written`, { component: 'finalize' });
    return error;
  }
  if (input.finalizeScript) await runFinalizeScript(input.finalizeScript, input.sessionDir, input.finalizeTimeoutSec, log, input.finalizeScriptEnv);
  // Last, so that a service that dies during the script runs it again at its next start.
  removeMarker(input.markerFile);
  return undefined;
}
