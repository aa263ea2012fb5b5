/**
 * Recordings whose service died before finalizing them (SIGKILL, power loss). Their fragmented MP4 is
 * playable up to the last second written; at the next start they are finalized like any other:
 * rewritten, given a metadata.json, and handed to the finalize script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { STATE_DIR } from '../output/file-layout';
import { finalizeRecording, readStateFile } from './finalize';

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number | undefined, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

/** Finalizes every leftover whose owning service is gone; returns the session folders it finalized. */
export async function finalizeLeftovers(config: Config, log: Logger): Promise<string[]> {
  const stateDir = path.join(config.recording.dir, STATE_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(stateDir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const stateFile = path.join(stateDir, name);
    const state = readStateFile(stateFile);
    if (!state) {
      log.warn(`ignoring an unreadable session marker ${stateFile}`, { component: 'leftovers' });
      continue;
    }
    if (state.pid !== process.pid && alive(state.pid)) continue;
    // An encoder that outlived its service got SIGINT and may still be closing the file.
    await waitForExit(state.encoderPid, 15000);
    const sessionDir = path.dirname(state.mediaFile);
    const slog = log.child({ sessionId: state.sessionId });
    slog.info(`finalizing a recording left by a service that stopped unexpectedly: ${state.mediaFile}`, { component: 'leftovers' });
    await finalizeRecording({
      sessionDir,
      mediaFile: state.mediaFile,
      metadataFile: path.join(sessionDir, 'metadata.json'),
      stateFile,
      meetingUrl: state.meetingUrl,
      participants: [],
      metadata: state.metadata ?? {},
      ffmpegBinary: config.ffmpegPath,
      ...(config.recording.finalizeScript ? { finalizeScript: config.recording.finalizeScript } : {}),
      finalizeTimeoutSec: config.recording.finalizeTimeoutSec,
      log: slog,
    });
    done.push(sessionDir);
  }
  return done;
}
