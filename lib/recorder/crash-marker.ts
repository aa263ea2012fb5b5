/**
 * The crash-marker protocol, whole. A session that writes a file leaves a marker in
 * `<recordings>/.jibri-ts-state/` from its start until its files are finalized, and touches it while its
 * process owns the recording (finalize script included). A marker whose owner is gone marks a leftover:
 * a recording whose service died before finalizing it (lib/recorder/leftovers.ts finalizes it), and a
 * recording whose marker is still there is not finalized yet (lib/delivery waits for it). The marker
 * lives outside the session folder so that finalize scripts that upload the folder never see it.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileTimestamp, sessionDirName } from '../output/file-layout';

export const STATE_DIR = '.jibri-ts-state';

/** What a session writes beside its recording while it runs; a leftover is found by this file. */
export interface CrashMarker {
  sessionId: string;
  meetingUrl: string;
  mediaFile: string;
  metadata: Record<string, unknown>;
  startedAt: string;
  /** A stream's local copy or a file recording (absent in markers of older versions: a file). */
  sinkType?: 'file' | 'stream';
  /** The service that owns the session; a leftover is one whose owner is gone. */
  pid: number;
  /**
   * Which process incarnation on which host wrote it. Recorders that share one recordings volume
   * (containers, pods) see each other's markers, and a pid means nothing outside its own namespace.
   */
  host?: string;
  owner?: string;
  encoderPid?: number;
}

/** Identifies this process among every recorder that shares a recordings folder, across restarts. */
export const PROCESS_OWNER = crypto.randomUUID();

/** How often a running session touches its marker, and after how long without a touch its owner counts as gone. */
export const HEARTBEAT_MS = 10000;
export const HEARTBEAT_STALE_MS = 45000;

/** The marker of a session: its folder's name and its start time, as its media file is stamped. */
export function markerPath(recordingsDir: string, sessionId: string, startedAt: Date): string {
  return path.join(recordingsDir, STATE_DIR, `${sessionDirName(sessionId)}_${fileTimestamp(startedAt)}.json`);
}

/** The marker of a recording found by its media file (`<session folder>/<call>_<stamp>.mp4`). */
export function markerOfMediaFile(recordingsDir: string, mediaFile: string): string {
  const stamp = /(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})\.[^.]+$/.exec(path.basename(mediaFile))?.[1] ?? '';
  return path.join(recordingsDir, STATE_DIR, `${path.basename(path.dirname(mediaFile))}_${stamp}.json`);
}

/** Written to a temporary file and renamed, so a reader never sees half a marker. */
export function writeMarker(file: string, marker: CrashMarker): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(marker));
  fs.renameSync(tmp, file);
}

export function readMarker(file: string): CrashMarker | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as CrashMarker;
    return typeof v.sessionId === 'string' && typeof v.mediaFile === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The markers in a recordings folder (none when it has no marker folder yet). */
export function listMarkers(recordingsDir: string): string[] {
  const dir = path.join(recordingsDir, STATE_DIR);
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export function removeMarker(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * Touches the marker while this process owns the recording, finalize script included, so that a
 * recorder sharing the folder never takes a live recording for a leftover.
 */
export class MarkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  start(): void {
    this.timer ??= setInterval(() => {
      const now = new Date();
      fs.utimes(this.file, now, now, () => undefined);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface MarkerView {
  state: CrashMarker;
  /** When the owner last touched the marker (ms since the epoch). */
  touchedAt: number;
}

/**
 * Whether a marker's owner is gone. A pid is only meaningful on the host (and pid namespace) that wrote
 * it, and may have been reused there, so it can prove death but never life; life is the heartbeat.
 */
export function ownerGone(m: MarkerView, here: { host: string; owner: string; now: number; alive: (pid: number) => boolean }): boolean {
  const { state } = m;
  if (state.owner === here.owner) return false;
  const sameHost = (state.host ?? here.host) === here.host;
  if (sameHost && !here.alive(state.pid)) return true;
  return here.now - m.touchedAt > HEARTBEAT_STALE_MS;
}
