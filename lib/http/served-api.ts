/**
 * What a session's outputs serve while live, each kind as its descriptor says (lib/output/<kind>/kind.ts,
 * `served`): HLS's playlist and segments with its viewer page and the page's scripts, the latest thumbnail. Readers show
 * either the API token (health's full view rules: the bearer token, or anyone on a loopback API without
 * one) or the session's own viewer token (bearer header, or `?token=` for players that cannot set
 * headers). Tokens are compared in constant time and never logged; only names an output writes are
 * served, never any other file.
 */
import { Router, type Request, type Response } from 'express';
import { tokenMatches } from '@jibri-ts/common';
import type { HttpConfig } from '../config';
import type { Logger } from '../log';
import type { ServedAnswer, ServedRoute } from '../output/kind';
import type { Output } from '../output/output';
import { servedKinds } from '../output/outputs';
import type { Recorder } from '../recorder/recorder';
import { bearerToken, detailsAllowed } from './auth';
import { API_BASE, sendError } from './responses';

/** Where viewers find one output's stream, for the start answer and `.../access` (paths on this API). */
export interface ViewerAccess {
  playlist: string;
  /** The bundled viewer page with the token in its #fragment: a link to hand to viewers. */
  viewer: string;
  token: string;
}

/** Pure: the viewer links of a session's outputs, by kind (`{ hls: {...} }`), or undefined when none has any. */
export function viewerAccess(sessionId: string, outputs: readonly Output[]): Record<string, ViewerAccess> | undefined {
  const out: Record<string, ViewerAccess> = {};
  for (const spec of servedKinds()) {
    const viewer = spec.served.viewer;
    const token = viewer ? outputs.find((o) => o.kind === spec.kind)?.served?.viewerToken : undefined;
    if (!viewer || !token) continue;
    const base = `${API_BASE}/sessions/${encodeURIComponent(sessionId)}/${viewer.path}/`;
    out[spec.kind] = { playlist: `${base}${viewer.playlist}`, viewer: `${base}#token=${encodeURIComponent(token)}`, token };
  }
  return Object.keys(out).length ? out : undefined;
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

/** Where the viewer pages' scripts are served (every viewer kind's assets, by name). */
export const VIEWER_ASSETS = '/jibri/viewer';

export function viewerAssetsRouter(): Router {
  const router = Router();
  for (const spec of servedKinds()) {
    for (const asset of spec.served.viewer?.assets ?? []) {
      const body = asset.body();
      router.get(`/${asset.name}`, (_req, res) => {
        res.set('Cache-Control', 'public, max-age=3600').type(asset.type);
        if ('file' in body) res.sendFile(body.file);
        else res.send(body.text);
      });
    }
  }
  return router;
}

const UNAUTHORIZED_API = 'A valid "Authorization: Bearer <token>" header is required (JIBRI_HTTP_API_TOKEN)';

/** Sends what a kind's route answered. */
function send(res: Response, answer: ServedAnswer, log: Logger): void {
  if ('missing' in answer) return void sendError(res, 404, 'NOT_FOUND', answer.missing, answer.retryable ? { retryable: true } : {});
  res.set('Cache-Control', answer.cache).type(answer.type);
  if ('text' in answer) return void res.send(answer.text);
  res.sendFile(answer.file, (err) => {
    if (!err || res.headersSent) return;
    log.warn(`a served file could not be sent: ${err.message}`);
    sendError(res, 404, 'NOT_FOUND', 'No such file (yet)');
  });
}

export function servedFilesRouter(deps: ServedDeps): Router {
  const router = Router();
  const apiReader = detailsAllowed(deps.http);
  const log = deps.log.child({ component: 'http' });

  /** The session's output of that kind, if the request may read it; otherwise the answer is sent. */
  const served = (req: Request, res: Response, kind: string): { output: Output; viaViewerToken: string | undefined } | undefined => {
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
      sendError(res, 404, 'NOT_FOUND', `No running session ${session ? 'with this output' : 'with this id'}`, { hint: 'What an output serves is served while the session records; afterwards it is in its recordings folder' });
      return undefined;
    }
    return { output, viaViewerToken: byViewer ? given : undefined };
  };

  const route = (kind: string, r: ServedRoute): void => {
    router.get(`/sessions/:sessionId/${r.path}`, (req, res) => {
      const found = served(req, res, kind);
      if (!found) return;
      const inQuery = found.viaViewerToken && typeof req.query.token === 'string' ? found.viaViewerToken : undefined;
      r.answer(found.output, req.params as Record<string, string>, inQuery).then(
        (answer) => send(res, answer, log),
        (err: unknown) => void sendError(res, 500, 'INTERNAL', `could not answer: ${String(err)}`),
      );
    });
  };

  for (const spec of servedKinds()) {
    const viewer = spec.served.viewer;
    if (viewer) {
      // The links (the viewer token included), for those holding the API token.
      router.get(`/sessions/:sessionId/${viewer.path}/access`, (req, res) => {
        if (!apiReader(req)) {
          res.set('WWW-Authenticate', 'Bearer');
          return sendError(res, 401, 'UNAUTHORIZED', UNAUTHORIZED_API);
        }
        const session = deps.recorder.getSession(String(req.params.sessionId));
        const access = session ? viewerAccess(session.id, session.outputs)?.[spec.kind] : undefined;
        if (!access) return sendError(res, 404, 'NOT_FOUND', session ? `The session has no ${spec.kind} output` : 'No running session with this id');
        res.set('Cache-Control', 'no-store').json(access);
      });
      // The page holds nothing of the session (the token is in the link's #fragment): open to all. What it
      // plays is beside it, so it is always served under the folder's name with its final slash.
      router.get(`/sessions/:sessionId/${viewer.path}/`, (req, res) => {
        if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${req.baseUrl}${req.path.replace(/\/?$/, '/')}`);
        res.set('Content-Security-Policy', viewer.csp).set('Cache-Control', 'no-cache').type('html').send(viewer.page(VIEWER_ASSETS));
      });
    }
    for (const r of spec.served.routes) route(spec.kind, r);
  }
  return router;
}
