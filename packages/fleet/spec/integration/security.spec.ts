/**
 * The fleet under attack, on real parts: a real Prosody, recorder processes of the `local` backend, a
 * Jicofo stand-in, loopback receivers that the operator allowed (JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS).
 * One customer (the victim) records; another (the attacker) aims everything it sends at the victim's
 * recorder, at loopback and private addresses, at the money and at the capacity. Each test here failed
 * against the fleet before issue 15 was fixed.
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Database } from '../../lib/sqlite';
import { chromium } from 'playwright';
import type { DemoServer } from '../../../../lib/demo/server';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { BREWERY, FakeJicofo, NS_JIBRI } from '../../../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { DOMAINS, fleetDomainConfig, type ProsodyHandle } from '../../../../testkit/prosody';
import { startReceiver, type Receiver } from '../../../../testkit/receiver';
import type { Json } from '../../../../testkit/json';
import { ROOT, waitFor } from '../../../../testkit/service';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { inspectDatabase } from '../support/inspect';
import { pidAlive } from '@jibri-ts/common';

const PW = { jibri: 'sec-jibri-Pw-7f3a', focus: 'sec-focus-pw', recorder: 'sec-recorder-Pw-91c2' };
const SECRET = 'sec-callback-secret';
const ADMIN = 'sec-admin-token';
const SECRET_KEY = crypto.randomBytes(32).toString('base64');
const DOMAIN = 'meet.test';
/** A name only this spec's /etc/hosts line gives: it resolves to loopback. */
const HOSTS_NAME = `fleet-ssrf-${crypto.randomBytes(4).toString('hex')}.test`;
const HOSTS_LINE = `127.0.0.1 ${HOSTS_NAME}`;
/** Requests per minute per API key. */
const KEY_LIMIT = 40;

