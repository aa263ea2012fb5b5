/**
 * The operator's admin API under /admin, with its own token: accounts (create, show, a new key or callback
 * secret, balance), users' invitations, a domain's configuration and delivery (delivery-api.ts), maintenance.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { tokenMatches } from '@jibri-ts/common';
import type { FleetAdmin } from './admin';
import type { FleetConfig } from './config';
import { deliveryAdminRouter } from './delivery-api';
import type { DeliveryAdmin } from './delivery-admin';
import type { Deployer } from './deployer';
import { reply } from './envelope';

export interface AdminApiDeps {
  config: FleetConfig;
  deployer: Deployer;
  admin: FleetAdmin;
  deliveries?: DeliveryAdmin;
}

export function adminRouter(deps: AdminApiDeps): Router {
  const { config, deployer, admin } = deps;
  const adminAuth = (req: Request, res: Response, next: NextFunction): void => {
    const token = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!config.adminToken || !token || !tokenMatches(token.trim(), config.adminToken)) return reply(res, 401, config.adminToken ? 'admin token required' : 'the admin API is off: set JIBRI_FLEET_ADMIN_TOKEN');
    next();
  };
  const admin$ = Router();
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
  return admin$;
}
