/**
 * What a session serves while live: its HLS playlist and segments, the bundled viewer page, and its
 * latest thumbnail. Readers show either the API token (health's full view rules: the bearer token, or
 * anyone on a loopback API without one) or the session's own viewer token (bearer header, or `?token=`
 * for players that cannot set headers). Tokens are compared in constant time and never logged; only
 * names the output writes are served (hls-files.ts, thumbnails.ts), never any other file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { HttpConfig } from '../config';
import type { Logger } from '../log';
import { playlistWithToken, servedHlsFile } from '../output/hls/hls-files';
import type { Output } from '../output/output';
import { latestThumbnail } from '../output/thumbnails/thumbnails';
import type { Recorder } from '../recorder/recorder';
import { bearerToken, detailsAllowed } from './auth';
import { tokenMatches } from '@jibri-ts/common';
import { API_BASE, sendError } from './responses';
import { VIEWER_ASSETS, VIEWER_CSP, viewerPage, viewerScript } from './viewer-page';

/** Where a session's HLS is, for the start answer and the session's status (paths on this API). */
export interface HlsAccess {
  playlist: string;
  /** The bundled viewer page with the token in its #fragment: a link to hand to viewers. */
  viewer: string;
  token: string;
}

/** Pure: the HLS links of a session, or undefined when it has no HLS output. */
export function hlsAccess(sessionId: string, outputs: readonly Output[]): HlsAccess | undefined {
  const token = outputs.find((o) => o.kind === 'hls')?.served?.viewerToken;
  if (!token) return undefined;
  const base = `${API_BASE}/sessions/${encodeURIComponent(sessionId)}/hls/`;
  return { playlist: `${base}index.m3u8`, viewer: `${base}#token=${encodeURIComponent(token)}`, token };
}

/** Pure: the viewer token a request carries, from `Authorization: Bearer` or the `token` query. */
export function viewerTokenOf(req: Pick<Request, 'query'> & { get(name: string): string | undefined }): string | undefined {
  return bearerToken(req.get('authorization')) ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
}

interface ServedDeps {
  http: HttpConfig;
  recorder: Pick<Recorder, 'getSession'>;
  log: Logger;
}

/** hls.js from the installed package; the path is resolved once, at start. */
function hlsScriptPath(): string {
  return require.resolve('hls.js/dist/hls.min.js');
}

export function viewerAssetsRouter(): Router {
  const router = Router();
  const hlsJs = hlsScriptPath();
  router.get('/hls.min.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/javascript').sendFile(hlsJs);
  });
  router.get('/viewer.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/javascript').send(viewerScript());
  });
  return router;
}

export { VIEWER_ASSETS };

export function servedFilesRouter(deps: ServedDeps): Router {
  const router = Router();
  const apiReader = detailsAllowed(deps.http);
  const log = deps.log.child({ component: 'http' });

  /** The session's output of that kind, if the request may read it; otherwise the answer is sent. */
  const served = (req: Request, res: Response, kind: 'hls' | 'thumbnails'): { output: Output; viaViewerToken: string | undefined } | undefined => {
    const session = deps.recorder.getSession(String(req.params.sessionId));
    const output = session?.outputs.find((o) => o.kind === kind);
    const viewerToken = output?.served?.viewerToken;
    const given = viewerTokenOf(req);
    // Tokens are compared as digests (tokenMatches): the timing says nothing of how close a guess was.
    const byApi = apiReader(req);
    const byViewer = Boolean(given && viewerToken && tokenMatches(given, viewerToken));
    if (!byApi && !byViewer) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'UNAUTHORIZED', 'The API token or the session\'s viewer token is required (Authorization: Bearer <token>)');
      return undefined;
    }
    if (!session || !output?.served) {
      sendError(res, 404, 'NOT_FOUND', `No running session ${session ? 'with this output' : 'with this id'}`, { hint: 'HLS and thumbnails are served while the session records; afterwards they are in its recordings folder' });
      return undefined;
    }
    return { output, viaViewerToken: byViewer ? given : undefined };
  };

  // The session's HLS links (the viewer token included) for those holding the API token.
  router.get('/sessions/:sessionId/hls/access', (req, res) => {
    if (!apiReader(req)) {
      res.set('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, 'UNAUTHORIZED', 'A valid "Authorization: Bearer <token>" header is required (JIBRI_HTTP_API_TOKEN)');
    }
    const session = deps.recorder.getSession(String(req.params.sessionId));
    const access = session ? hlsAccess(session.id, session.outputs) : undefined;
    if (!access) return sendError(res, 404, 'NOT_FOUND', session ? 'The session has no HLS output' : 'No running session with this id');
    res.set('Cache-Control', 'no-store').json(access);
  });

  // The page holds nothing of the session (the token is in the link's #fragment): open to all. Its
  // playlist is beside it, so it is always served under the folder's name with its final slash.
  router.get('/sessions/:sessionId/hls/', (req, res) => {
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${req.baseUrl}${req.path.replace(/\/?$/, '/')}`);
    res.set('Content-Security-Policy', VIEWER_CSP).set('Cache-Control', 'no-cache').type('html').send(viewerPage());
  });

  router.get('/sessions/:sessionId/hls/:file', (req, res) => {
    const what = servedHlsFile(String(req.params.file));
    if (!what) return sendError(res, 404, 'NOT_FOUND', 'No such HLS file');
    const found = served(req, res, 'hls');
    if (!found) return;
    const file = path.join(found.output.served!.dir, String(req.params.file));
    res.set('Cache-Control', what === 'playlist' ? 'no-cache' : 'private, max-age=3600');
    if (what === 'segment') {
      return res.type('video/mp2t').sendFile(file, (err) => {
        if (err && !res.headersSent) sendError(res, 404, 'NOT_FOUND', 'No such segment (yet)');
      });
    }
    fs.readFile(file, 'utf8', (err, text) => {
      if (err) return sendError(res, 404, 'NOT_FOUND', 'The playlist is not written yet: the first segment takes a few seconds', { retryable: true });
      // A viewer that came with ?token= gets it on each segment too (Safari's HLS cannot set headers).
      const body = found.viaViewerToken && typeof req.query.token === 'string' ? playlistWithToken(text, found.viaViewerToken) : text;
      res.type('application/vnd.apple.mpegurl').send(body);
    });
  });

  router.get('/sessions/:sessionId/thumbnail.jpg', (req, res) => {
    const found = served(req, res, 'thumbnails');
    if (!found) return;
    const dir = found.output.served!.dir;
    fs.readdir(dir, (err, names) => {
      const latest = err ? undefined : latestThumbnail(names);
      if (!latest) return sendError(res, 404, 'NOT_FOUND', 'No thumbnail yet: the first is taken as the recording starts', { retryable: true });
      res.set('Cache-Control', 'no-cache').type('image/jpeg').sendFile(path.join(dir, latest), (e) => {
        if (e && !res.headersSent) {
          log.warn(`thumbnail could not be sent: ${e.message}`);
          sendError(res, 404, 'NOT_FOUND', 'No thumbnail yet');
        }
      });
    });
  });

  return router;
}
