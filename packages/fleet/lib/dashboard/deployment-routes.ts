/**
 * The dashboard's Deployments pages: the list, a deployment with its recorders as its domain's brewery
 * shows them (live), and its release.
 */
import { Router, type Request, type Response } from 'express';
import type { Deployment } from '../store';
import type { BreweryMonitor } from './brewery-monitor';
import { LOCATION_NAMES, money } from './deploy-form';
import * as pages from './pages';
import { breweryState, releaseRefund } from './recorder-view';
import { visitOf, type PageContext } from './visit';

export function deploymentRoutes(ctx: PageContext, monitor: BreweryMonitor): Router {
  const { store, deployer, log, send } = ctx;
  const r = Router();
  const now = (): number => Date.now();
  /** A deployment's recorders as its domain's brewery shows them, and what a release would refund now. */
  const liveOf = (d: Deployment): [pages.RecorderLine[], { now: number; refund?: number; breweryError?: string; locationName: string }] => {
  const rows = store.recorders(d.id);
  const live = d.state === 'deploying' || d.state === 'ready' || d.state === 'expiring';
  const config = live ? store.domain(d.accountId, d.domain)?.config : undefined;
  const look = config ? monitor.look(`${d.accountId}/${d.domain}`, config, rows.map((r) => r.id)) : undefined;
  const lines = rows.map((r) => ({ id: r.id, ...(r.ip ? { ip: r.ip } : {}), state: breweryState(r.state, look?.seen.get(r.id)) }));
  const nowMs = Date.now();
  const refund = releaseRefund(d, nowMs);
  return [lines, { now: nowMs, locationName: LOCATION_NAMES[d.location], ...(refund !== undefined ? { refund } : {}), ...(look?.error ? { breweryError: look.error } : {}) }];
  };
  const own = (req: Request, res: Response): Deployment | undefined => {
    const d = store.deployment(String(req.params.id));
    if (d && d.accountId === visitOf(res).account!.id) return d;
    send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    return undefined;
  };
  r.get('/deployments', (_req, res) => send(res, 200, { title: 'Deployments', current: 'deployments' }, pages.deploymentsPage(store.deploymentsOf(visitOf(res).account!.id), now())));
  r.get('/deployments/live', (_req, res) => void res.type('html').send(pages.deploymentsPart(store.deploymentsOf(visitOf(res).account!.id), now()).value));
  r.get('/deployments/:id', (req, res) => {
    const d = own(req, res);
    if (!d) return;
    const released = Number(req.query.released);
    send(res, 200, { title: `Deployment ${d.domain}`, current: 'deployments' }, pages.deploymentPage(visitOf(res).csrf, d, ...liveOf(d)), Number.isFinite(released) && req.query.released !== undefined ? [{ kind: 'ok', text: `Released: ${money(released)} refunded to your balance. Its recordings are stopped and finalized now, and its recorders removed.` }] : []);
  });
  r.get('/deployments/:id/live', (req, res) => {
    const d = store.deployment(String(req.params.id));
    if (!d || d.accountId !== visitOf(res).account!.id) return void res.status(404).type('text/plain').send('no such deployment');
    const [recorders, o] = liveOf(d);
    res.type('html').send(pages.deploymentLive(visitOf(res).csrf, d, recorders, o).value);
  });
  r.post('/deployments/:id/release', async (req, res) => {
    const d = own(req, res);
    if (!d) return;
    const refund = d.state === 'ready' ? await deployer.release(d) : undefined;
    if (refund === undefined) {
      const fresh = store.deployment(d.id) ?? d;
      return send(res, 409, { title: 'Deployment', current: 'deployments' }, pages.deploymentPage(visitOf(res).csrf, fresh, ...liveOf(fresh)), [{ kind: 'bad', text: `This deployment is ${fresh.state}: only a running one can be released.` }]);
    }
    log.info(`user ${visitOf(res).user!.id} released ${d.id}; ${refund} refunded`);
    res.redirect(303, `/dashboard/deployments/${d.id}?released=${refund}`);
  });
  return r;
}
