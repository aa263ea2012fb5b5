/**
 * The dashboard's pure parts: passwords, the session cookie and CSRF tokens, the deploy form's checks and
 * price preview, the test login's explanations, a recorder's brewery state, the release refund, and
 * HTML escaping.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminError, FleetAdmin } from '../../packages/fleet/lib/admin';
import { loadFleetConfig } from '../../packages/fleet/lib/config';
import { UserStore } from '../../packages/fleet/lib/dashboard/users';
import { SecretBox } from '../../packages/fleet/lib/secret-box';
import { FleetStore } from '../../packages/fleet/lib/store';
import { locationOptions, parseDeployForm, pricePreview } from '../../packages/fleet/lib/dashboard/deploy-form';
import { escapeHtml, html } from '../../packages/fleet/lib/dashboard/html';
import { hashPassword, passwordProblem, verifyPassword } from '../../packages/fleet/lib/dashboard/passwords';
import { breweryState, releaseRefund, timeLeft } from '../../packages/fleet/lib/dashboard/recorder-view';
import { explainTestLogin } from '../../packages/fleet/lib/dashboard/test-login';
import { cookieName, csrfKey, csrfToken, csrfValid, normalEmail, readCookie, sameOrigin, setCookie } from '../../packages/fleet/lib/dashboard/web-security';
import type { Deployment } from '../../packages/fleet/lib/store';

const BASE_ENV = { JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };

describe('passwords', () => {
  const cheap = { logN: 10, r: 8, p: 1 };
  it('verifies the password it hashed and nothing else; each hash has its own salt', async () => {
    const h = await hashPassword('correct horse battery', cheap);
    expect(h).toMatch(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await hashPassword('correct horse battery', cheap)).not.toBe(h);
  });
  it('uses the memory-hard default (N=2^15, r=8) and never matches a malformed stored string', async () => {
    expect(await hashPassword('x'.repeat(12))).toMatch(/^scrypt\$15\$8\$1\$/);
    for (const bad of ['', 'scrypt$', 'bcrypt$1$2$3$4$5', 'scrypt$40$8$1$AAAA$BBBB', 'scrypt$10$8$1$AAAA$short']) expect(await verifyPassword('x', bad)).toBe(false);
  });
  it('refuses short, email-like and one-character passwords', () => {
    expect(passwordProblem('short', 'a@b.c')).toMatch(/at least 10/);
    expect(passwordProblem('ops@example.com', 'OPS@example.com')).toMatch(/email/);
    expect(passwordProblem('aaaaaaaaaaaa', 'a@b.c')).toMatch(/different/);
    expect(passwordProblem('a long enough phrase', 'a@b.c')).toBeUndefined();
  });
});

describe('CSRF tokens and the session cookie', () => {
  const key = csrfKey(Buffer.alloc(32, 1));
  it('a token is bound to its session: valid there, not in another, not when missing or altered', () => {
    const t = csrfToken(key, 'session-a');
    expect(csrfValid(key, 'session-a', t)).toBe(true);
    expect(csrfValid(key, 'session-b', t)).toBe(false);
    expect(csrfValid(key, 'session-a', undefined)).toBe(false);
    expect(csrfValid(key, undefined, t)).toBe(false);
    expect(csrfValid(key, 'session-a', `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(csrfValid(key, 'session-a', ['x'])).toBe(false);
    expect(csrfValid(csrfKey(Buffer.alloc(32, 2)), 'session-a', t)).toBe(false);
  });
  it('accepts a form from its own origin or one without Origin, not from another site', () => {
    expect(sameOrigin('http://127.0.0.1:3000', '127.0.0.1:3000', false)).toBe(true);
    expect(sameOrigin(undefined, '127.0.0.1:3000', false)).toBe(true);
    expect(sameOrigin('https://evil.example', 'jod.example.com', true)).toBe(false);
    expect(sameOrigin('http://jod.example.com', 'jod.example.com', true)).toBe(false);
    expect(sameOrigin('null', 'jod.example.com', false)).toBe(false);
  });
  it('is HttpOnly and SameSite always, Secure and __Host- behind TLS, and is deleted with Max-Age=0', () => {
    expect(setCookie('jod_session', 'abc_DEF-123', { secure: false, maxAgeSec: 3600 })).toBe('jod_session=abc_DEF-123; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600');
    expect(setCookie('jod_session', 'abc', { secure: true })).toBe('__Host-jod_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(setCookie('jod_pre', '', { secure: false, maxAgeSec: 0, sameSite: 'Strict' })).toBe('jod_pre=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(() => setCookie('jod_session', 'a;b', { secure: false })).toThrow();
    expect(cookieName('jod_session', true)).toBe('__Host-jod_session');
  });
  it('reads only its own cookie, and only a well-formed value', () => {
    const v = 'A'.repeat(43);
    expect(readCookie(`other=1; jod_session=${v}; x=2`, 'jod_session')).toBe(v);
    expect(readCookie(`jod_session_x=${v}`, 'jod_session')).toBeUndefined();
    expect(readCookie('jod_session=<script>', 'jod_session')).toBeUndefined();
    expect(readCookie(undefined, 'jod_session')).toBeUndefined();
  });
  it('normalises email addresses and refuses what is not one', () => {
    expect(normalEmail(' Ops@Example.COM ')).toBe('ops@example.com');
    for (const bad of ['ops', 'ops@', '@example.com', 'a b@example.com', 'x@localhost', 42, undefined, `${'a'.repeat(250)}@example.com`]) expect(normalEmail(bad)).toBeUndefined();
  });
});

describe('the deploy form', () => {
  const config = loadFleetConfig({ ...BASE_ENV, JIBRI_FLEET_LOCATIONS: 'lon=local,fra=docker', JIBRI_FLEET_PRICES: 'lon=1.5', JIBRI_FLEET_PRICE: '2', JIBRI_FLEET_LOCAL_CAPACITY: '4' }, { isRoot: true });
  const good = { domain: 'meet.example.com', recorders: '2', duration: '3', location: 'lon', callback_url: '' };

  it('previews the price in cents and the balance after, and says when it is not affordable', () => {
    expect(pricePreview(2, 3, 1.5, 20)).toEqual({ cost: 9, balanceAfter: 11, affordable: true, formula: '2 recorders × 3 h × 1.50 = 9.00' });
    expect(pricePreview(1, 1, 0.1, 0.3)).toMatchObject({ cost: 0.1, balanceAfter: 0.2, affordable: true, formula: '1 recorder × 1 h × 0.10 = 0.10' });
    expect(pricePreview(3, 1, 0.7, 2)).toMatchObject({ cost: 2.1, affordable: false });
  });
  it('lists the seed\'s eight locations with their price and free places; unserved ones have none', () => {
    const opts = locationOptions(config, (b) => (b === 'local' ? 3 : 0), (b) => b === 'local');
    expect(opts.map((o) => o.code)).toEqual(['nyc', 'lon', 'ams', 'fra', 'tor', 'sgp', 'blr', 'sfo']);
    expect(opts.find((o) => o.code === 'lon')).toEqual({ code: 'lon', name: 'London', price: 1.5, free: 1 });
    expect(opts.find((o) => o.code === 'fra')).toMatchObject({ price: 2, free: 0 });
    expect(opts.find((o) => o.code === 'nyc')).toMatchObject({ free: 0 });
  });
  it('takes the callback URL as optional, and checks the rest as the developer API does', () => {
    expect(parseDeployForm(good, ['meet.example.com'])).toEqual({ ok: true, request: { domain: 'meet.example.com', recorders: 2, durationHours: 3, location: 'lon', callbackUrl: '' } });
    expect(parseDeployForm({ ...good, callback_url: 'https://hooks.example.com/x' }, ['meet.example.com'])).toMatchObject({ ok: true, request: { callbackUrl: 'https://hooks.example.com/x' } });
    const bad = parseDeployForm({ ...good, recorders: '0', duration: 'lots', location: 'mars', callback_url: 'ftp://x' }, ['meet.example.com']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.map((e) => e.field)).toEqual(['recorders', 'duration', 'location', 'callback_url']);
  });
  it('accepts only the account\'s complete domains', () => {
    const r = parseDeployForm({ ...good, domain: 'other.example.com' }, ['meet.example.com']);
    expect(!r.ok && r.errors).toEqual([{ field: 'domain', message: 'is not one of your domains with a complete configuration' }]);
    expect(parseDeployForm({ ...good, domain: 'MEET.example.com' }, ['meet.example.com']).ok).toBe(true);
  });
});

describe("the test login's reasons, in a Jitsi admin's words", () => {
  const c = { XMPP_SERVER: 'xmpp.example.com:5222', JIBRI_XMPP_USER: 'jibri', XMPP_AUTH_DOMAIN: 'auth.meet.example.com', JIBRI_BREWERY_MUC: 'jibribrewery', XMPP_INTERNAL_MUC_DOMAIN: 'internal-muc.meet.example.com' };
  it.each([
    ['cannot log in to 1.2.3.4:5222 as jibri@auth.meet.example.com: not-authorized', /refused the login jibri@auth\.meet\.example\.com/, /prosodyctl register jibri auth\.meet\.example\.com/],
    ['cannot log in to x: self-signed certificate; the server\'s certificate for auth is not trusted', /certificate/, /XMPP_TRUST_ALL_CERTS/],
    ['the brewery jibribrewery@internal-muc.meet.example.com refused the join (forbidden)', /jibribrewery@internal-muc\.meet\.example\.com refused/, /JIBRI_BREWERY_MUC/],
    ['XMPP_SERVER: 10.0.0.5 is 10.0.0.5 (private), which the fleet never connects to for a customer; use a public address', /private or local/, /public name/],
    ['XMPP_SERVER: cannot resolve xmpp.example.com (ENOTFOUND)', /does not resolve/, /DNS/],
    ['cannot log in to 1.2.3.4:5222 as jibri@auth: connect ECONNREFUSED 1.2.3.4:5222', /Nothing accepts connections at xmpp\.example\.com:5222/, /5222/],
    ['no answer from 1.2.3.4:5222 within 15000 ms', /did not answer in time/, /firewall/],
  ])('%s', (message, reason, fix) => {
    const e = explainTestLogin(message, c);
    expect(e.reason).toMatch(reason);
    expect(e.fix).toMatch(fix);
  });
});

describe("a deployment's page", () => {
  it("shows each recorder's state as the brewery shows it", () => {
    const seen = (present: boolean, busy: boolean, healthy = true) => ({ present, busy, healthy });
    expect(breweryState('creating', undefined)).toBe('starting');
    expect(breweryState('creating', seen(false, false))).toBe('starting');
    expect(breweryState('creating', seen(true, false))).toBe('idle');
    expect(breweryState('ready', seen(true, false))).toBe('idle');
    expect(breweryState('ready', seen(true, true))).toBe('busy');
    expect(breweryState('ready', seen(false, true, false))).toBe('gone');
    expect(breweryState('ready', undefined)).toBe('unknown');
    expect(breweryState('draining', seen(true, true))).toBe('draining');
    expect(breweryState('draining', seen(false, false))).toBe('gone');
    expect(breweryState('removed', seen(true, false))).toBe('gone');
    expect(breweryState('failed', undefined)).toBe('gone');
  });
  it('says the time left', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(timeLeft('2026-01-01T12:05:30Z', now)).toBe('2 h 05 min');
    expect(timeLeft('2026-01-01T10:04:10Z', now)).toBe('4 min 10 s');
    expect(timeLeft('2026-01-01T09:00:00Z', now)).toBe('ended');
    expect(timeLeft(undefined, now)).toBe('—');
  });
  it('offers a release only while running, with the refund the store would give', () => {
    const d: Deployment = { id: 'd', accountId: 'a', domain: 'm.example.com', location: 'lon', backend: 'local', recorders: 2, hours: 2, price: 1, reserved: 4, refunded: 0, slots: 2, state: 'ready', callbackUrl: '', createdAt: '', readyAt: '2026-01-01T10:00:00Z', expiresAt: '2026-01-01T12:00:00Z' };
    expect(releaseRefund(d, Date.parse('2026-01-01T11:00:00Z'))).toBe(2);
    expect(releaseRefund({ ...d, refunded: 3 }, Date.parse('2026-01-01T10:00:00Z'))).toBe(1);
    expect(releaseRefund({ ...d, state: 'expiring' }, Date.parse('2026-01-01T11:00:00Z'))).toBeUndefined();
  });
});

describe('HTML', () => {
  it('escapes every value that is not already HTML', () => {
    const name = '<img src=x onerror=alert(1)>"\'`&';
    expect(html`<p title="${name}">${name}</p>`.value).toBe('<p title="&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#96;&#38;">&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#96;&#38;</p>');
    expect(html`<ul>${['a', html`<b>b</b>`]}</ul>${undefined}${false}${3}`.value).toBe('<ul>a<b>b</b></ul>3');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('users, invitations and sessions on the real store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-dashboard-'));
  const store = new FleetStore(path.join(dir, 'fleet.sqlite'), new SecretBox(crypto.randomBytes(32)));
  const admin = new FleetAdmin(store, async () => undefined);
  const users = new UserStore(store.db);
  afterAll(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an invitation link sets the password once; its token is stored only as a digest', () => {
    const { accountId } = admin.createAccount('Lindeas');
    const invited = admin.invite(accountId, ' Ana@Lindeas.example ', 'customer', 'https://jod.example.com/');
    expect(invited).toMatchObject({ email: 'ana@lindeas.example', role: 'customer', link: expect.stringMatching(/^https:\/\/jod\.example\.com\/dashboard\/set-password\/[\w-]{43}$/) });
    const token = invited.link.split('/').pop()!;
    expect(fs.readFileSync(store.db.name).includes(Buffer.from(token))).toBe(false);
    expect(users.invitation(token)?.email).toBe('ana@lindeas.example');
    const session = users.startSession(invited.userId, 1);
    expect(users.redeem(token, 'scrypt$hash')).toMatchObject({ hasPassword: true });
    expect(users.sessionUser(session)).toBeUndefined();
    expect(users.redeem(token, 'scrypt$other')).toBeUndefined();
    expect(users.invitation(token)).toBeUndefined();
  });

  it('a new invitation voids the earlier one; an email belongs to one account; bad input is refused', () => {
    const a = admin.createAccount('A').accountId;
    const b = admin.createAccount('B').accountId;
    const first = admin.invite(a, 'x@a.example', 'operator', 'http://h:1').link.split('/').pop()!;
    const second = admin.invite(a, 'x@a.example', 'operator', 'http://h:1').link.split('/').pop()!;
    expect(users.invitation(first)).toBeUndefined();
    expect(users.invitation(second)?.role).toBe('operator');
    expect(() => admin.invite(b, 'x@a.example', 'customer', 'http://h:1')).toThrow(AdminError);
    expect(() => admin.invite(a, 'not an email', 'customer', 'http://h:1')).toThrow('email must be an email address');
    expect(() => admin.invite('nope', 'y@a.example', 'customer', 'http://h:1')).toThrow('no account nope');
  });

  it('a session ends when signed out; a rotated key leaves only its last characters to show', () => {
    const a = admin.createAccount('C').accountId;
    const u = users.createUser(a, 'c@c.example', 'customer');
    const s = users.startSession(u.id, 1);
    expect(users.sessionUser(s)?.id).toBe(u.id);
    users.endSession(s);
    expect(users.sessionUser(s)).toBeUndefined();
    const key = admin.rotateKey(a);
    expect(store.keyHint(a)).toBe(key.slice(-4));
  });
});
