/**
 * The dashboard's Overview (balance, ledger, what runs now) and API key pages (a new key, a new callback
 * signing secret: each shown once).
 */
import { Router, type Response } from 'express';
import { ledgerWithUsage } from '../recording-view';
import type { RecordingsDeps } from '../recordings-api';
import * as pages from './pages';
import { visitOf, type PageContext } from './visit';

export function overviewRoutes(ctx: PageContext, recordings: RecordingsDeps | undefined): Router {
  const { store, admin, log, send, running } = ctx;
  const r = Router();
  const now = (): number => Date.now();
  r.get('/overview', (_req, res) => {
    const { account } = visitOf(res);
    const a = account!;
    const domains = store.domains(a.id);
    send(res, 200, { title: 'Overview', current: 'overview' }, pages.overviewPage({ balance: a.balance, ledger: recordings ? ledgerWithUsage(store.ledger(a.id), recordings.store.usage(a.id)) : store.ledger(a.id), running: running(a.id), domains: domains.length, complete: domains.filter((d) => d.verifiedAt).length, now: now() }));
  });
  r.get('/overview/running', (_req, res) => void res.type('html').send(pages.runningPart(running(visitOf(res).account!.id), now()).value));

  const keyPage = (res: Response, accountId: string, fresh: { newKey?: string; newCallbackSecret?: string } = {}): void => {
    const hint = store.keyHint(accountId);
    send(res, 200, { title: 'API key', current: 'api-key' }, pages.apiKeyPage(visitOf(res).csrf, { ...(hint === undefined ? {} : { hint }), hasCallbackSecret: store.callbackSecret(accountId) !== undefined, ...fresh }));
  };
  r.get('/api-key', (_req, res) => keyPage(res, visitOf(res).account!.id));
  r.post('/api-key', (_req, res) => {
    const v = visitOf(res);
    const key = admin.rotateKey(v.account!.id);
    log.info(`user ${v.user!.id} generated a new API key for account ${v.account!.id}; the old one no longer works`);
    keyPage(res, v.account!.id, { newKey: key });
  });
  r.post('/callback-secret', (_req, res) => {
    const v = visitOf(res);
    const secret = admin.rotateCallbackSecret(v.account!.id);
    log.info(`user ${v.user!.id} generated a new callback signing secret for account ${v.account!.id}`);
    keyPage(res, v.account!.id, { newCallbackSecret: secret });
  });
  return r;
}
