/**
 * The Jibris On Demand dashboard in real Chromium (Playwright, /usr/bin/chromium) against the real fleet
 * with the local backend, a real Prosody with a Jicofo stand-in in its brewery, and real recorders:
 * invite (the CLI), set the password, sign in (and a wrong password), regenerate the API key (the old
 * one gets 401 from POST /deploy-recorder), configure a domain (a failing test login shows its reason, a
 * passing one completes it), an operator's top-up, deploy 1 recorder and watch it become idle in the
 * brewery without reloading, release it and find the refund in the ledger, an open sign-up, the login
 * rate limit. Every page is checked with axe-core (no serious or critical violation) and photographed at
 * 1280x800 and 390x844 into spec/artifacts/dashboard/ (printed at the end).
 *
 * Its fleet's local recorders run under a uid range of its own (support/own-uids.ts), so it runs beside others.
 */
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { BREWERY } from '../../../../testkit/fake-jicofo';
import { DOMAINS } from '../../../../testkit/prosody';
import type { Json } from '../../../../testkit/json';
import { freePort, ROOT, waitFor } from '../../../../testkit/service';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { withOwnUids } from '../support/own-uids';
import { checkPage } from '../support/page-check';

const PW = { jibri: 'dash-jibri-pw', focus: 'dash-focus-pw', recorder: 'dash-recorder-pw' };
const ADMIN = 'dashboard-admin-token';
const DOMAIN = 'meet.test';
const CUSTOMER = { email: 'ana@lindeas.example', password: 'a long and good passphrase' };
const OPERATOR = { email: 'ops@jod.example', password: 'another long passphrase' };
const ARTIFACTS = path.join(ROOT, 'spec/artifacts/dashboard');
const LOGIN_LIMIT = 6;

