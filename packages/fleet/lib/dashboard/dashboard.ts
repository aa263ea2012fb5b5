/**
 * The Jibris On Demand dashboard, served by the fleet under /dashboard: server-rendered pages with
 * plain forms (each with a CSRF token), a session cookie, and a small script for live updates
 * (docs/DASHBOARD.md says why). It does nothing the fleet cannot do already: keys, domains, deploys,
 * releases and top-ups go through the same FleetAdmin, Deployer and store transactions as the
 * developer and admin APIs, and the customer's callback URL through the same outbound guard.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from '@jibri-ts/common';
import { AdminError, type FleetAdmin } from '../admin';
import type { DeliveryAdmin } from '../delivery-admin';
import { ledgerWithUsage } from '../recording-view';
import type { RecordingsDeps } from '../recordings-api';
import type { FleetConfig } from '../config';
import type { FieldError } from '../deploy-request';
import { FleetError, type Deployer } from '../deployer';
import { missingFields, SECRET_FIELDS, type DomainConfig } from '../domain-config';
import { OutboundRefused, OutboundUnresolved, resolveChecked } from '../outbound-guard';
import type { Deployment, FleetStore } from '../store';
import { CSS, JS } from './assets';
import { BreweryMonitor } from './brewery-monitor';
import { LOCATION_NAMES, locationOptions, money, parseDeployForm, pricePreview } from './deploy-form';
import { html, type Html } from './html';
import { page, type Frame } from './layout';
import * as pages from './pages';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { breweryState, releaseRefund } from './recorder-view';
import { explainTestLogin } from './test-login';
import type { User, UserStore } from '../users-store';
import { isDomainName, visitOf, type Visit } from './visit';
import { cookieName, csrfKey, csrfToken, csrfValid, newToken, normalEmail, PRE_SESSION_COOKIE, readCookie, sameOrigin, SESSION_COOKIE, setCookie } from './web-security';
import { deliveryRoutes } from './delivery-routes';
import { deliverySummary } from './delivery-pages';
import { keptFor } from './recording-pages';
import { recordingRoutes } from './recording-routes';

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

/** Compared against when the email has no user, so that a wrong email costs as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

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
    const { config, store, deployer, admin } = this.deps;
    const r = express.Router();
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

    // ---- signing in ----
    const fifteenMinutes = 15 * 60_000;
    const tooMany = (_req: Request, res: Response): void =>
      this.send(res, 429, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { signupOpen: config.signup === 'open', error: 'Too many attempts: wait 15 minutes, then try again.' }));
    const loginPerAddress = rateLimit({ windowMs: fifteenMinutes, limit: config.loginRateLimit, skipSuccessfulRequests: true, standardHeaders: 'draft-7', legacyHeaders: false, keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'), handler: tooMany });
    // Per email *and* address: failures from elsewhere cannot lock the real owner out of their account;
    // the per-address limit above still bounds what any one address may try over every email.
    const loginPerEmail = rateLimit({
      windowMs: fifteenMinutes,
      limit: config.loginRateLimit,
      skipSuccessfulRequests: true,
      standardHeaders: false,
      legacyHeaders: false,
      keyGenerator: (req) => `email:${normalEmail((req.body as Record<string, unknown> | undefined)?.email) ?? ''}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
      handler: tooMany,
    });
    const signupPerAddress = rateLimit({ windowMs: fifteenMinutes, limit: config.loginRateLimit, standardHeaders: 'draft-7', legacyHeaders: false, keyGenerator: (req) => `signup:${ipKeyGenerator(req.ip ?? 'unknown')}`, handler: tooMany });

    r.get('/', (_req, res) => res.redirect(303, visitOf(res).user ? '/dashboard/overview' : '/dashboard/login'));
    r.get('/login', (_req, res) => {
      if (visitOf(res).user) return res.redirect(303, '/dashboard/overview');
      this.send(res, 200, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { signupOpen: config.signup === 'open' }));
    });
    r.post('/login', loginPerAddress, loginPerEmail, async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const email = normalEmail(body.email);
      const password = typeof body.password === 'string' ? body.password : '';
      const user = email ? this.users.byEmail(email) : undefined;
      dummyHash ??= hashPassword('not a password of anyone');
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
      if (!user || !user.passwordHash || !ok) {
        this.log.info(`a sign-in failed${user ? ` for user ${user.id}` : ''}`);
        return this.send(res, 401, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '', signupOpen: config.signup === 'open', error: 'The email or the password is wrong.' }));
      }
      this.signIn(res, user);
      res.redirect(303, '/dashboard/overview');
    });
    r.post('/logout', (_req, res) => {
      const v = visitOf(res);
      if (v.session) this.users.endSession(v.session);
      if (v.user) this.log.info(`user ${v.user.id} signed out`);
      res.append('set-cookie', setCookie(SESSION_COOKIE, '', { secure: v.secure, maxAgeSec: 0 }));
      res.redirect(303, '/dashboard/login');
    });
    r.get('/signup', (_req, res) => {
      if (config.signup !== 'open') return this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
      this.send(res, 200, { title: 'Create an account' }, pages.signupPage(visitOf(res).csrf, {}));
    });
    r.post('/signup', signupPerAddress, async (req, res) => {
      if (config.signup !== 'open') return this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
      const body = req.body as Record<string, unknown>;
      const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
      const email = normalEmail(body.email);
      const password = typeof body.password === 'string' ? body.password : '';
      const errors = [
        ...(name ? [] : [{ field: 'name', message: 'Enter a name for the account.' }]),
        ...(email ? [] : [{ field: 'email', message: 'Enter an email address, e.g. you@example.com.' }]),
        ...(email && this.users.byEmail(email) ? [{ field: 'email', message: 'This email already has a user: sign in instead.' }] : []),
      ];
      const problem = passwordProblem(password, email ?? '');
      if (problem) errors.push({ field: 'password', message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` });
      if (errors.length) return this.send(res, 400, { title: 'Create an account' }, pages.signupPage(visitOf(res).csrf, { name, email: typeof body.email === 'string' ? body.email.slice(0, 254) : '', errors }));
      const hash = await hashPassword(password);
      const account = store.createAccount(name);
      const user = this.users.createUser(account.id, email!, 'customer');
      this.users.setPassword(user.id, hash);
      this.log.info(`account ${account.id} signed up, user ${user.id}`);
      this.signIn(res, { ...user, hasPassword: true });
      res.redirect(303, '/dashboard/overview');
    });
    r.get('/set-password/:token', (req, res) => {
      const user = this.users.invitation(String(req.params.token));
      if (!user) return this.send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
      this.send(res, 200, { title: 'Set your password' }, pages.setPasswordPage(visitOf(res).csrf, String(req.params.token), user.email));
    });
    r.post('/set-password/:token', signupPerAddress, async (req, res) => {
      const token = String(req.params.token);
      const user = this.users.invitation(token);
      if (!user) return this.send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
      const body = req.body as Record<string, unknown>;
      const password = typeof body.password === 'string' ? body.password : '';
      const problem = password !== body.confirm ? 'the two passwords differ' : passwordProblem(password, user.email);
      if (problem) return this.send(res, 400, { title: 'Set your password' }, pages.setPasswordPage(visitOf(res).csrf, token, user.email, `${problem[0]!.toUpperCase()}${problem.slice(1)}.`));
      const redeemed = this.users.redeem(token, await hashPassword(password));
      if (!redeemed) return this.send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
      this.log.info(`user ${user.id} set a password from an invitation`);
      this.signIn(res, redeemed);
      res.redirect(303, '/dashboard/overview');
    });

    // ---- signed in from here on ----
    r.use((req, res, next) => {
      const v = visitOf(res);
      if (v.user && v.account) return next();
      if (req.method === 'GET' && !req.path.endsWith('/live') && req.path !== '/overview/running') return res.redirect(303, '/dashboard/login');
      res.status(401).type('text/plain').send('signed out: reload the page to sign in');
    });
    const now = (): number => Date.now();
    if (this.deps.recordings) r.use(recordingRoutes({ recordings: this.deps.recordings, send: (...a) => this.send(...a), keptFor: keptFor(config.recordingsRetentionSec), log: this.log }));

    r.get('/overview', (_req, res) => {
      const { account } = visitOf(res);
      const a = account!;
      const domains = store.domains(a.id);
      this.send(res, 200, { title: 'Overview', current: 'overview' }, pages.overviewPage({ balance: a.balance, ledger: this.deps.recordings ? ledgerWithUsage(store.ledger(a.id), this.deps.recordings.store.usage(a.id)) : store.ledger(a.id), running: this.running(a.id), domains: domains.length, complete: domains.filter((d) => d.verifiedAt).length, now: now() }));
    });
    r.get('/overview/running', (_req, res) => void res.type('html').send(pages.runningPart(this.running(visitOf(res).account!.id), now()).value));

    const keyPage = (res: Response, accountId: string, fresh: { newKey?: string; newCallbackSecret?: string } = {}): void => {
      const hint = store.keyHint(accountId);
      this.send(res, 200, { title: 'API key', current: 'api-key' }, pages.apiKeyPage(visitOf(res).csrf, { ...(hint === undefined ? {} : { hint }), hasCallbackSecret: store.callbackSecret(accountId) !== undefined, ...fresh }));
    };
    r.get('/api-key', (_req, res) => keyPage(res, visitOf(res).account!.id));
    r.post('/api-key', (_req, res) => {
      const v = visitOf(res);
      const key = admin.rotateKey(v.account!.id);
      this.log.info(`user ${v.user!.id} generated a new API key for account ${v.account!.id}; the old one no longer works`);
      keyPage(res, v.account!.id, { newKey: key });
    });
    r.post('/callback-secret', (_req, res) => {
      const v = visitOf(res);
      const secret = admin.rotateCallbackSecret(v.account!.id);
      this.log.info(`user ${v.user!.id} generated a new callback signing secret for account ${v.account!.id}`);
      keyPage(res, v.account!.id, { newCallbackSecret: secret });
    });

    // ---- domains ----
    const { deliveries } = this.deps;
    if (deliveries) r.use(deliveryRoutes({ deliveries, send: (...a) => this.send(...a), keptFor: keptFor(config.recordingsRetentionSec) }));
    /** The domain's "Where recordings go" card, once the domain exists. */
    const whereTo = (accountId: string, domain: string): Html => {
      if (!deliveries?.has(accountId, domain)) return html``;
      const d = deliveries.show(accountId, domain);
      return deliverySummary(domain, { shown: d.delivery, configured: d.configured, keptFor: keptFor(config.recordingsRetentionSec), ...(d.test ? { report: d.test } : {}) });
    };
    const domainRows = (accountId: string): pages.DomainRow[] =>
      store.domains(accountId).map((d) => ({ ...d, missing: missingFields(store.domain(accountId, d.domain)?.config ?? {}) }));
    r.get('/domains', (_req, res) => this.send(res, 200, { title: 'Domains', current: 'domains' }, pages.domainsPage(domainRows(visitOf(res).account!.id), {})));
    r.get('/domains/new', (req, res) => {
      const domain = typeof req.query.domain === 'string' ? req.query.domain.trim().toLowerCase() : '';
      if (!isDomainName(domain)) {
        return this.send(res, 400, { title: 'Domains', current: 'domains' }, pages.domainsPage(domainRows(visitOf(res).account!.id), { newDomain: domain.slice(0, 253), error: 'Enter a domain name, e.g. meet.example.com.' }));
      }
      res.redirect(303, `/dashboard/domains/${domain}`);
    });
    r.get('/domains/:domain', (req, res) => {
      const domain = String(req.params.domain).toLowerCase();
      if (!isDomainName(domain)) return this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
      const stored = store.domain(visitOf(res).account!.id, domain);
      const missing = stored && !stored.verifiedAt ? missingFields(stored.config) : [];
      this.send(res, 200, { title: domain, current: 'domains' }, html`${pages.domainPage(visitOf(res).csrf, domain, stored?.config ?? {}, {
        ...(stored?.verifiedAt ? { verifiedAt: stored.verifiedAt } : {}),
        ...(stored?.verifyError ? { explanation: explainTestLogin(stored.verifyError, stored.config), detail: stored.verifyError } : {}),
        ...(stored && missing.length ? { missing } : {}),
      })}${whereTo(visitOf(res).account!.id, domain)}`);
    });
    r.post('/domains/:domain', async (req, res) => {
      const v = visitOf(res);
      const domain = String(req.params.domain).toLowerCase();
      if (!isDomainName(domain)) return this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
      const body = req.body as Record<string, unknown>;
      const stored = store.domain(v.account!.id, domain)?.config ?? {};
      const input: Record<string, string> = {};
      for (const f of pages.DOMAIN_FORM_FIELDS) {
        const value = typeof body[f] === 'string' ? (body[f]) : '';
        // An empty password field keeps the stored password: the page never shows it.
        input[f] = !value.trim() && (SECRET_FIELDS as readonly string[]).includes(f) ? (stored[f as keyof DomainConfig] ?? '') : value;
      }
      const shown: DomainConfig = { ...input };
      try {
        const result = await admin.setDomain(v.account!.id, domain, input);
        this.log.info(`domain ${domain} of account ${v.account!.id} saved; ${result.complete ? 'its test login passed' : result.missing.length ? 'incomplete' : 'its test login failed'}`);
        const saved = store.domain(v.account!.id, domain);
        this.send(res, result.complete ? 200 : 422, { title: domain, current: 'domains' }, html`${pages.domainPage(v.csrf, domain, saved?.config ?? shown, {
          ...(saved?.verifiedAt ? { verifiedAt: saved.verifiedAt } : {}),
          ...(result.error ? { explanation: explainTestLogin(result.error, shown), detail: result.error } : {}),
          ...(result.missing.length ? { missing: result.missing } : {}),
        })}${whereTo(v.account!.id, domain)}`);
      } catch (err) {
        if (!(err instanceof AdminError)) throw err;
        this.send(res, err.status, { title: domain, current: 'domains' }, pages.domainPage(v.csrf, domain, shown, { error: err.message }));
      }
    });

    // ---- deploy ----
    const completeDomains = (accountId: string): string[] => store.domains(accountId).filter((d) => d.verifiedAt).map((d) => d.domain);
    const locations = () => locationOptions(config, (b) => store.slotsUsed(b), (b) => Boolean(this.deps.deployer.serves(b)));
    const formValues = (body: unknown): Record<string, string> => {
      const b = (body ?? {}) as Record<string, unknown>;
      const out: Record<string, string> = {};
      for (const k of ['domain', 'recorders', 'duration', 'location', 'callback_url']) out[k] = typeof b[k] === 'string' ? (b[k]).slice(0, 2000) : '';
      return out;
    };
    const deployForm = (res: Response, status: number, values: Record<string, string>, extra: { errors?: FieldError[]; error?: string } = {}): void => {
      const a = visitOf(res).account!;
      const free = locations();
      const first = free.find((l) => l.free > 0);
      this.send(res, status, { title: 'Deploy', current: 'deploy' }, pages.deployPage(visitOf(res).csrf, {
        domains: completeDomains(a.id),
        locations: free,
        balance: a.balance,
        values: { ...values, location: values.location || first?.code || '' },
        ...extra,
      }));
    };
    r.get('/deploy', (req, res) => deployForm(res, 200, { domain: typeof req.query.domain === 'string' ? req.query.domain : '' }));
    r.post('/deploy/edit', (req, res) => deployForm(res, 200, formValues(req.body)));
    r.post('/deploy/review', (req, res) => {
      const a = visitOf(res).account!;
      const values = formValues(req.body);
      const parsed = parseDeployForm(req.body, completeDomains(a.id));
      if (!parsed.ok) return deployForm(res, 400, values, { errors: parsed.errors });
      const loc = locations().find((l) => l.code === parsed.request.location)!;
      this.send(res, 200, { title: 'Confirm', current: 'deploy' }, pages.reviewPage(visitOf(res).csrf, {
        values,
        locationName: loc.name,
        preview: pricePreview(parsed.request.recorders, parsed.request.durationHours, loc.price, a.balance),
        balance: a.balance,
        free: loc.free,
      }));
    });
    r.post('/deploy', async (req, res) => {
      const v = visitOf(res);
      const values = formValues(req.body);
      const parsed = parseDeployForm(req.body, completeDomains(v.account!.id));
      if (!parsed.ok) return deployForm(res, 400, values, { errors: parsed.errors });
      if (deployer.maintenance) return deployForm(res, 503, values, { error: 'The service is down for planned maintenance: deploys are paused. Try again later.' });
      if (parsed.request.callbackUrl) {
        const callback = new URL(parsed.request.callbackUrl);
        try {
          await resolveChecked('callback_url', callback.hostname, Number(callback.port || (callback.protocol === 'https:' ? 443 : 80)), config.callbackAllowedHosts);
        } catch (err) {
          if (err instanceof OutboundRefused) this.log.warn(`dashboard deploy refused: ${err.detail}`);
          if (err instanceof OutboundRefused || err instanceof OutboundUnresolved) return deployForm(res, 400, values, { errors: [{ field: 'callback_url', message: err.message.replace(/^callback_url: /, ': ') }] });
          throw err;
        }
      }
      try {
        const { deployment } = deployer.deploy(v.account!, { ...parsed.request, apiKey: '' });
        this.log.info(`user ${v.user!.id} deployed ${deployment.id}`);
        res.redirect(303, `/dashboard/deployments/${deployment.id}`);
      } catch (err) {
        if (err instanceof FleetError) return deployForm(res, err.status, values, { error: `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.` });
        throw err;
      }
    });

    // ---- deployments ----
    const own = (req: Request, res: Response): Deployment | undefined => {
      const d = store.deployment(String(req.params.id));
      if (d && d.accountId === visitOf(res).account!.id) return d;
      this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
      return undefined;
    };
    r.get('/deployments', (_req, res) => this.send(res, 200, { title: 'Deployments', current: 'deployments' }, pages.deploymentsPage(store.deploymentsOf(visitOf(res).account!.id), now())));
    r.get('/deployments/live', (_req, res) => void res.type('html').send(pages.deploymentsPart(store.deploymentsOf(visitOf(res).account!.id), now()).value));
    r.get('/deployments/:id', (req, res) => {
      const d = own(req, res);
      if (!d) return;
      const released = Number(req.query.released);
      this.send(res, 200, { title: `Deployment ${d.domain}`, current: 'deployments' }, pages.deploymentPage(visitOf(res).csrf, d, ...this.liveOf(d)), Number.isFinite(released) && req.query.released !== undefined ? [{ kind: 'ok', text: `Released: ${money(released)} refunded to your balance. Its recordings are stopped and finalized now, and its recorders removed.` }] : []);
    });
    r.get('/deployments/:id/live', (req, res) => {
      const d = store.deployment(String(req.params.id));
      if (!d || d.accountId !== visitOf(res).account!.id) return void res.status(404).type('text/plain').send('no such deployment');
      const [recorders, o] = this.liveOf(d);
      res.type('html').send(pages.deploymentLive(visitOf(res).csrf, d, recorders, o).value);
    });
    r.post('/deployments/:id/release', async (req, res) => {
      const d = own(req, res);
      if (!d) return;
      const refund = d.state === 'ready' ? await deployer.release(d) : undefined;
      if (refund === undefined) {
        const fresh = store.deployment(d.id) ?? d;
        return this.send(res, 409, { title: 'Deployment', current: 'deployments' }, pages.deploymentPage(visitOf(res).csrf, fresh, ...this.liveOf(fresh)), [{ kind: 'bad', text: `This deployment is ${fresh.state}: only a running one can be released.` }]);
      }
      this.log.info(`user ${visitOf(res).user!.id} released ${d.id}; ${refund} refunded`);
      res.redirect(303, `/dashboard/deployments/${d.id}?released=${refund}`);
    });

    // ---- operator ----
    const operatorOnly = (_req: Request, res: Response, next: NextFunction): void => {
      if (visitOf(res).user!.role === 'operator') return next();
      this.send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    };
    const operatorPage = (res: Response, status: number, notices: Frame['notices'] = [], invited?: { email: string; link: string }): void => {
      const accounts = store.accounts().map((a) => ({ ...a, users: this.users.usersOf(a.id), running: this.running(a.id).length }));
      this.send(res, status, { title: 'Operator', current: 'operator' }, pages.operatorPage(visitOf(res).csrf, { accounts, maintenance: deployer.maintenance, ...(invited ? { invited } : {}) }), notices);
    };
    r.get('/operator', operatorOnly, (_req, res) => operatorPage(res, 200));
    r.post('/operator/maintenance', operatorOnly, (req, res) => {
      deployer.maintenance = (req.body as Record<string, unknown>).on === 'true';
      this.log.info(`operator ${visitOf(res).user!.id} turned maintenance ${deployer.maintenance ? 'on' : 'off'}`);
      operatorPage(res, 200, [{ kind: 'ok', text: deployer.maintenance ? 'Maintenance is on: deploys get 503.' : 'Maintenance is off: deploys are accepted.' }]);
    });
    r.post('/operator/top-up', operatorOnly, (req, res) => {
      const b = req.body as Record<string, unknown>;
      const account = typeof b.account === 'string' ? b.account : '';
      const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim().slice(0, 200) : 'top-up';
      try {
        const balance = admin.addBalance(account, b.amount, reason);
        this.log.info(`operator ${visitOf(res).user!.id} changed the balance of account ${account} by ${String(b.amount)}`);
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
        this.log.info(`operator ${visitOf(res).user!.id} invited user ${invited.userId} to account ${accountId}`);
        operatorPage(res, 200, [], { email: invited.email, link: invited.link });
      } catch (err) {
        if (!(err instanceof AdminError)) throw err;
        operatorPage(res, err.status, [{ kind: 'bad', text: `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.` }]);
      }
    });

    r.use((_req, res) => this.send(res, 404, { title: 'Not found' }, pages.notFoundPage()));
    r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      this.log.error(`a request failed: ${(err as Error).message ?? String(err)}`);
      this.send(res, 500, { title: 'Error' }, pages.errorPage());
    });
    return r;
  }

  private secure(req: Request): boolean {
    return req.secure || this.deps.config.publicUrl.startsWith('https:');
  }

  private signIn(res: Response, user: User): void {
    const v = visitOf(res);
    if (v.session) this.users.endSession(v.session);
    const token = this.users.startSession(user.id, this.deps.config.sessionHours);
    res.append('set-cookie', setCookie(SESSION_COOKIE, token, { secure: v.secure, maxAgeSec: this.deps.config.sessionHours * 3600 }));
    this.log.info(`user ${user.id} signed in`);
  }

  private running(accountId: string): Deployment[] {
    return this.deps.store.deploymentsOf(accountId).filter((d) => d.state === 'deploying' || d.state === 'ready' || d.state === 'expiring');
  }

  /** A deployment's recorders as its domain's brewery shows them, and what a release would refund now. */
  private liveOf(d: Deployment): [pages.RecorderLine[], { now: number; refund?: number; breweryError?: string; locationName: string }] {
    const { store } = this.deps;
    const rows = store.recorders(d.id);
    const live = d.state === 'deploying' || d.state === 'ready' || d.state === 'expiring';
    const config = live ? store.domain(d.accountId, d.domain)?.config : undefined;
    const look = config ? this.monitor.look(`${d.accountId}/${d.domain}`, config, rows.map((r) => r.id)) : undefined;
    const lines = rows.map((r) => ({ id: r.id, ...(r.ip ? { ip: r.ip } : {}), state: breweryState(r.state, look?.seen.get(r.id)) }));
    const nowMs = Date.now();
    const refund = releaseRefund(d, nowMs);
    return [lines, { now: nowMs, locationName: LOCATION_NAMES[d.location], ...(refund !== undefined ? { refund } : {}), ...(look?.error ? { breweryError: look.error } : {}) }];
  }

  private send(res: Response, status: number, frame: Omit<Frame, 'csrf'>, body: Html, notices: Frame['notices'] = []): void {
    const v = visitOf(res);
    res.status(status).type('html').send(page({ ...frame, csrf: v.csrf, ...(v.user ? { user: v.user } : {}), ...(v.account ? { accountName: v.account.name } : {}), notices }, body));
  }
}

