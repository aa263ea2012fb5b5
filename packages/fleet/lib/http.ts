/**
 * The fleet's HTTP API: the seed's POST /deploy-recorder (form or JSON, its envelope and codes), GET
 * /balance, GET and DELETE /deployments/:id, the account's recordings (recordings-api.ts), the admin API
 * under /admin with its own token (a domain's delivery: delivery-api.ts), and the dashboard's pages under /dashboard (dashboard/, with its own sessions and CSRF tokens). Every
 * endpoint but /health is rate limited per client address, the customer endpoints per API key too (429
 * in the seed's envelope). A callback_url the outbound guard refuses is a 400 before anything happens.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { tokenMatches, type Logger } from '@jibri-ts/common';
import { AdminError, type FleetAdmin } from './admin';
import type { FleetConfig } from './config';
import { parseDeployRequest } from './deploy-request';
import { deliveryAdminRouter } from './delivery-api';
import type { DeliveryAdmin } from './delivery-admin';
import { FleetError, type Deployer } from './deployer';
import { reply } from './envelope';
import { hashKey } from './keys';
import type { FleetMetrics, RefusalReason } from './metrics';
import { OutboundRefused, OutboundUnresolved, resolveChecked } from './outbound-guard';
import { ledgerWithUsage } from './recording-view';
import { recordingsRouter, type RecordingsDeps } from './recordings-api';
import type { Account, FleetStore } from './store';

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
  const { store, deployer, admin, config, metrics } = deps;
  /** A refusal of /deploy-recorder, counted by reason for /metrics. */
  const refuse = (res: Response, reason: RefusalReason, status: number, message: string, extra: Record<string, unknown> = {}): void => {
    metrics?.refused(reason);
    reply(res, status, message, extra);
  };
  const log = deps.log.child({ component: 'fleet-api' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  // For container health checks and load balancers: the server answers and its database is readable.
  app.get('/health', (_req: Request, res: Response) => {
    store.deploymentsIn(['deploying']);
    reply(res, 200, deployer.maintenance ? 'maintenance' : 'ok');
  });

  const minute = 60_000;
  const retryIn = (req: Request): number => Math.max(1, Math.ceil(((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + minute) - Date.now()) / 1000);
  app.use(
    rateLimit({
      windowMs: minute,
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

  /**
   * The key from the body (the seed's way), x-api-key or a bearer header. Never from the query string:
   * URLs end up in proxies' and servers' access logs and in browser histories.
   */
  const keyOf = (req: Request): string | undefined => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    return [body.apiKey, req.get('x-api-key'), bearer].find((k): k is string => typeof k === 'string' && k.trim() !== '')?.trim();
  };
  // A key in the URL is refused with why, before anything reads it (it already travelled in clear text in logs).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.query.apiKey === undefined || req.path.startsWith('/dashboard')) return next();
    reply(res, 400, 'apiKey in the URL is not accepted (URLs end up in logs): send it in the body as apiKey, or in an x-api-key or Authorization: Bearer header; and, since it has been in a URL, generate a new key');
  });
  const accountOf = (req: Request): Account | undefined | null => {
    const key = keyOf(req);
    if (!key) return null;
    return store.accountByKeyHash(hashKey(key));
  };
  // Per key, whether the key is valid or not: a stolen key cannot be used to hammer the API either. Keyed by its digest.
  const perKey = rateLimit({
    windowMs: minute,
    limit: config.keyRateLimit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => !keyOf(req),
    keyGenerator: (req) => hashKey(keyOf(req) ?? ''),
    handler: (req, res) => {
      if (req.path === '/deploy-recorder') metrics?.refused('rate_limited');
      reply(res, 429, `too many requests for this API key: at most ${config.keyRateLimit} a minute; retry in ${retryIn(req)} s`);
    },
  });

  app.post('/deploy-recorder', perKey, async (req: Request, res: Response) => {
    if (deployer.maintenance) return refuse(res, 'maintenance', 503, 'the service is down for planned maintenance; try again later');
    const account = accountOf(req);
    if (account === null) return refuse(res, 'unauthorized', 401, 'missing API Key');
    if (!account) return refuse(res, 'unauthorized', 401, 'invalid API Key');
    const parsed = parseDeployRequest({ ...((req.body ?? {}) as object), apiKey: keyOf(req) });
    if (!parsed.ok) {
      const first = parsed.errors[0]!;
      return refuse(res, 'invalid', 400, `${first.field} ${first.message}`, { field: first.field, errors: parsed.errors });
    }
    // The callback goes where the customer says only if the outbound guard lets it: checked now, and again at each delivery.
    const callback = new URL(parsed.request.callbackUrl);
    try {
      await resolveChecked('callback_url', callback.hostname, Number(callback.port || (callback.protocol === 'https:' ? 443 : 80)), config.callbackAllowedHosts);
    } catch (err) {
      if (err instanceof OutboundRefused) log.warn(`account ${account.id}: refused ${err.detail}`);
      if (err instanceof OutboundRefused || err instanceof OutboundUnresolved) return refuse(res, 'callback_refused', 400, err.message, { field: 'callback_url' });
      throw err;
    }
    try {
      const { deployment, balance } = deployer.deploy(account, parsed.request);
      reply(res, 200, 'your deployment will join your jitsi soon', { balance, deployment_id: deployment.id });
    } catch (err) {
      if (err instanceof FleetError) return refuse(res, err.status === 402 ? 'balance' : err.status === 429 ? 'failed_deploys' : 'domain', err.status, err.message);
      throw err;
    }
  });

  // Prometheus: the fleet's totals (metrics.ts), for the metrics token or the admin token.
  app.get('/metrics', (req: Request, res: Response) => {
    const token = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
    const allowed = [config.metricsToken, config.adminToken].filter((t): t is string => !!t);
    if (!metrics || !allowed.length) return reply(res, 404, 'metrics are off: set JIBRI_FLEET_METRICS_TOKEN and scrape with it as a bearer token');
    if (!token || !allowed.some((t) => tokenMatches(token, t))) return reply(res, 401, 'metrics token required (Authorization: Bearer $JIBRI_FLEET_METRICS_TOKEN)');
    res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });

  app.get('/balance', perKey, (req: Request, res: Response) => {
    const account = accountOf(req);
    if (!account) return reply(res, 401, account === null ? 'missing API Key' : 'invalid API Key');
    const ledger = store.ledger(account.id);
    reply(res, 200, 'balance', { balance: account.balance, ledger: deps.recordings ? ledgerWithUsage(ledger, deps.recordings.store.usage(account.id)) : ledger });
  });

  const ownDeployment = (req: Request, res: Response) => {
    const account = accountOf(req);
    if (!account) {
      reply(res, 401, account === null ? 'missing API Key' : 'invalid API Key');
      return undefined;
    }
    const d = store.deployment(String(req.params.id));
    if (!d || d.accountId !== account.id) {
      reply(res, 404, 'no such deployment');
      return undefined;
    }
    return { account, d };
  };

  app.get('/deployments/:id', perKey, (req: Request, res: Response) => {
    const found = ownDeployment(req, res);
    if (!found) return;
    const { d } = found;
    reply(res, 200, d.state, {
      deployment: {
        deployment_id: d.id, state: d.state, domain: d.domain, location: d.location, hours: d.hours, reserved: d.reserved,
        refunded: d.refunded, created_at: d.createdAt, ready_at: d.readyAt ?? null, expires_at: d.expiresAt ?? null, ended_at: d.endedAt ?? null, ...(d.message ? { note: d.message } : {}),
        recorders: store.recorders(d.id).map((r) => ({ recorder_id: r.id, recorder_ip: r.ip ?? null, state: r.state })),
      },
    });
  });

  app.delete('/deployments/:id', perKey, async (req: Request, res: Response) => {
    const found = ownDeployment(req, res);
    if (!found) return;
    const refund = found.d.state === 'ready' ? await deployer.release(found.d) : undefined;
    if (refund === undefined) return reply(res, 409, `the deployment is ${store.deployment(found.d.id)?.state ?? found.d.state}; only a ready one can be released`);
    reply(res, 200, 'released: its recordings are stopped and finalized now, and its recorders removed', { refund, balance: store.balance(found.account.id) });
  });

  if (deps.recordings) {
    const recordings = deps.recordings;
    app.use(recordingsRouter({ ...recordings, accountOf, perKey, byLink: (id) => recordings.store.byId(id) }));
  }

  // ---- admin ----
  const adminAuth = (req: Request, res: Response, next: NextFunction): void => {
    const token = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!config.adminToken || !token || !tokenMatches(token.trim(), config.adminToken)) return reply(res, 401, config.adminToken ? 'admin token required' : 'the admin API is off: set JIBRI_FLEET_ADMIN_TOKEN');
    next();
  };
  const admin$ = express.Router();
  admin$.use(adminAuth);
  admin$.post('/accounts', (req, res) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    const r = admin.createAccount(typeof name === 'string' ? name : '');
    reply(res, 201, 'account created; the API key and the callback signing secret are shown only now', { account_id: r.accountId, apiKey: r.apiKey, callbackSecret: r.callbackSecret });
  });
  admin$.post('/maintenance', (req, res) => {
    deployer.maintenance = (req.body as { on?: unknown })?.on === true;
    reply(res, 200, deployer.maintenance ? 'maintenance: deploys get 503' : 'deploys accepted');
  });
  admin$.post('/accounts/:id/users', (req, res) => {
    const b = (req.body ?? {}) as { email?: unknown; role?: unknown };
    if (b.role !== undefined && b.role !== 'customer' && b.role !== 'operator') return reply(res, 400, 'role must be customer or operator');
    const r = admin.invite(String(req.params.id), b.email, b.role === 'operator' ? 'operator' : 'customer', config.publicUrl);
    reply(res, 201, `invited: the link sets a password once, within ${r.expiresInHours} h`, { user_id: r.userId, email: r.email, role: r.role, link: r.link });
  });
  admin$.get('/accounts/:id', (req, res) => reply(res, 200, 'account', { account: admin.show(String(req.params.id)) }));
  admin$.post('/accounts/:id/callback-secret', (req, res) => reply(res, 200, 'new callback signing secret; callbacks are no longer signed with the old one', { callbackSecret: admin.rotateCallbackSecret(String(req.params.id)) }));
  admin$.post('/accounts/:id/key', (req, res) => reply(res, 200, 'new API key; the old one no longer works', { apiKey: admin.rotateKey(String(req.params.id)) }));
  admin$.post('/accounts/:id/balance', (req, res) => {
    const b = req.body as { amount?: unknown; reason?: unknown };
    reply(res, 200, 'balance changed', { balance: admin.addBalance(String(req.params.id), b?.amount, typeof b?.reason === 'string' ? b.reason : 'top-up') });
  });
  admin$.put('/accounts/:id/domains/:domain', async (req, res) => {
    const r = await admin.setDomain(String(req.params.id), String(req.params.domain), req.body);
    reply(res, 200, r.complete ? 'domain configuration complete' : r.missing.length ? `incomplete: set ${r.missing.join(', ')}` : `the test login failed: ${r.error}`, r);
  });
  if (deps.deliveries) admin$.use(deliveryAdminRouter(deps.deliveries));
  app.use('/admin', admin$);

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
