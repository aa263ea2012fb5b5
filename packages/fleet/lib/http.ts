/**
 * The fleet's HTTP server: /health, the customers' API (customer-api.ts: the seed's POST /deploy-recorder
 * and the rest, by API key), GET /metrics, the operator's admin API under /admin (admin-api.ts, its own
 * token), and the dashboard's pages under /dashboard (dashboard/, with its own sessions and CSRF tokens).
 * Every endpoint but /health is rate limited per client address (429 in the seed's envelope); an API key
 * in the URL is refused.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { tokenMatches, type Logger } from '@jibri-ts/common';
import { AdminError, type FleetAdmin } from './admin';
import { adminRouter } from './admin-api';
import type { FleetConfig } from './config';
import { customerRouter, retryIn } from './customer-api';
import type { DeliveryAdmin } from './delivery-admin';
import type { Deployer } from './deployer';
import { reply } from './envelope';
import type { FleetMetrics } from './metrics';
import type { RecordingsDeps } from './recordings-api';
import type { FleetStore } from './store';

export interface FleetAppDeps {
  config: FleetConfig;
  store: FleetStore;
  deployer: Deployer;
  admin: FleetAdmin;
  log: Logger;
  /** The customers' and operators' web pages, under /dashboard. */
  dashboard?: { router: express.Router };
  /** GET /metrics (with the metrics or the admin token); counts the refusals of /deploy-recorder. */
  metrics?: FleetMetrics;
  /** Each domain's delivery settings (admin API). */
  deliveries?: DeliveryAdmin;
  /** The account's recordings (GET /recordings and their downloads). */
  recordings?: RecordingsDeps;
}

export function createFleetApp(deps: FleetAppDeps): express.Express {
  const { store, deployer, config, metrics } = deps;
  const log = deps.log.child({ component: 'fleet-api' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  // For container health checks and load balancers: the server answers and its database is readable.
  app.get('/health', (_req: Request, res: Response) => {
    store.deploymentsIn(['deploying']);
    reply(res, 200, deployer.maintenance ? 'maintenance' : 'ok');
  });

  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: config.addressRateLimit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
      handler: (req, res) => {
        if (req.path === '/deploy-recorder') metrics?.refused('rate_limited');
        reply(res, 429, `too many requests from this address: at most ${config.addressRateLimit} a minute; retry in ${retryIn(req)} s`);
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(express.json({ limit: '64kb' }));

  // A key in the URL is refused with why, before anything reads it (it already travelled in clear text in logs).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.query.apiKey === undefined || req.path.startsWith('/dashboard')) return next();
    reply(res, 400, 'apiKey in the URL is not accepted (URLs end up in logs): send it in the body as apiKey, or in an x-api-key or Authorization: Bearer header; and, since it has been in a URL, generate a new key');
  });

  app.use(customerRouter({ ...deps, log }));

  // Prometheus: the fleet's totals (metrics.ts), for the metrics token or the admin token.
  app.get('/metrics', (req: Request, res: Response) => {
    const token = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
    const allowed = [config.metricsToken, config.adminToken].filter((t): t is string => !!t);
    if (!metrics || !allowed.length) return reply(res, 404, 'metrics are off: set JIBRI_FLEET_METRICS_TOKEN and scrape with it as a bearer token');
    if (!token || !allowed.some((t) => tokenMatches(token, t))) return reply(res, 401, 'metrics token required (Authorization: Bearer $JIBRI_FLEET_METRICS_TOKEN)');
    res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });

  app.use('/admin', adminRouter(deps));

  if (deps.dashboard) {
    app.use('/dashboard', deps.dashboard.router);
    app.get('/', (_req, res) => res.redirect(303, '/dashboard/'));
  }

  app.use((_req: Request, res: Response) => reply(res, 404, 'no such endpoint'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AdminError) return reply(res, err.status, err.message);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return reply(res, 400, 'the body is not valid JSON');
    if (e.type === 'entity.too.large') return reply(res, 413, 'the body is too large');
    log.error(`request failed: ${e.message ?? String(err)}`);
    reply(res, 500, 'internal error; it has been logged');
  });
  return app;
}
