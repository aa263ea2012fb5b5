/**
 * The dashboard's pages before signing in: sign in and out, sign up (when open), and the invitation's
 * set-password link; each form rate limited per address (and sign-in per email too).
 */
import { Router, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import * as pages from './pages';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import type { User, UserStore } from '../users-store';
import { visitOf, type PageContext } from './visit';
import { normalEmail, setCookie, SESSION_COOKIE } from './web-security';

/** Compared against when the email has no user, so that a wrong email costs as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

type SignIn = (res: Response, user: User) => void;
type Limit = ReturnType<typeof rateLimit>;

export function sessionRoutes(ctx: PageContext, users: UserStore): Router {
  const r = Router();
  const limits = formLimits(ctx);
  const signIn = signInWith(ctx, users);
  signInPages(r, ctx, users, limits, signIn);
  signUpPages(r, ctx, users, limits.signupPerAddress, signIn);
  return r;
}

/** Starts a session for the user (ending the browser's previous one) and sets its cookie. */
function signInWith(ctx: PageContext, users: UserStore): SignIn {
  const { config, log } = ctx;
  return (res, user) => {
    const v = visitOf(res);
    if (v.session) users.endSession(v.session);
    const token = users.startSession(user.id, config.sessionHours);
    res.append('set-cookie', setCookie(SESSION_COOKIE, token, { secure: v.secure, maxAgeSec: config.sessionHours * 3600 }));
    log.info(`user ${user.id} signed in`);
  };
}

function formLimits(ctx: PageContext): { loginPerAddress: Limit; loginPerEmail: Limit; signupPerAddress: Limit } {
  const { config, send } = ctx;
  const fifteenMinutes = 15 * 60_000;
  const tooMany = (_req: Request, res: Response): void =>
    send(res, 429, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { signupOpen: config.signup === 'open', error: 'Too many attempts: wait 15 minutes, then try again.' }));
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
  return { loginPerAddress, loginPerEmail, signupPerAddress };
}

function signInPages(r: Router, ctx: PageContext, users: UserStore, { loginPerAddress, loginPerEmail }: ReturnType<typeof formLimits>, signIn: SignIn): void {
  const { config, log, send } = ctx;
  r.get('/', (_req, res) => res.redirect(303, visitOf(res).user ? '/dashboard/overview' : '/dashboard/login'));
  r.get('/login', (_req, res) => {
    if (visitOf(res).user) return res.redirect(303, '/dashboard/overview');
    send(res, 200, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { signupOpen: config.signup === 'open' }));
  });
  r.post('/login', loginPerAddress, loginPerEmail, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const email = normalEmail(body.email);
    const password = typeof body.password === 'string' ? body.password : '';
    const user = email ? users.byEmail(email) : undefined;
    dummyHash ??= hashPassword('not a password of anyone');
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (!user || !user.passwordHash || !ok) {
      log.info(`a sign-in failed${user ? ` for user ${user.id}` : ''}`);
      return send(res, 401, { title: 'Sign in' }, pages.loginPage(visitOf(res).csrf, { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '', signupOpen: config.signup === 'open', error: 'The email or the password is wrong.' }));
    }
    signIn(res, user);
    res.redirect(303, '/dashboard/overview');
  });
  r.post('/logout', (_req, res) => {
    const v = visitOf(res);
    if (v.session) users.endSession(v.session);
    if (v.user) log.info(`user ${v.user.id} signed out`);
    res.append('set-cookie', setCookie(SESSION_COOKIE, '', { secure: v.secure, maxAgeSec: 0 }));
    res.redirect(303, '/dashboard/login');
  });
}

function signUpPages(r: Router, ctx: PageContext, users: UserStore, signupPerAddress: Limit, signIn: SignIn): void {
  const { config, store, log, send } = ctx;
  r.get('/signup', (_req, res) => {
    if (config.signup !== 'open') return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    send(res, 200, { title: 'Create an account' }, pages.signupPage(visitOf(res).csrf, {}));
  });
  r.post('/signup', signupPerAddress, async (req, res) => {
    if (config.signup !== 'open') return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    const body = req.body as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
    const email = normalEmail(body.email);
    const password = typeof body.password === 'string' ? body.password : '';
    const errors = [
      ...(name ? [] : [{ field: 'name', message: 'Enter a name for the account.' }]),
      ...(email ? [] : [{ field: 'email', message: 'Enter an email address, e.g. you@example.com.' }]),
      ...(email && users.byEmail(email) ? [{ field: 'email', message: 'This email already has a user: sign in instead.' }] : []),
    ];
    const problem = passwordProblem(password, email ?? '');
    if (problem) errors.push({ field: 'password', message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` });
    if (errors.length) return send(res, 400, { title: 'Create an account' }, pages.signupPage(visitOf(res).csrf, { name, email: typeof body.email === 'string' ? body.email.slice(0, 254) : '', errors }));
    const hash = await hashPassword(password);
    const account = store.createAccount(name);
    const user = users.createUser(account.id, email!, 'customer');
    users.setPassword(user.id, hash);
    log.info(`account ${account.id} signed up, user ${user.id}`);
    signIn(res, { ...user, hasPassword: true });
    res.redirect(303, '/dashboard/overview');
  });
  r.get('/set-password/:token', (req, res) => {
    const user = users.invitation(String(req.params.token));
    if (!user) return send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
    send(res, 200, { title: 'Set your password' }, pages.setPasswordPage(visitOf(res).csrf, String(req.params.token), user.email));
  });
  r.post('/set-password/:token', signupPerAddress, async (req, res) => {
    const token = String(req.params.token);
    const user = users.invitation(token);
    if (!user) return send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
    const body = req.body as Record<string, unknown>;
    const password = typeof body.password === 'string' ? body.password : '';
    const problem = password !== body.confirm ? 'the two passwords differ' : passwordProblem(password, user.email);
    if (problem) return send(res, 400, { title: 'Set your password' }, pages.setPasswordPage(visitOf(res).csrf, token, user.email, `${problem[0]!.toUpperCase()}${problem.slice(1)}.`));
    const redeemed = users.redeem(token, await hashPassword(password));
    if (!redeemed) return send(res, 410, { title: 'Link expired' }, pages.invalidLinkPage());
    log.info(`user ${user.id} set a password from an invitation`);
    signIn(res, redeemed);
    res.redirect(303, '/dashboard/overview');
  });
}
