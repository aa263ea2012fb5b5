/**
 * The Jibris On Demand dashboard, served by the fleet under /dashboard: server-rendered pages with
 * plain forms (each with a CSRF token), a session cookie, and a small script for live updates
 * (docs/DASHBOARD.md says why). It does nothing the fleet cannot do already: keys, domains, deploys,
 * releases and top-ups go through the same FleetAdmin, Deployer and store transactions as the
 * developer and admin APIs, and the customer's callback URL through the same outbound guard.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@jibri-ts/common';
import type { FleetAdmin } from '../admin';
import type { DeliveryAdmin } from '../delivery-admin';
import type { RecordingsDeps } from '../recordings-api';
import type { FleetConfig } from '../config';
import type { Deployer } from '../deployer';
import type { Deployment, FleetStore } from '../store';
import type { UserStore } from '../users-store';
import { CSS, JS } from './assets';
import { BreweryMonitor } from './brewery-monitor';
import { deliveryRoutes } from './delivery-routes';
import { deployRoutes } from './deploy-routes';
import { deploymentRoutes } from './deployment-routes';
import { domainRoutes } from './domain-routes';
import type { Html } from './html';
import { page, type Frame } from './layout';
import { operatorRoutes } from './operator-routes';
import { overviewRoutes } from './overview-routes';
import * as pages from './pages';
import { keptFor } from './recording-pages';
import { recordingRoutes } from './recording-routes';
import { sessionRoutes } from './session-routes';
import { visitOf, type PageContext, type Visit } from './visit';
import { cookieName, csrfKey, csrfToken, csrfValid, newToken, PRE_SESSION_COOKIE, readCookie, sameOrigin, SESSION_COOKIE, setCookie } from './web-security';

export interface DashboardDeps {
  config: FleetConfig;
  store: FleetStore;
  deployer: Deployer;
  admin: FleetAdmin;
  log: Logger;
  /** Each domain's delivery settings (the domain's "Where recordings go"). */
  deliveries?: DeliveryAdmin;
  /** The account's recordings (the Recordings page). */
  recordings?: RecordingsDeps;
}

/** Pure: a dashboard path as a log line may show it: a one-time token in it is masked. */
export function shownPath(path: string): string {
  return path.replace(/^\/set-password\/[^/]+/, '/set-password/****');
}

/**
 * The dashboard's router: the headers every page gets, who the visitor is and the CSRF check of every
 * form, then one router per page group (*-routes.ts), signed in from the Overview on.
 */
export class Dashboard {
  readonly router: express.Router;
  private readonly users: UserStore;
  private readonly monitor: BreweryMonitor;
  private readonly csrfKey: Buffer;
  private readonly log: Logger;

  constructor(private readonly deps: DashboardDeps) {
    this.users = deps.store.users;
    this.log = deps.log.child({ component: 'dashboard' });
    this.monitor = new BreweryMonitor(deps.config.xmppAllowedHosts, this.log);
    this.csrfKey = csrfKey(deps.config.secretKey);
    this.router = this.routes();
  }

  async stop(): Promise<void> {
    await this.monitor.stop();
  }

  private routes(): express.Router {
    const { config, store, deployer, admin, deliveries, recordings } = this.deps;
    const ctx: PageContext = { config, store, deployer, admin, log: this.log, send: (...a) => this.send(...a), running: (id) => this.running(id) };
    const r = express.Router();
    this.visitorSteps(r);
    r.use(sessionRoutes(ctx, this.users));

    // ---- signed in from here on ----
    r.use((req, res, next) => {
      const v = visitOf(res);
      if (v.user && v.account) return next();
      if (req.method === 'GET' && !req.path.endsWith('/live') && req.path !== '/overview/running') return res.redirect(303, '/dashboard/login');
      res.status(401).type('text/plain').send('signed out: reload the page to sign in');
    });
    if (recordings) r.use(recordingRoutes({ recordings, send: ctx.send, keptFor: keptFor(config.recordingsRetentionSec), log: this.log }));
    r.use(overviewRoutes(ctx, recordings));
    if (deliveries) r.use(deliveryRoutes({ deliveries, send: ctx.send, keptFor: keptFor(config.recordingsRetentionSec) }));
    r.use(domainRoutes(ctx, deliveries));
    r.use(deployRoutes(ctx));
    r.use(deploymentRoutes(ctx, this.monitor));
    r.use(operatorRoutes(ctx, this.users));

    r.use((_req, res) => this.send(res, 404, { title: 'Not found' }, pages.notFoundPage()));
    r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      this.log.error(`a request failed: ${(err as Error).message ?? String(err)}`);
      this.send(res, 500, { title: 'Error' }, pages.errorPage());
    });
    return r;
  }

  /** The headers of every page, the assets, who the visitor is (res.locals.visit), and every form's CSRF check. */
  private visitorSteps(r: express.Router): void {
    const { store } = this.deps;
    const pageHeaders = (_req: Request, res: Response, next: NextFunction): void => {
      res.set({
        'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the dashboard's own forms.
        'referrer-policy': 'same-origin',
        'cross-origin-opener-policy': 'same-origin',
        ...(this.secure(_req) ? { 'strict-transport-security': 'max-age=31536000' } : {}),
      });
      next();
    };
    r.use(pageHeaders);
    r.get('/assets/app.css', (_req, res) => void res.type('text/css').set('cache-control', 'public, max-age=3600').send(CSS));
    r.get('/assets/app.js', (_req, res) => void res.type('text/javascript').set('cache-control', 'public, max-age=3600').send(JS));

    // Who is here, and what their forms' CSRF tokens are bound to.
    r.use((req, res, next) => {
      const secure = this.secure(req);
      res.set('cache-control', 'no-store');
      const session = readCookie(req.get('cookie'), cookieName(SESSION_COOKIE, secure));
      const user = session ? this.users.sessionUser(session) : undefined;
      const account = user ? store.account(user.accountId) : undefined;
      let binding = user ? session : readCookie(req.get('cookie'), cookieName(PRE_SESSION_COOKIE, secure));
      if (!binding) {
        binding = newToken();
        res.append('set-cookie', setCookie(PRE_SESSION_COOKIE, binding, { secure, sameSite: 'Strict' }));
      }
      const visit: Visit = { secure, binding, csrf: csrfToken(this.csrfKey, binding), ...(user && session ? { session, user } : {}), ...(account ? { account } : {}) };
      res.locals.visit = visit;
      next();
    });
    // Every form: from this site (Origin) and with this browser's token.
    r.post('/{*rest}', (req, res, next) => {
      const v = visitOf(res);
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!sameOrigin(req.get('origin'), req.get('host'), v.secure) || !csrfValid(this.csrfKey, v.binding, body._csrf)) {
        this.log.warn(`a form was refused (no valid CSRF token or another origin) on ${shownPath(req.path)}`);
        return this.send(res, 403, { title: 'Form expired' }, pages.formExpiredPage());
      }
      next();
    });
  }

  private secure(req: Request): boolean {
    return req.secure || this.deps.config.publicUrl.startsWith('https:');
  }

  private running(accountId: string): Deployment[] {
    return this.deps.store.deploymentsOf(accountId).filter((d) => d.state === 'deploying' || d.state === 'ready' || d.state === 'expiring');
  }

  private send(res: Response, status: number, frame: Omit<Frame, 'csrf'>, body: Html, notices: Frame['notices'] = []): void {
    const v = visitOf(res);
    res.status(status).type('html').send(page({ ...frame, csrf: v.csrf, ...(v.user ? { user: v.user } : {}), ...(v.account ? { accountName: v.account.name } : {}), notices }, body));
  }
}
