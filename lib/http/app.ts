/**
 * The Express app of the HTTP API (no listen here: compose() does that, specs use it directly).
 * Jibri's routes under /jibri/api/v1.0, bearer-token auth when configured, and one place that turns
 * RecorderError codes into HTTP statuses. Every error answer is JSON and names what was wrong.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import type { RecorderMetrics } from '../status/metrics';
import type { RecordingEventSource } from '../status/sse';
import { jibriApiRouter } from './jibri-api';
import { servedFilesRouter, VIEWER_ASSETS, viewerAssetsRouter } from './served-api';
import { recordingsRouter, type RecordingsSource } from './recordings-api';
import { sessionsRouter } from './sessions-api';
import { guardStateChanges } from './request-guard';
import { requireToken } from './auth';
import { API_BASE, MAX_BODY, httpStatusOf, sendError } from './responses';

export interface AppDeps {
  config: Config;
  recorder: Recorder;
  log: Logger;
  /** Present with JIBRI_ENABLE_PROMETHEUS: GET /metrics, open like health (scrapers carry no token). */
  metrics?: RecorderMetrics;
  /** The delivery worker's ready events, for the SSE stream's `event: recording`. */
  recordings?: RecordingEventSource;
  /** The delivery worker's recordings, for GET /recordings and their hand-off. */
  delivery?: RecordingsSource;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Before any body is read: cross-site browser requests and bodies that are not JSON go no further.
  app.use(guardStateChanges(deps.log));
  app.use(express.json({ limit: MAX_BODY, type: 'application/json', strict: false }));
  const auth = deps.config.http.token ? requireToken(deps.config.http.token) : undefined;
  app.use(API_BASE, jibriApiRouter({ ...deps, ...(auth ? { auth } : {}) }));
  app.use(API_BASE, servedFilesRouter({ http: deps.config.http, recorder: deps.recorder, log: deps.log }));
  app.use(VIEWER_ASSETS, viewerAssetsRouter());
  app.use(API_BASE, sessionsRouter({ ...deps, ...(auth ? { auth } : {}) }));
  if (deps.delivery) app.use(API_BASE, recordingsRouter({ ...deps, delivery: deps.delivery, ...(auth ? { auth } : {}) }));
  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', (req: Request, res: Response) => {
      const out = metrics.render(req.get('accept'));
      if (!out) return sendError(res, 406, 'NOT_ACCEPTABLE', 'Ask for application/openmetrics-text, text/plain or application/json');
      res.type(out.contentType).send(out.body);
    });
  }
  app.use((_req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', 'No such endpoint'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'BODY_TOO_LARGE', `The body is larger than ${MAX_BODY}`);
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', 'The body is not valid JSON', { field: '(body)' });
    if (e.status && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'BAD_REQUEST', e.message ?? 'Bad request');
    if (err instanceof RecorderError) return sendError(res, httpStatusOf(err), err.code, err.describe());
    deps.log.error(`HTTP handler failed: ${e.message ?? String(err)}`, { component: 'http' });
    return sendError(res, 500, 'INTERNAL', 'Internal error');
  });
  return app;
}
