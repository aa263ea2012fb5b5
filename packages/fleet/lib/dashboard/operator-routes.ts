/**
 * The dashboard's Operator page (operators only; 404 for anyone else): every account with its users and
 * what it runs, maintenance on or off, a balance top-up, an invitation.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AdminError } from '../admin';
import type { UserStore } from '../users-store';
import { money } from './deploy-form';
import type { Frame } from './layout';
import * as pages from './pages';
import { visitOf, type PageContext } from './visit';
import { normalEmail } from './web-security';

export function operatorRoutes(ctx: PageContext, users: UserStore): Router {
  const { config, store, deployer, admin, log, send, running } = ctx;
  const r = Router();
  const operatorOnly = (_req: Request, res: Response, next: NextFunction): void => {
    if (visitOf(res).user!.role === 'operator') return next();
    send(res, 404, { title: 'Not found' }, pages.notFoundPage());
  };
  const operatorPage = (res: Response, status: number, notices: Frame['notices'] = [], invited?: { email: string; link: string }): void => {
    const accounts = store.accounts().map((a) => ({ ...a, users: users.usersOf(a.id), running: running(a.id).length }));
    send(res, status, { title: 'Operator', current: 'operator' }, pages.operatorPage(visitOf(res).csrf, { accounts, maintenance: deployer.maintenance, ...(invited ? { invited } : {}) }), notices);
  };
  r.get('/operator', operatorOnly, (_req, res) => operatorPage(res, 200));
  r.post('/operator/maintenance', operatorOnly, (req, res) => {
    deployer.maintenance = (req.body as Record<string, unknown>).on === 'true';
    log.info(`operator ${visitOf(res).user!.id} turned maintenance ${deployer.maintenance ? 'on' : 'off'}`);
    operatorPage(res, 200, [{ kind: 'ok', text: deployer.maintenance ? 'Maintenance is on: deploys get 503.' : 'Maintenance is off: deploys are accepted.' }]);
  });
  r.post('/operator/top-up', operatorOnly, (req, res) => {
    const b = req.body as Record<string, unknown>;
    const account = typeof b.account === 'string' ? b.account : '';
    const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim().slice(0, 200) : 'top-up';
    try {
      const balance = admin.addBalance(account, b.amount, reason);
      log.info(`operator ${visitOf(res).user!.id} changed the balance of account ${account} by ${String(b.amount)}`);
      operatorPage(res, 200, [{ kind: 'ok', text: `Balance of ${store.account(account)?.name ?? account} is now ${money(balance)}.` }]);
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      operatorPage(res, err.status, [{ kind: 'bad', text: `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.` }]);
    }
  });
  r.post('/operator/invite', operatorOnly, (req, res) => {
    const b = req.body as Record<string, unknown>;
    const newName = typeof b.account_name === 'string' ? b.account_name.trim().slice(0, 100) : '';
    try {
      if (!normalEmail(b.email)) throw new AdminError(400, 'enter the email address of the person to invite');
      const accountId = newName ? admin.createAccount(newName).accountId : typeof b.account === 'string' ? b.account : '';
      const invited = admin.invite(accountId, b.email, b.operator === '1' ? 'operator' : 'customer', config.publicUrl);
      log.info(`operator ${visitOf(res).user!.id} invited user ${invited.userId} to account ${accountId}`);
      operatorPage(res, 200, [], { email: invited.email, link: invited.link });
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      operatorPage(res, err.status, [{ kind: 'bad', text: `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.` }]);
    }
  });
  return r;
}
