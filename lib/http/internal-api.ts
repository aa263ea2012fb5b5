/**
 * Jibri's internal HTTP API (loopback only, no token, as Jibri): the three lifecycle requests. Each is
 * answered 200 before anything happens, so the caller (a preStop hook, reload.sh) is never left waiting
 * on a process that is about to exit. Jibri's scripts POST without a body; a web page that tries to
 * (a cross-site browser request) is refused by the request guard. With JIBRI_HTTP_API_INTERNAL_AUTH it
 * takes the HTTP API's token too: the fleet runs many customers' recorders on one host, and none may
 * end another's.
 */
import express, { type Request, type Response } from 'express';
import type { ExitRequest, Lifecycle } from '../lifecycle';
import type { Logger } from '../log';
import { requireToken } from './auth';
import { guardStateChanges } from './request-guard';
import { sendError } from './responses';

export const INTERNAL_API_BASE = '/jibri/api/internal/v1.0';

const ROUTES: readonly ExitRequest[] = ['gracefulShutdown', 'notifyConfigChanged', 'shutdown'];

export function createInternalApp(lifecycle: Lifecycle, log?: Logger, token?: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(guardStateChanges(log));
  const guarded = token ? [requireToken(token)] : [];
  for (const name of ROUTES) {
    app.post(`${INTERNAL_API_BASE}/${name}`, ...guarded, (_req: Request, res: Response) => {
      res.status(200).end();
      res.once('finish', () => lifecycle.request(name));
    });
  }
  app.use((_req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', `No such endpoint; POST ${INTERNAL_API_BASE}/{${ROUTES.join(',')}}`));
  return app;
}
