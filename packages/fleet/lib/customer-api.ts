/**
 * The customers' API, JOD's: POST /deploy-recorder (form or JSON, the seed's envelope and codes), GET
 * /balance, GET and DELETE /deployments/:id, and the account's recordings (recordings-api.ts). Each
 * request is the account's by its API key, and rate limited per key too (429 in the seed's envelope). A
 * callback_url the outbound guard refuses is a 400 before anything happens.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from '@jibri-ts/common';
import type { FleetConfig } from './config';
import { parseDeployRequest } from './deploy-request';
import { FleetError, type Deployer } from './deployer';
import { reply } from './envelope';
import { hashKey } from './keys';
import type { FleetMetrics, RefusalReason } from './metrics';
import { OutboundRefused, OutboundUnresolved, resolveChecked } from './outbound-guard';
import { ledgerWithUsage } from './recording-view';
import { recordingsRouter, type RecordingsDeps } from './recordings-api';
import type { Account, FleetStore } from './store';

export interface CustomerApiDeps {
  config: FleetConfig;
  store: FleetStore;
  deployer: Deployer;
  log: Logger;
  /** Counts the refusals of /deploy-recorder. */
  metrics?: FleetMetrics;
  /** The account's recordings (GET /recordings and their downloads). */
  recordings?: RecordingsDeps;
}

const minute = 60_000;

/** Seconds until a rate limit lets the client in again (at least 1). */
export const retryIn = (req: Request): number => Math.max(1, Math.ceil(((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + minute) - Date.now()) / 1000);

/** How a request names its account: its API key, and the per-key rate limit. */
interface KeyAccess {
  keyOf: (req: Request) => string | undefined;
  /** The key's account; null without a key, undefined for a key of no account. */
  accountOf: (req: Request) => Account | undefined | null;
  perKey: RequestHandler;
}

export function customerRouter(deps: CustomerApiDeps): Router {
  const { store, deployer, recordings } = deps;
  const keys = keyAccess(deps);
  const { accountOf, perKey } = keys;
  const r = Router();
  r.post('/deploy-recorder', perKey, deployRecorder(deps, keys));

  r.get('/balance', perKey, (req: Request, res: Response) => {
    const account = accountOf(req);
    if (!account) return reply(res, 401, account === null ? 'missing API Key' : 'invalid API Key');
    const ledger = store.ledger(account.id);
    reply(res, 200, 'balance', { balance: account.balance, ledger: recordings ? ledgerWithUsage(ledger, recordings.store.usage(account.id)) : ledger });
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

  r.get('/deployments/:id', perKey, (req: Request, res: Response) => {
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

  r.delete('/deployments/:id', perKey, async (req: Request, res: Response) => {
    const found = ownDeployment(req, res);
    if (!found) return;
    const refund = found.d.state === 'ready' ? await deployer.release(found.d) : undefined;
    if (refund === undefined) return reply(res, 409, `the deployment is ${store.deployment(found.d.id)?.state ?? found.d.state}; only a ready one can be released`);
    reply(res, 200, 'released: its recordings are stopped and finalized now, and its recorders removed', { refund, balance: store.balance(found.account.id) });
  });

  if (recordings) r.use(recordingsRouter({ ...recordings, accountOf, perKey, byLink: (id) => recordings.store.byId(id) }));
  return r;
}

function keyAccess({ config, store, metrics }: CustomerApiDeps): KeyAccess {
  /**
   * The key from the body (the seed's way), x-api-key or a bearer header. Never from the query string:
   * URLs end up in proxies' and servers' access logs and in browser histories.
   */
  const keyOf = (req: Request): string | undefined => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    return [body.apiKey, req.get('x-api-key'), bearer].find((k): k is string => typeof k === 'string' && k.trim() !== '')?.trim();
  };
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
  return { keyOf, accountOf, perKey };
}

/** POST /deploy-recorder: each refusal counted by reason for /metrics. */
function deployRecorder({ config, deployer, metrics, log }: CustomerApiDeps, { keyOf, accountOf }: KeyAccess): RequestHandler {
  const refuse = (res: Response, reason: RefusalReason, status: number, message: string, extra: Record<string, unknown> = {}): void => {
    metrics?.refused(reason);
    reply(res, status, message, extra);
  };
  return async (req: Request, res: Response) => {
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
  };
}