describe('the dashboard, in Chromium, on the real fleet', () => {
  let stack: BreweryStack;
  let fleet: FleetServer;
  let browser: Browser;
  let page: Page;
  let customerId = '';
  let adminIssuedKey = '';
  let deploymentId = '';
  const base = fleetBaseDir('jibri-ts-dashboard-');
  const env: Record<string, string> = {};
  const shots: string[] = [];

  const admin = async (method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  };
  const deployWithKey = async (apiKey: string): Promise<number> =>
    (await fetch(`${fleet.url}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey }) })).status;
  const url = (p: string): string => `${fleet.url}/dashboard${p}`;

  /** axe-core finds no serious or critical violation; screenshots at both sizes. */
  /** A page of its own browser context (own cookies); a step that cannot happen fails in 20 s instead of hanging. */
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(20000);
    const p = await context.newPage();
    p.on('dialog', (d) => void d.accept());
    return p;
  };
  const check = (p: Page, name: string): Promise<void> => checkPage(p, name, ARTIFACTS, shots);
  const signIn = async (p: Page, who: { email: string; password: string }): Promise<void> => {
    await p.goto(url('/login'));
    await p.getByLabel('Email').fill(who.email);
    await p.getByLabel('Password').fill(who.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/dashboard\/overview$/);
  };
  const setPassword = async (p: Page, link: string, password: string): Promise<void> => {
    await p.goto(link);
    await p.getByLabel('New password').fill(password);
    await p.getByLabel('The same password again').fill(password);
    await p.getByRole('button', { name: 'Set password and sign in' }).click();
    await p.waitForURL(/\/dashboard\/overview$/);
  };
  const cli = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, [path.join(ROOT, 'packages/fleet/dist/main.js'), 'admin', ...args], { cwd: base, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
      ),
    );

  beforeAll(async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startBreweryStack(PW);
    Object.assign(env, {
      JIBRI_FLEET_HOST: '127.0.0.1',
      JIBRI_FLEET_PORT: String(await freePort()),
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_CALLBACK_SECRET: 'dashboard-callback-secret',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      // Long enough that the deployment is still running when it is released.
      JIBRI_FLEET_HOUR_SECONDS: '600',
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_PRICES: 'lon=1.5',
      JIBRI_FLEET_LOCAL_CAPACITY: '2',
      JIBRI_FLEET_DEPLOY_TIMEOUT: '60',
      JIBRI_FLEET_STOP_GRACE: '20',
      ...fleetRecorderEnv(),
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${stack.prosody.port}`,
      // The meeting page is on loopback here: its browsers may load it, and nothing else there.
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(stack.page.baseUrl).host,
      JIBRI_FLEET_SIGNUP: 'open',
      JIBRI_FLEET_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT),
      // Live updates poll: one browser's pages must stay under the per-address limit.
      JIBRI_FLEET_ADDRESS_RATE_LIMIT: '100000',
    });
    fleet = await startFleetServer(loadFleetConfig(withOwnUids(env)), createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    page = await newPage();
  });

  afterAll(async () => {
    await browser?.close();
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle);
    }
    await fleet?.stop();
    await stack?.stop();
    if (shots.length) process.stdout.write(`dashboard screenshots (${shots.length}): ${ARTIFACTS}\n`);
  });

  it('the CLI invites a user; the one-time link sets the password and signs in; the link then no longer works', async () => {
    ({ account_id: customerId, apiKey: adminIssuedKey } = await admin('POST', '/accounts', { name: 'Lindeas' }));
    const invited = JSON.parse(await cli('invite', customerId, CUSTOMER.email));
    expect(invited).toMatchObject({ email: CUSTOMER.email, role: 'customer', link: expect.stringMatching(new RegExp(`^${fleet.url}/dashboard/set-password/[\\w-]{43}$`)) });
    await page.goto(invited.link);
    await check(page, 'set-password');
    await page.getByLabel('New password').fill('short');
    await page.getByLabel('The same password again').fill('short');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    expect(await page.locator('.err').textContent()).toContain('at least 10 characters');
    await setPassword(page, invited.link, CUSTOMER.password);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'jod_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await check(page, 'overview-new');
    await page.goto(invited.link);
    expect(await page.locator('h1').textContent()).toBe('This link no longer works');
  });

  it('signs out; a wrong password is refused; the right one signs in; a form without its CSRF token is refused', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/dashboard\/login$/);
    await check(page, 'login');
    expect((await page.goto(url('/overview')))?.url()).toMatch(/\/dashboard\/login$/);
    await page.getByLabel('Email').fill(CUSTOMER.email);
    await page.getByLabel('Password').fill('not the password at all');
    const [wrong] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(wrong.status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toBe('The email or the password is wrong.');
    await check(page, 'login-wrong');
    await signIn(page, CUSTOMER);
    const forged = await page.evaluate(async () => (await fetch('/dashboard/api-key', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=forged' })).status);
    expect(forged).toBe(403);
    const crossSite = await fetch(url('/login'), { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${CUSTOMER.email}&password=x` });
    expect(crossSite.status).toBe(403);
  });

  it('shows the API key masked, a new one once; each new key makes the old one answer 401 at once', async () => {
    await page.getByRole('link', { name: 'API key', exact: true }).click();
    await page.waitForURL(/\/dashboard\/api-key$/);
    // The account came with the key the admin API issued: shown masked, never in full.
    expect(await page.locator('main code').first().textContent()).toMatch(new RegExp(`•${adminIssuedKey.slice(-4)}$`));
    expect(await page.locator('main').textContent()).not.toContain(adminIssuedKey);
    expect(await deployWithKey(adminIssuedKey)).toBe(400);
    await page.getByRole('button', { name: 'Generate a new API key' }).click();
    const first = (await page.locator('#new-key').textContent())!;
    expect(first).toMatch(/^JOD-[0-9a-f-]{36}$/);
    expect(await deployWithKey(adminIssuedKey)).toBe(401);
    expect(await deployWithKey(first)).toBe(400);
    await page.getByRole('button', { name: 'Generate a new API key' }).click();
    const second = (await page.locator('#new-key').textContent())!;
    expect(second).not.toBe(first);
    await check(page, 'api-key-new');
    expect(await deployWithKey(first)).toBe(401);
    expect(await deployWithKey(second)).toBe(400);
    await page.goto(url('/api-key'));
    expect(await page.locator('#new-key').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain(second);
    expect(await page.locator('main code').first().textContent()).toMatch(new RegExp(`•${second.slice(-4)}$`));
    await check(page, 'api-key');
  });

  it("configures a domain in docker-jitsi-meet's names: a failing test login says why; a passing one completes it", async () => {
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    await page.waitForURL(/\/dashboard\/domains$/);
    await check(page, 'domains-empty');
    await page.getByLabel('Domain', { exact: true }).fill(DOMAIN);
    await page.getByRole('button', { name: 'Configure' }).click();
    await page.waitForURL(new RegExp(`/dashboard/domains/${DOMAIN}$`));
    const values: Record<string, string> = {
      XMPP_SERVER: `127.0.0.1:${stack.prosody.port}`,
      XMPP_DOMAIN: DOMAINS.xmpp,
      XMPP_AUTH_DOMAIN: DOMAINS.auth,
      XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc,
      XMPP_MUC_DOMAIN: DOMAINS.muc,
      XMPP_HIDDEN_DOMAIN: DOMAINS.hidden,
      PUBLIC_URL: stack.page.baseUrl,
      JIBRI_BREWERY_MUC: 'jibribrewery',
      JIBRI_XMPP_USER: 'jibri',
      JIBRI_XMPP_PASSWORD: 'not-the-password',
      JIBRI_RECORDER_USER: 'recorder',
      JIBRI_RECORDER_PASSWORD: PW.recorder,
    };
    for (const [k, v] of Object.entries(values)) await page.locator(`#f-${k}`).fill(v);
    await page.getByRole('button', { name: 'Save and test login' }).click();
    const failed = page.getByRole('alert');
    await failed.waitFor();
    expect(await failed.textContent()).toContain(`Prosody refused the login jibri@${DOMAINS.auth}: the user name or password is wrong.`);
    expect(await page.content()).not.toContain('not-the-password');
    await check(page, 'domain-failed');
    // The stored recorder password is kept when its field is left empty; the control password is corrected.
    await page.locator('#f-JIBRI_XMPP_PASSWORD').fill(PW.jibri);
    await page.getByRole('button', { name: 'Save and test login' }).click();
    await page.getByText('Complete: the test login passed').waitFor();
    expect(await page.content()).not.toContain(PW.jibri);
    await check(page, 'domain-complete');
    await page.goto(url('/domains'));
    expect(await page.locator('main table').textContent()).toContain('Complete');
  });

  it('an operator signs in, tops the account up, and turns maintenance on and off; a customer has no operator pages', async () => {
    const opAccount = (await admin('POST', '/accounts', { name: 'Operator' })).account_id;
    const invited = await admin('POST', `/accounts/${opAccount}/users`, { email: OPERATOR.email, role: 'operator' });
    expect(invited).toMatchObject({ status: 201, role: 'operator' });
    const op = await newPage();
    try {
      await setPassword(op, invited.link, OPERATOR.password);
      await op.getByRole('link', { name: 'Operator', exact: true }).click();
      await op.waitForURL(/\/dashboard\/operator$/);
      await check(op, 'operator');
      await op.getByLabel('Account', { exact: true }).selectOption({ label: 'Lindeas' });
      await op.getByLabel('Amount').fill('10');
      await op.getByRole('button', { name: 'Add to balance' }).click();
      await op.getByText('Balance of Lindeas is now 10.00.').waitFor();
      await op.getByRole('button', { name: 'Turn maintenance on' }).click();
      await op.getByText('Maintenance is on: deploys get 503.').waitFor();
      expect((await fetch(`${fleet.url}/health`).then((r) => r.json())).message).toBe('maintenance');
      await check(op, 'operator-maintenance');
      await op.getByRole('button', { name: 'Turn maintenance off' }).click();
      await op.getByText('Maintenance is off: deploys are accepted.').waitFor();
    } finally {
      await op.context().close();
    }
    expect((await page.goto(url('/operator')))?.status()).toBe(404);
    await page.goto(url('/overview'));
    expect(await page.locator('.big').first().textContent()).toBe('10.00');
    expect(await page.locator('main').textContent()).toContain('top-up');
  });

  it('deploys 1 recorder after a price preview and watches it become idle in the brewery without reloading', async () => {
    await page.getByRole('link', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(/\/dashboard\/deploy$/);
    const locations = page.locator('.loc');
    expect(await locations.count()).toBe(8);
    expect(await page.getByLabel(/London \(lon\)/).isEnabled()).toBe(true);
    expect(await page.getByLabel(/Frankfurt \(fra\)/).isDisabled()).toBe(true);
    expect(await page.locator('#loc-lon').textContent()).toBe('1.50 per recorder-hour · room for 2');
    await page.getByLabel('Recorders').fill('1');
    await page.getByLabel('Hours').fill('1');
    await page.getByLabel(/London \(lon\)/).check();
    expect(await page.locator('output').textContent()).toBe('1 recorder × 1 h × 1.50 = 1.50; balance after: 8.50');
    await check(page, 'deploy');
    await page.getByRole('button', { name: 'Review price' }).click();
    expect(await page.locator('dl').textContent()).toContain('1 recorder × 1 h × 1.50 = 1.50');
    await check(page, 'deploy-review');
    await page.getByRole('button', { name: 'Deploy and pay 1.50' }).click();
    await page.waitForURL(/\/dashboard\/deployments\/[0-9a-f-]{36}$/);
    deploymentId = page.url().split('/').pop()!;
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const pill = page.locator('[data-live] table .pill').first();
    await pill.waitFor({ timeout: 30000 });
    await waitFor('the recorder idle on the page', async () => ((await pill.textContent()) === 'Idle' ? true : undefined), 90000, 500);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    const [recorder] = fleet.store.recorders(deploymentId);
    expect(stack.jicofo.lastPresenceOf(`${BREWERY}/${recorder!.id}`)).toMatchObject({ busy: 'idle', health: 'healthy' });
    await waitFor('the deployment ready', async () => ((await page.locator('[data-live] dd .pill').first().textContent()) === 'Running' ? true : undefined), 30000, 500);
    expect(await page.locator('[data-live]').textContent()).toMatch(/Time left\s*\d+ min \d\d s/);
    await check(page, 'deployment-idle');
  });

  it('releases it now with the refund the button announced, and the refund is in the ledger', async () => {
    const button = page.getByRole('button', { name: /^Release now \(refund \d+\.\d\d\)$/ });
    const announced = Number(/refund (\d+\.\d\d)/.exec((await button.textContent())!)![1]);
    expect(announced).toBeGreaterThan(1.3);
    await button.click();
    const notice = page.getByText(/^Released: \d+\.\d\d refunded/);
    await notice.waitFor();
    const refund = Number(/Released: (\d+\.\d\d)/.exec((await notice.textContent())!)![1]);
    expect(refund).toBeLessThanOrEqual(announced);
    expect(refund).toBeGreaterThan(announced - 0.05);
    await waitFor('the recorder gone', async () => ((await page.locator('[data-live] table .pill').first().textContent()) === 'Gone' ? true : undefined), 60000, 500);
    await check(page, 'deployment-released');
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.waitForURL(/\/dashboard\/overview$/);
    const ledger = (await page.getByRole('region', { name: 'Ledger entries' }).textContent())!;
    expect(ledger).toContain('refund: released early');
    expect(ledger).toContain(`+${refund.toFixed(2)}`);
    expect(ledger).toContain('−1.50');
    expect(await page.locator('.big').first().textContent()).toBe((8.5 + refund).toFixed(2));
    await check(page, 'overview-ledger');
    await page.goto(url('/deployments'));
    await check(page, 'deployments');
  });

  it('with JIBRI_FLEET_SIGNUP=open a stranger creates an account, and sees nothing of the others', async () => {
    const p = await newPage();
    try {
      await p.goto(url('/login'));
      await p.getByRole('link', { name: 'Create one' }).click();
      await p.waitForURL(/\/dashboard\/signup$/);
      await check(p, 'signup');
      await p.getByLabel('Organisation or project name').fill('Stranger Ltd');
      await p.getByLabel('Email').fill('someone@stranger.example');
      await p.getByLabel('Password').fill('stranger passphrase 1');
      await p.getByRole('button', { name: 'Create account' }).click();
      await p.waitForURL(/\/dashboard\/overview$/);
      expect(await p.locator('.big').first().textContent()).toBe('0.00');
      expect((await p.goto(url(`/deployments/${deploymentId}`)))?.status()).toBe(404);
      expect((await p.goto(url(`/domains/${DOMAIN}`)))?.status()).toBe(200);
      expect(await p.locator('#f-XMPP_SERVER').inputValue()).toBe('');
    } finally {
      await p.context().close();
    }
  });

  it('keeps the pages small and loads nothing from another host', async () => {
    const sizes: Record<string, number> = {};
    for (const p of ['/overview', '/deploy', `/deployments/${deploymentId}`]) sizes[p] = (await (await page.goto(url(p)))!.body()).length;
    for (const p of ['/assets/app.css', '/assets/app.js']) sizes[p] = (await (await fetch(url(p))).arrayBuffer()).byteLength;
    const total = sizes['/overview']! + sizes['/assets/app.css']! + sizes['/assets/app.js']!;
    process.stdout.write(`dashboard page weight (bytes, uncompressed): ${JSON.stringify(sizes)}; overview with its stylesheet and script: ${total}\n`);
    expect(total).toBeLessThan(30_000);
    const external = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith(location.origin)));
    expect(external).toEqual([]);
  });

  it('limits failed sign-ins: past the limit, even the right password waits', async () => {
    const p = await newPage();
    try {
      for (let i = 0; i < LOGIN_LIMIT; i++) {
        await p.goto(url('/login'));
        await p.getByLabel('Email').fill(CUSTOMER.email);
        await p.getByLabel('Password').fill(`wrong ${i} password`);
        await p.getByRole('button', { name: 'Sign in' }).click();
        await p.getByRole('alert').waitFor();
      }
      await p.goto(url('/login'));
      await p.getByLabel('Email').fill(CUSTOMER.email);
      await p.getByLabel('Password').fill(CUSTOMER.password);
      const [res] = await Promise.all([p.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'), p.getByRole('button', { name: 'Sign in' }).click()]);
      expect(res.status()).toBe(429);
      expect(await p.getByRole('alert').textContent()).toContain('Too many attempts');
    } finally {
      await p.context().close();
    }
  });
});
