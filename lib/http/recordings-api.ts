/**
 * The recordings, for whoever takes them off the recorder (the on-demand fleet; JIBRI_RECORDINGS_HANDOFF):
 *   GET    /recordings                          running sessions with a file (state `recording`) and every
 *                                               recording the upload queue knows, with its state and files
 *   GET    /recordings/{id}/files/{name}        a file of an announced recording (its media, metadata.json,
 *                                               manifest.json, an HLS playlist)
 *   DELETE /recordings/{id}                     takes an announced recording: its local copy goes (409 while
 *                                               it is still on its way)
 * A recording is the meeting itself: these answer only a request that may read session details (the
 * token, or an API on loopback without one, lib/http/auth.ts), as health's full view and the SSE
 * stream's recording events do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config';
import { jobId } from '../delivery/job';
import type { RecordingEntry } from '../delivery/listing';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import { redactDeep } from '../redact';
import { detailsAllowed } from './auth';
import { sendError } from './responses';

/** What the routes read of the delivery worker. */
export interface RecordingsSource {
  recordings(): RecordingEntry[];
  announcedFile(id: string, name: string): string | undefined;
  take(id: string): { ok: true; removed: number } | { ok: false; why: 'unknown' | 'pending' };
}

interface RecordingsDeps {
  config: Config;
  recorder: Recorder;
  delivery: RecordingsSource;
  log: Logger;
  auth?: (req: Request, res: Response, next: NextFunction) => void;
}

const TYPES: Record<string, string> = { '.mp4': 'video/mp4', '.m4a': 'audio/mp4', '.json': 'application/json', '.m3u8': 'application/vnd.apple.mpegurl' };

/** Pure: the running sessions that write a file, as entries of the list (their job id is the one the queue will give them). */
export function recordingSessions(sessions: ReadonlyArray<{ sessionId: string; meetingUrl: string; sinkType: 'file' | 'stream'; startedAt: string; mediaFile?: string; state: string }>): RecordingEntry[] {
  return sessions
    .filter((s): s is typeof s & { mediaFile: string } => Boolean(s.mediaFile) && (s.state === 'starting' || s.state === 'recording' || s.state === 'stopping'))
    .map((s) => ({ id: jobId(s.sessionId, s.mediaFile), sessionId: s.sessionId, meetingUrl: s.meetingUrl, sinkType: s.sinkType, startedAt: s.startedAt, state: 'recording', target: 'local', attempts: 0, files: [{ name: path.basename(s.mediaFile), role: 'media' }] }));
}

export function recordingsRouter(deps: RecordingsDeps): Router {
  const router = Router();
  const log = deps.log.child({ component: 'http' });
  const mayRead = detailsAllowed(deps.config.http);
  const guarded = [
    ...(deps.auth ? [deps.auth] : []),
    (req: Request, res: Response, next: NextFunction): void => {
      if (mayRead(req)) return next();
      sendError(res, 403, 'FORBIDDEN', 'Recordings are served only with the API token (JIBRI_HTTP_API_TOKEN), or on a loopback API without one');
    },
  ];

  router.get('/recordings', ...guarded, (_req, res) => {
    const queued = deps.delivery.recordings();
    const known = new Set(queued.map((r) => r.id));
    const running = recordingSessions(deps.recorder.snapshot().sessions).filter((r) => !known.has(r.id));
    res.json(redactDeep({ recordings: [...running, ...queued] }));
  });

  router.get('/recordings/:id/files/{*name}', ...guarded, (req, res) => {
    const id = String(req.params.id);
    const name = ([] as string[]).concat((req.params as { name?: string | string[] }).name ?? []).join('/');
    const file = deps.delivery.announcedFile(id, name);
    if (!file) return sendError(res, 404, 'NOT_FOUND', 'No such file of a recording that is ready');
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return sendError(res, 404, 'NOT_FOUND', 'The file is gone from the recordings folder');
    }
    res.status(200).set({ 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': String(size), 'cache-control': 'no-store' });
    const stream = fs.createReadStream(file);
    stream.on('error', (err) => {
      log.warn(`serving ${path.basename(file)} of ${id} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      res.destroy();
    });
    stream.pipe(res);
  });

  router.delete('/recordings/:id', ...guarded, (req, res) => {
    const taken = deps.delivery.take(String(req.params.id));
    if (taken.ok) return void res.status(200).json({ taken: true, removed: taken.removed });
    if (taken.why === 'unknown') return sendError(res, 404, 'NOT_FOUND', 'No such recording');
    sendError(res, 409, 'NOT_READY', 'The recording is still on its way (finalizing, uploading or announcing): take it once it is ready');
  });

  return router;
}