interface LocalHandle {
  pid: number;
  port: number;
  internalPort: number;
  dir: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the fleet keeps customers apart', () => {
  let prosody: ProsodyHandle;
  let page: DemoServer;
  let jicofo: FakeJicofo;
  let stack: BreweryStack;
  let cb: Receiver;
  let redirector: Receiver;
  /** What the allowed redirector answers: a 307 to wherever the test points it. */
  const redirect = { status: 307, headers: { location: 'http://127.0.0.1:9/' } };
  let fleet: FleetServer;
  const base = fleetBaseDir('jibri-ts-fleet-sec-');
  const dataDir = path.join(base, 'data');
  const keys: Record<'victim' | 'attacker' | 'other' | 'limited', { id: string; key: string }> = {} as never;
  let env: Record<string, string> = {};
  const start = (): Promise<FleetServer> => startFleetServer(loadFleetConfig(env), createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 100 });

  async function admin(method: string, p: string, body?: unknown): Promise<Json> {
    const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  }

  /** The seed's form request. */
  async function deploy(apiKey: string, fields: Record<string, string>): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${fleet.url}/deploy-recorder`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, domain: DOMAIN, recorders: '1', duration: '1', location: 'lon', callback_url: cb.url, ...fields }),
    });
    return { status: res.status, body: await res.json() };
  }

  const domainConfig = (): Record<string, string> => fleetDomainConfig({ prosodyPort: prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: page.baseUrl });

  const handleOf = (deploymentId: string, i = 0): LocalHandle => JSON.parse(fleet.store.recorders(deploymentId)[i]!.handle!) as LocalHandle;
  const healthOf = async (h: LocalHandle): Promise<Json> => (await fetch(`http://127.0.0.1:${h.port}/jibri/api/v1.0/health`)).json();
  const ledgerOf = (accountId: string, deploymentId: string): number[] => fleet.store.ledger(accountId).filter((l) => l.deploymentId === deploymentId).map((l) => l.delta);

  beforeAll(async () => {
    fs.appendFileSync('/etc/hosts', `${HOSTS_LINE}\n`);
    stack = await startBreweryStack(PW);
    ({ prosody, page, jicofo } = stack);
    cb = await startReceiver('/cb');
    redirector = await startReceiver('/moved', () => redirect);
    env = {
      JIBRI_FLEET_PORT: '0',
      JIBRI_FLEET_DATA_DIR: dataDir,
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_CALLBACK_SECRET: SECRET,
      JIBRI_FLEET_SECRET_KEY: SECRET_KEY,
      JIBRI_FLEET_HOUR_SECONDS: '60',
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_PRICE: '1',
      JIBRI_FLEET_LOCAL_CAPACITY: '2',
      JIBRI_FLEET_DEPLOY_TIMEOUT: '25',
      JIBRI_FLEET_STOP_GRACE: '20',
      ...fleetRecorderEnv(),
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port},127.0.0.1:${redirector.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
      // Loopback on any port, so that a customer's page in its recorder reaches the victim's recorder at all:
      // what is checked here is that recorder's own guard (the browser's proxy is spec/fleet/browser-egress.spec.ts).
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: '127.0.0.1',
      JIBRI_FLEET_KEY_RATE_LIMIT: String(KEY_LIMIT),
      JIBRI_FLEET_ADDRESS_RATE_LIMIT: '400',
      JIBRI_FLEET_FAILED_DEPLOY_LIMIT: '3',
    };
    fleet = await start();
    for (const [name, balance] of [['victim', 10], ['attacker', 10], ['other', 12], ['limited', 0]] as const) {
      const created = await admin('POST', '/accounts', { name });
      keys[name] = { id: created.account_id, key: created.apiKey };
      if (balance) await admin('POST', `/accounts/${created.account_id}/balance`, { amount: balance });
      const set = await admin('PUT', `/accounts/${created.account_id}/domains/${DOMAIN}`, domainConfig());
      expect(set).toMatchObject({ complete: true });
    }
  });

  afterAll(async () => {
    const hosts = fs.readFileSync('/etc/hosts', 'utf8');
    fs.writeFileSync('/etc/hosts', hosts.split('\n').filter((l) => l !== HOSTS_LINE).join('\n'));
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle).catch(() => undefined);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
    await redirector?.close();
  });

  let victim = '';
  let victimHandle: LocalHandle;

  it("the victim's recorder is deployed and records a session", async () => {
    const res = await deploy(keys.victim.key, {});
    expect(res.status).toBe(200);
    victim = res.body.deployment_id;
    const callback = await waitFor('the callback', () => cb.got.find((g) => g.body.deployment_info?.deployment_id === victim), 60000, 200);
    const recorderId = callback.body.deployment_info.recorders[0].recorder_id as string;
    victimHandle = handleOf(victim);
    await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(`${BREWERY}/${recorderId}`), 10000);
    const startIq = `<iq type="set" id="sec-start" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="secroom@${DOMAINS.muc}" session_id="sec-session"/></iq>`;
    expect((await jicofo.sendIq(startIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${recorderId}` && s.jibri.attrs.status === 'on'), 30000);
    expect((await healthOf(victimHandle)).busy).toBe(true);
  });

  it('a callback_url aimed at loopback, private, link-local, CGNAT or unique-local addresses, in any spelling, is a 400 naming the field and changes nothing', async () => {
    const before = fleet.store.balance(keys.attacker.id);
    const targets = [
      `http://127.0.0.1:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://127.0.0.1:${victimHandle.internalPort}/jibri/api/internal/v1.0/gracefulShutdown`,
      `http://localhost:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://${HOSTS_NAME}:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://2130706433:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://127.1:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://0x7f.1:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://0177.0.0.1:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://[::1]:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://[::ffff:127.0.0.1]:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://[::127.0.0.1]:${victimHandle.port}/`,
      `http://0.0.0.0:${victimHandle.port}/jibri/api/v1.0/stopService`,
      'http://10.1.2.3/cb',
      'http://192.168.1.1/cb',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/cb',
      'http://[fd00::1]/cb',
      'http://[fe80::1]/cb',
      'http://224.0.0.1/cb',
      // The allowed receiver's host on another port is not the allowed receiver.
      `http://127.0.0.1:${cb.port + 1 === victimHandle.port ? cb.port + 2 : cb.port + 1}/cb`,
    ];
    for (const target of targets) {
      // More recorders than the location holds: before the fix this failed at once, refunded, and still called back.
      const res = await deploy(keys.attacker.key, { recorders: '3', callback_url: target });
      expect({ target, status: res.status, field: res.body.field, it: res.body.it }).toEqual({ target, status: 400, field: 'callback_url', it: 'failed' });
      expect(res.body.message).toMatch(/^callback_url: /);
    }
    expect(fleet.store.balance(keys.attacker.id)).toBe(before);
    expect(fleet.store.ledger(keys.attacker.id).filter((l) => l.deploymentId)).toEqual([]);
    await sleep(500);
    expect(pidAlive(victimHandle.pid)).toBe(true);
    expect((await healthOf(victimHandle)).busy).toBe(true);
  });

  it("a redirect from an allowed receiver to the victim's recorder is not followed", async () => {
    // The operator allowed this receiver; it answers 307 (method and body kept) to the victim's stopService.
    redirect.headers.location = `http://127.0.0.1:${victimHandle.port}/jibri/api/v1.0/stopService`;
    const res = await deploy(keys.attacker.key, { recorders: '3', callback_url: redirector.url });
    expect(res.status).toBe(200);
    await waitFor('the failure callback at the allowed receiver', () => redirector.got[0], 10000, 50);
    await waitFor('a retry', () => (redirector.got.length >= 2 ? true : undefined), 10000, 50);
    expect(redirector.got[0]!.body).toEqual({ it: 'failed', message: 'recorders not available in specified location' });
    await sleep(500);
    expect(pidAlive(victimHandle.pid)).toBe(true);
    expect((await healthOf(victimHandle)).busy).toBe(true);
    const rows = inspectDatabase(fleet.store.file, (db) => db.prepare('SELECT last_error FROM callbacks WHERE deployment_id = ?').all(res.body.deployment_id)) as Array<{ last_error: string }>;
    expect(rows[0]?.last_error).toMatch(/307/);
    // A deploy that could not be served cost nothing.
    expect(fleet.store.balance(keys.attacker.id)).toBe(10);
  });

  it('every recorder has its own token: its APIs refuse requests without it, and no secret is in its environment', async () => {
    const noToken = await fetch(`http://127.0.0.1:${victimHandle.port}/jibri/api/v1.0/stopService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    const internal = await fetch(`http://127.0.0.1:${victimHandle.internalPort}/jibri/api/internal/v1.0/gracefulShutdown`, { method: 'POST' });
    expect(internal.status).toBe(401);
    await sleep(300);
    expect(pidAlive(victimHandle.pid)).toBe(true);
    expect((await healthOf(victimHandle)).busy).toBe(true);

    const environ = fs.readFileSync(`/proc/${victimHandle.pid}/environ`, 'utf8').split('\0');
    for (const secret of [PW.jibri, PW.recorder]) expect(environ.join('\n')).not.toContain(secret);
    expect(environ.find((e) => /^(JIBRI_XMPP_PASSWORD|JIBRI_RECORDER_PASSWORD|JIBRI_HTTP_API_TOKEN)=/.test(e))).toBeUndefined();
    const tokenFile = environ.find((e) => e.startsWith('JIBRI_HTTP_API_TOKEN_FILE='))!.split('=')[1]!;
    const stat = fs.statSync(tokenFile);
    expect(stat.mode & 0o077).toBe(0);
    // This host lets a root fleet run each local recorder under its own uid (JIBRI_FLEET_LOCAL_UIDS=auto).
    if (process.getuid?.() === 0) {
      const uid = fs.statSync(`/proc/${victimHandle.pid}`).uid;
      expect(uid).not.toBe(0);
      expect(stat.uid).toBe(uid);
      // Another recorder's uid can neither read the secret nor the recorder's environment.
      const other = String(uid + 1);
      for (const file of [tokenFile, `/proc/${victimHandle.pid}/environ`]) {
        const read = spawnSync('setpriv', ['--reuid', other, '--regid', other, '--clear-groups', 'cat', file], { encoding: 'utf8' });
        expect({ file, status: read.status, out: read.stdout }).toEqual({ file, status: 1, out: '' });
      }
    }
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    // The token is not in the database in clear, nor in the fleet's answers.
    const d = await (await fetch(`${fleet.url}/deployments/${victim}`, { headers: { 'x-api-key': keys.victim.key } })).text();
    expect(d).not.toContain(token);
    for (const f of [fleet.store.file, `${fleet.store.file}-wal`]) if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(Buffer.from(token))).toBe(false);
    // With the token, it answers.
    const withToken = await fetch(`http://127.0.0.1:${victimHandle.port}/jibri/api/v1.0/health`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
  });

  /**
   * A web page that sends Jibri's requests to the victim's recorder the way a browser lets any page:
   * `no-cors`, a text/plain body, no preflight. It reports back to its own origin what it did.
   */
  async function startAttackPage(): Promise<{ url: string; reports: string[]; close(): Promise<void> }> {
    const reports: string[] = [];
    const targets = [
      `http://127.0.0.1:${victimHandle.port}/jibri/api/v1.0/stopService`,
      `http://127.0.0.1:${victimHandle.internalPort}/jibri/api/internal/v1.0/gracefulShutdown`,
      `http://127.0.0.1:${victimHandle.internalPort}/jibri/api/internal/v1.0/shutdown`,
    ];
    const html = `<!doctype html><title>attacker</title><script>
      (async () => {
        const sent = [];
        for (const url of ${JSON.stringify(targets)}) {
          try { await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }); sent.push(url); } catch (e) { sent.push(url + ' ' + e); }
        }
        await fetch('/done', { method: 'POST', body: JSON.stringify(sent) });
      })();
    </script>`;
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/done') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          reports.push(body);
          res.writeHead(200).end();
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reports, close: () => new Promise((r) => server.close(() => r())) };
  }

  it("neither a browser page on the host nor a meeting page in another customer's recorder can stop or shut down the victim's recorder", async () => {
    const attack = await startAttackPage();
    const victimLog = path.join(victimHandle.dir, 'recorder.log');
    try {
      // A page in a browser on the host.
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
      try {
        const pageOnHost = await browser.newPage();
        await pageOnHost.goto(`${attack.url}/on-the-host`);
        await waitFor('the host page to report', () => attack.reports[0], 10000, 50);
      } finally {
        await browser.close();
      }
      await sleep(300);
      expect(pidAlive(victimHandle.pid)).toBe(true);
      expect((await healthOf(victimHandle)).busy).toBe(true);

      // The attacker's own recorder records the attacker's own meeting page: the same requests, from inside the fleet.
      const set = await admin('PUT', `/accounts/${keys.attacker.id}/domains/${DOMAIN}`, { ...domainConfig(), PUBLIC_URL: attack.url });
      expect(set).toMatchObject({ complete: true });
      const res = await deploy(keys.attacker.key, {});
      expect(res.status).toBe(200);
      const callback = await waitFor('the attacker recorder', () => cb.got.find((g) => g.body.deployment_info?.deployment_id === res.body.deployment_id), 60000, 200);
      const attackerRecorder = callback.body.deployment_info.recorders[0].recorder_id as string;
      const startIq = `<iq type="set" id="evil-start" to="${BREWERY}/${attackerRecorder}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="evilroom@${DOMAINS.muc}" session_id="evil-session"/></iq>`;
      expect((await jicofo.sendIq(startIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
      await waitFor("the page in the attacker's recorder to report", () => attack.reports[1], 30000, 100);
      await sleep(300);
      expect(pidAlive(victimHandle.pid)).toBe(true);
      expect((await healthOf(victimHandle)).busy).toBe(true);
      // The victim's request guard refused all six as cross-site (its token would have refused them next).
      const refusals = fs.readFileSync(victimLog, 'utf8').split('\n').filter((l) => l.includes("refused a browser's cross-site POST"));
      expect(refusals).toHaveLength(6);
      const stopIq = `<iq type="set" id="evil-stop" to="${BREWERY}/${attackerRecorder}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="evil-session"/></iq>`;
      await jicofo.sendIq(stopIq);
      expect((await fetch(`${fleet.url}/deployments/${res.body.deployment_id}`, { method: 'DELETE', headers: { 'x-api-key': keys.attacker.key } })).status).toBe(200);
      await waitFor('the release', () => (fleet.store.deployment(res.body.deployment_id)?.state === 'ended' ? true : undefined), 40000, 200);
    } finally {
      await attack.close();
    }
  });

  it("the victim's session ends normally and the release refunds at most what was paid", async () => {
    const recorderId = fleet.store.recorders(victim)[0]!.id;
    const stopIq = `<iq type="set" id="sec-stop" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="sec-session"/></iq>`;
    expect((await jicofo.sendIq(stopIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('off');
    const res = await fetch(`${fleet.url}/deployments/${victim}`, { method: 'DELETE', headers: { 'x-api-key': keys.victim.key } });
    expect(res.status).toBe(200);
    await waitFor('the release', () => (fleet.store.deployment(victim)?.state === 'ended' ? true : undefined), 40000, 200);
    const entries = ledgerOf(keys.victim.id, victim);
    expect(entries[0]).toBe(-1);
    expect(entries.slice(1).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
  });

  it('concurrent deploys beyond the capacity: only what fits is created and paid for', async () => {
    const before = fleet.store.balance(keys.other.id);
    const results = await Promise.all([0, 1, 2].map(() => deploy(keys.other.key, { recorders: '2' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const ids = results.map((r) => r.body.deployment_id as string);
    await waitFor('every deployment to settle', () => (ids.every((id) => ['ready', 'failed'].includes(fleet.store.deployment(id)!.state)) ? true : undefined), 60000, 200);
    const states = ids.map((id) => fleet.store.deployment(id)!.state).sort();
    expect(states).toEqual(['failed', 'failed', 'ready']);
    const created = ids.flatMap((id) => fleet.store.recorders(id));
    expect(created).toHaveLength(2);
    expect(fleet.store.balance(keys.other.id)).toBe(before - 2);
    const failed = ids.filter((id) => fleet.store.deployment(id)!.state === 'failed');
    for (const id of failed) {
      await waitFor('the failure callback', () => cb.got.find((g) => g.headers['x-jod-deployment'] === id), 10000, 100);
      expect(cb.got.find((g) => g.headers['x-jod-deployment'] === id)!.body).toEqual({ it: 'failed', message: 'recorders not available in specified location' });
    }
    const ready = ids.find((id) => fleet.store.deployment(id)!.state === 'ready')!;
    expect((await fetch(`${fleet.url}/deployments/${ready}`, { method: 'DELETE', headers: { 'x-api-key': keys.other.key } })).status).toBe(200);
    await waitFor('the release', () => (fleet.store.deployment(ready)?.state === 'ended' ? true : undefined), 40000, 200);
  });

  it('a partial deploy followed by an early release never refunds more than was paid', async () => {
    const before = fleet.store.balance(keys.other.id);
    const res = await deploy(keys.other.key, { recorders: '2', duration: '2' });
    expect(res.status).toBe(200);
    const id = res.body.deployment_id as string;
    // The customer makes one of its recorders fail (its own XMPP server could refuse it): here, it dies.
    const doomed = await waitFor('a recorder process', () => fleet.store.recorders(id).find((r) => r.handle), 20000, 10);
    process.kill((JSON.parse(doomed.handle!) as LocalHandle).pid, 'SIGKILL');
    await waitFor('the deployment to be ready', () => (fleet.store.deployment(id)?.state === 'ready' ? true : undefined), 60000, 200);
    expect(fleet.store.recorders(id).filter((r) => r.state === 'ready')).toHaveLength(1);
    const release = await fetch(`${fleet.url}/deployments/${id}`, { method: 'DELETE', headers: { 'x-api-key': keys.other.key } });
    expect(release.status).toBe(200);
    await waitFor('the release', () => (fleet.store.deployment(id)?.state === 'ended' ? true : undefined), 40000, 200);
    const entries = ledgerOf(keys.other.id, id);
    const debit = -entries[0]!;
    const refunds = entries.slice(1).reduce((a, b) => a + b, 0);
    expect(debit).toBe(4);
    expect(refunds).toBeLessThanOrEqual(debit);
    expect(fleet.store.balance(keys.other.id)).toBeLessThanOrEqual(before);
  });

  it('the API key is accepted from the x-api-key and Authorization headers', async () => {
    for (const headers of [{ 'x-api-key': keys.limited.key }, { authorization: `Bearer ${keys.limited.key}` }] as Array<Record<string, string>>) {
      const res = await fetch(`${fleet.url}/deploy-recorder`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ domain: DOMAIN, recorders: 1, duration: 1, location: 'lon', callback_url: cb.url }),
      });
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 402, body: { it: 'failed', message: 'not enough balance: 1 needed, 0 available' } });
    }
  });

  it('secrets at rest: the data folder is 0700, the database 0600, passwords and tokens are encrypted', async () => {
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    const db = fleet.store.file;
    for (const f of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) expect({ f, mode: fs.statSync(f).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    inspectDatabase(fleet.store.file, (c) => c.pragma('wal_checkpoint(TRUNCATE)'));
    const bytes = Buffer.concat([db, `${db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const secret of [PW.jibri, PW.recorder]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });

  it('plaintext rows of an older database are encrypted at the next start; a wrong or missing key is a clear error', async () => {
    await fleet.stop();
    // An older fleet wrote the passwords in clear.
    const raw = new Database(path.join(dataDir, 'fleet.sqlite'));
    const legacy = JSON.stringify({ ...domainConfig(), JIBRI_XMPP_PASSWORD: 'legacy-Plain-pw-1', JIBRI_RECORDER_PASSWORD: 'legacy-Plain-pw-2' });
    raw.prepare("INSERT INTO domains (account_id, domain, config, verified_at) VALUES (?, 'legacy.test', ?, '2026-01-01T00:00:00Z')").run(keys.limited.id, legacy);
    raw.close();

    const wrong = loadFleetConfig({ ...env, JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64') });
    await expect(startFleetServer(wrong, createLogger('error', { silent: true }))).rejects.toThrow(/JIBRI_FLEET_SECRET_KEY/);
    const { JIBRI_FLEET_SECRET_KEY: _k, ...without } = env;
    expect(() => loadFleetConfig(without)).toThrow(/JIBRI_FLEET_SECRET_KEY is required.*openssl rand -base64 32/s);

    fleet = await start();
    expect(fleet.store.domain(keys.limited.id, 'legacy.test')?.config.JIBRI_XMPP_PASSWORD).toBe('legacy-Plain-pw-1');
    inspectDatabase(fleet.store.file, (c) => c.pragma('wal_checkpoint(TRUNCATE)'));
    const db = fleet.store.file;
    const bytes = Buffer.concat([db, `${db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    expect(bytes.includes(Buffer.from('legacy-Plain-pw-1'))).toBe(false);
    expect(bytes.includes(Buffer.from('legacy-Plain-pw-2'))).toBe(false);
  });

  /** `jibri-ts fleet` as an operator would start it by mistake a second time. */
  function secondFleet(extra: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/lib/main.js'), 'fleet'], { env: { PATH: process.env.PATH ?? '', ...env, ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  it('a second fleet on a busy port, or on the same database, is a clear error and runs no recovery', async () => {
    const res = await deploy(keys.other.key, {});
    expect(res.status).toBe(200);
    const id = res.body.deployment_id as string;
    expect(fleet.store.deployment(id)?.state).toBe('deploying');
    const ledgerBefore = fleet.store.ledger(keys.other.id).length;

    const port = new URL(fleet.url).port;
    const busy = await secondFleet({ JIBRI_FLEET_PORT: port });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\).*JIBRI_FLEET_PORT`));
    const locked = await secondFleet({ JIBRI_FLEET_PORT: '0' });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/another fleet server is using .*fleet\.sqlite/);

    // The first fleet's deployment went on as if nothing happened: no refund, no failure callback.
    await waitFor('the deployment to be ready', () => (fleet.store.deployment(id)?.state === 'ready' ? true : undefined), 60000, 200);
    await waitFor('its callback', () => cb.got.find((g) => g.headers['x-jod-deployment'] === id), 10000, 100);
    expect(fleet.store.ledger(keys.other.id)).toHaveLength(ledgerBefore);
    expect(cb.got.filter((g) => g.headers['x-jod-deployment'] === id).map((g) => g.body.it)).toEqual(['worked']);
    await fetch(`${fleet.url}/deployments/${id}`, { method: 'DELETE', headers: { 'x-api-key': keys.other.key } });
  });

  it('deploys that fail at once are limited per account: past the limit they get 429, and send nothing', async () => {
    const answers: Array<{ status: number; body: Json }> = [];
    for (let i = 0; i < 5; i++) answers.push(await deploy(keys.attacker.key, { recorders: '3' }));
    // One failed deployment already counts (the redirect above): two more are accepted, then 429.
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429, 429]);
    expect(answers[2]!.body).toEqual({ it: 'failed', message: expect.stringMatching(/^3 deployments of this account failed in the last hour/) });
    // Only the two accepted ones called back; the refused ones made no deployment at all.
    await sleep(1000);
    const sent = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.deployment_id as string));
    expect(cb.got.filter((g) => sent.has(g.headers['x-jod-deployment'] as string))).toHaveLength(2);
    expect(answers.slice(2).every((a) => a.body.deployment_id === undefined)).toBe(true);
  });

  it('the public endpoints are rate limited per API key and per address, with 429 in the seed envelope', async () => {
    const { apiKey } = await admin('POST', '/accounts', { name: 'counted' });
    const statuses: number[] = [];
    for (let i = 0; i < KEY_LIMIT; i++) statuses.push((await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': apiKey } })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': apiKey } });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ it: 'failed', message: expect.stringMatching(/^too many requests for this API key/) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key from the same address still works, until the address's own limit.
    expect((await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': keys.victim.key } })).status).toBe(200);
    let last: Response | undefined;
    for (let i = 0; i < 450 && last?.status !== 429; i++) last = await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': `JOD-${crypto.randomUUID()}` } });
    expect(last?.status).toBe(429);
    expect(await last!.json()).toEqual({ it: 'failed', message: expect.stringMatching(/^too many requests from this address/) });
    // Health stays open for load balancers.
    expect((await fetch(`${fleet.url}/health`)).status).toBe(200);
  });
});
