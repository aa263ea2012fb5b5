/**
 * The on-demand fleet on real parts: a real Prosody, recorder processes started by the `local` backend,
 * a Jicofo stand-in in the brewery, a local callback receiver, the seed's curl request verbatim (only the
 * host changed). An "hour" is shortened through JIBRI_FLEET_HOUR_SECONDS.
 *
 * Its fleet's local recorders run under a uid range of its own (support/own-uids.ts), so it runs beside others.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DemoServer } from '../../../../lib/demo/server';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { BREWERY, FakeJicofo, NS_JIBRI } from '../../../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { DOMAINS, fleetDomainConfig, type ProsodyHandle } from '../../../../testkit/prosody';
import { keptRecording, mediaLeftIn } from '../support/fleet-recordings';
import { seedCurl } from '../support/fleet-scenarios';
import { startReceiver, type Receiver } from '../../../../testkit/receiver';
import { waitFor } from '../../../../testkit/service';
import type { Json } from '../../../../testkit/json';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { withOwnUids } from '../support/own-uids';

const PW = { jibri: 'fleet-jibri-pw', focus: 'fleet-focus-pw', recorder: 'fleet-recorder-pw' };
const SECRET = 'fleet-callback-secret';
const ADMIN = 'fleet-admin-token';
const SECRET_KEY = crypto.randomBytes(32).toString('base64');
const HOUR_SECONDS = 14;
const DOMAIN = 'meet.test';

async function adminCall(fleet: FleetServer, method: string, p: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, ...((await res.json()) as object) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the fleet with the local backend', () => {
  let prosody: ProsodyHandle;
  let page: DemoServer;
  let jicofo: FakeJicofo;
  let stack: BreweryStack;
  let cb: Receiver;
  let fleet: FleetServer;
  let apiKey = '';
  let accountId = '';
  let callbackSecret = '';
  const base = fleetBaseDir('jibri-ts-fleet-');
  const dataDir = path.join(base, 'data');
  const env = (): Record<string, string> => ({
    JIBRI_FLEET_PORT: '0',
    JIBRI_FLEET_DATA_DIR: dataDir,
    JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
    JIBRI_FLEET_CALLBACK_SECRET: SECRET,
    JIBRI_FLEET_HOUR_SECONDS: String(HOUR_SECONDS),
    JIBRI_FLEET_LOCATIONS: 'lon=local',
    JIBRI_FLEET_PRICES: 'lon=1.5',
    JIBRI_FLEET_LOCAL_CAPACITY: '3',
    JIBRI_FLEET_DEPLOY_TIMEOUT: '60',
    JIBRI_FLEET_STOP_GRACE: '20',
    ...fleetRecorderEnv(),
    JIBRI_FLEET_SECRET_KEY: SECRET_KEY,
    // The spec's receiver and Prosody are on loopback, which the fleet refuses unless the operator allows them.
    JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port}`,
    JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
    // The meeting page is on loopback here: the recorders' browsers may load it, and nothing else there.
    JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(page.baseUrl).host,
  });
  const start = (): Promise<FleetServer> => startFleetServer(loadFleetConfig(withOwnUids(env())), createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 200 });
  const domainConfig = (): Record<string, string> => fleetDomainConfig({ prosodyPort: prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: page.baseUrl });

  beforeAll(async () => {
    stack = await startBreweryStack(PW);
    ({ prosody, page, jicofo } = stack);
    cb = await startReceiver('/callback');
    fleet = await start();
  });

  afterAll(async () => {
    // Whatever still runs goes: the recorders are separate processes.
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
  });

  it('creates an account with a key shown once, adds balance, and completes the domain only after a test login', async () => {
    expect((await fetch(`${fleet.url}/admin/accounts`, { method: 'POST' })).status).toBe(401);
    const created = await adminCall(fleet, 'POST', '/accounts', { name: 'Lindeas' });
    expect(created).toMatchObject({ status: 201, it: 'worked' });
    expect(created.apiKey).toMatch(/^JOD-[0-9a-f-]{36}$/);
    ({ apiKey, account_id: accountId, callbackSecret } = created);
    expect(callbackSecret).toMatch(/^whsec_/);
    expect(fs.readFileSync(fleet.store.file).includes(Buffer.from(apiKey))).toBe(false);
    expect((await adminCall(fleet, 'POST', `/accounts/${accountId}/balance`, { amount: 6 })).balance).toBe(6);

    const partial = await adminCall(fleet, 'PUT', `/accounts/${accountId}/domains/${DOMAIN}`, { XMPP_SERVER: `127.0.0.1:${prosody.port}` });
    expect(partial).toMatchObject({ complete: false, verified: false });
    expect(partial.message).toMatch(/incomplete: set XMPP_DOMAIN, .*PUBLIC_URL/);
    const wrong = await adminCall(fleet, 'PUT', `/accounts/${accountId}/domains/${DOMAIN}`, { ...domainConfig(), JIBRI_XMPP_PASSWORD: 'wrong' });
    expect(wrong).toMatchObject({ complete: false, verified: false });
    expect(wrong.error).toMatch(/cannot log in to 127\.0\.0\.1:\d+ as jibri@auth\.meet\.test/);
    expect(JSON.stringify(wrong)).not.toContain(PW.jibri);
    const good = await adminCall(fleet, 'PUT', `/accounts/${accountId}/domains/${DOMAIN}`, domainConfig());
    expect(good).toMatchObject({ complete: true, verified: true, message: 'domain configuration complete' });
  });

  it('answers 401, 400 naming the field, 402, 406 and 503 in the seed envelope', async () => {
    const base = { domain: DOMAIN, recorders: '2', duration: '1', location: 'lon', callback_url: cb.url };
    expect(await seedCurl(fleet.url, base)).toEqual({ status: 401, body: { it: 'failed', message: 'missing API Key' } });
    expect(await seedCurl(fleet.url, { apiKey: 'JOD-7c2dedb0-787c-4233-a67e-eb9167b62037', ...base })).toEqual({ status: 401, body: { it: 'failed', message: 'invalid API Key' } });
    const bad = await seedCurl(fleet.url, { apiKey, ...base, recorders: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ it: 'failed', field: 'recorders', message: 'recorders must be a whole number from 1 to 100' });
    expect((await seedCurl(fleet.url, { apiKey, ...base, location: 'mars' })).body).toMatchObject({ field: 'location' });
    expect((await seedCurl(fleet.url, { apiKey, ...base, callback_url: 'ftp://x' })).body).toMatchObject({ field: 'callback_url' });
    const poor = await seedCurl(fleet.url, { apiKey, ...base, recorders: '3', duration: '2' });
    expect(poor.status).toBe(402);
    expect(poor.body).toMatchObject({ it: 'failed', message: 'not enough balance: 9 needed, 6 available' });
    const unknown = await seedCurl(fleet.url, { apiKey, ...base, domain: 'other.example.com' });
    expect(unknown).toMatchObject({ status: 406, body: { it: 'failed', message: 'domain other.example.com is not configured for this account' } });
    expect((await adminCall(fleet, 'POST', '/maintenance', { on: true })).status).toBe(200);
    expect((await seedCurl(fleet.url, { apiKey, ...base })).status).toBe(503);
    await adminCall(fleet, 'POST', '/maintenance', { on: false });
    // Nothing of that touched the balance.
    expect((await (await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': apiKey } })).json()) as object).toMatchObject({ it: 'worked', balance: 6 });
  });

  let deploymentId = '';
  let recorders: Array<{ recorder_id: string; recorder_ip: string }> = [];

  it("deploys 2 recorders from the seed's curl request; both show up idle and healthy in the brewery; the signed callback arrives", async () => {
    const res = await seedCurl(fleet.url, { apiKey, domain: DOMAIN, recorders: '2', duration: '1', location: 'lon', callback_url: cb.url });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ it: 'worked', message: 'your deployment will join your jitsi soon', balance: 3 });
    deploymentId = res.body.deployment_id;
    const callback = await waitFor('the callback', () => cb.got.find((g) => g.body.deployment_info?.deployment_id === deploymentId), 90000, 200);
    expect(callback.body).toMatchObject({ it: 'worked', message: 'deployment successful' });
    recorders = callback.body.deployment_info.recorders;
    expect(recorders).toHaveLength(2);
    for (const r of recorders) expect(r).toEqual({ recorder_id: expect.stringMatching(/^[0-9a-f-]{36}$/), recorder_ip: '127.0.0.1' });
    // Signed with the account's own secret, over the timestamp, the deployment id and the body.
    const expected = `v2=${crypto.createHmac('sha256', callbackSecret).update(`${String(callback.headers['x-jod-timestamp'])}.${deploymentId}.${callback.raw}`).digest('hex')}`;
    expect(callback.headers['x-jod-signature']).toBe(expected);
    for (const r of recorders) {
      const p = await jicofo.waitFor(`${r.recorder_id} in the brewery`, () => jicofo.lastPresenceOf(`${BREWERY}/${r.recorder_id}`), 10000);
      expect(p).toMatchObject({ busy: 'idle', health: 'healthy' });
    }
    const d = await (await fetch(`${fleet.url}/deployments/${deploymentId}`, { headers: { 'x-api-key': apiKey } })).json();
    expect(d.deployment).toMatchObject({ state: 'ready', domain: DOMAIN, location: 'lon' });
    expect(d.deployment.recorders.map((r: Json) => r.state)).toEqual(['ready', 'ready']);
    expect((await fetch(`${fleet.url}/deployments/${deploymentId}`)).status).toBe(401);
  });

  it("a Jicofo stand-in records through one of them; at the paid end the idle one goes, the busy one's session is stopped and finalized within the grace, and Jicofo gets off", async () => {
    const busy = recorders[0]!;
    const idle = recorders[1]!;
    const start = `<iq type="set" id="fleet-start" to="${BREWERY}/${busy.recorder_id}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="fleetroom@${DOMAINS.muc}" session_id="fleet-session"/></iq>`;
    expect((await jicofo.sendIq(start)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${busy.recorder_id}` && s.jibri.attrs.status === 'on'), 30000);

    const rows = fleet.store.recorders(deploymentId);
    const pidOf = (id: string): number => JSON.parse(rows.find((r) => r.id === id)!.handle!).pid;
    // Each recorder knows its paid end: the latest instant it can be, and a usage timeout of the paid time.
    const environ = fs.readFileSync(`/proc/${pidOf(busy.recorder_id)}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`JIBRI_USAGE_TIMEOUT=${HOUR_SECONDS} seconds`);
    const shutdownAt = Date.parse(environ.find((e) => e.startsWith('JIBRI_SHUTDOWN_AT='))!.split('=')[1]!);
    const paidEnd = Date.parse(fleet.store.deployment(deploymentId)!.expiresAt!);
    expect(shutdownAt).toBeGreaterThanOrEqual(paidEnd);
    await waitFor('the expiry', () => (fleet.store.deployment(deploymentId)?.state !== 'ready' ? true : undefined), HOUR_SECONDS * 1000 + 10000, 100);
    // The busy one's session ends at the paid end: Jicofo hears "off" within the grace, the file is finalized.
    const off = await jicofo.waitFor('off', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${busy.recorder_id}` && s.jibri.attrs.status === 'off'), 20000);
    expect(off).toBeDefined();
    expect(Date.now() - paidEnd).toBeLessThan(20000);
    await waitFor('the deployment to end', () => (fleet.store.deployment(deploymentId)?.state === 'ended' ? true : undefined), 30000, 200);
    for (const r of [busy, idle]) expect(alive(pidOf(r.recorder_id))).toBe(false);
    expect(fleet.store.recorders(deploymentId).map((r) => r.state)).toEqual(['removed', 'removed']);
    // The domain sends its recordings nowhere: the fleet took the recording off its recorder before removing it.
    const kept = await keptRecording(fleet, 'fleet-session', 1000);
    expect(fs.existsSync(kept.media)).toBe(true);
    expect(fs.existsSync(path.join(kept.dir, 'metadata.json'))).toBe(true);
    expect(mediaLeftIn(path.join(JSON.parse(rows.find((r) => r.id === busy.recorder_id)!.handle!).dir, 'recordings', 'fleet-session'))).toBe(false);
  });

  it('answers a location without capacity through the callback, and debits nothing', async () => {
    const before = fleet.store.balance(accountId);
    const res = await seedCurl(fleet.url, { apiKey, domain: DOMAIN, recorders: '1', duration: '1', location: 'sgp', callback_url: cb.url });
    // The capacity is reserved with the money: a location that cannot serve is known at once, and costs nothing.
    expect(res).toMatchObject({ status: 200, body: { it: 'worked', balance: before } });
    await waitFor('the failure callback', () => cb.got.find((g) => g.body.it === 'failed'), 10000, 100);
    expect(cb.got.find((g) => g.body.it === 'failed')!.body).toEqual({ it: 'failed', message: 'recorders not available in specified location' });
    await waitFor('the refund', () => (fleet.store.balance(accountId) === before ? true : undefined), 5000, 100);
  });

  it('two concurrent deploys that together exceed the balance: exactly one is accepted; DELETE releases it with a prorated refund', async () => {
    // Exactly one recorder-hour in lon (1.5) on the account.
    const top = 1.5 - fleet.store.balance(accountId);
    if (top !== 0) await adminCall(fleet, 'POST', `/accounts/${accountId}/balance`, { amount: top });
    const both = await Promise.all([0, 1].map(() => seedCurl(fleet.url, { apiKey, domain: DOMAIN, recorders: '1', duration: '1', location: 'lon', callback_url: cb.url })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 402]);
    expect(fleet.store.balance(accountId)).toBe(0);
    const id = both.find((r) => r.status === 200)!.body.deployment_id as string;
    await waitFor('the deployment', () => (fleet.store.deployment(id)?.state === 'ready' ? true : undefined), 60000, 200);
    const res = await fetch(`${fleet.url}/deployments/${id}`, { method: 'DELETE', headers: { 'x-api-key': apiKey } });
    const body = (await res.json()) as { refund: number; balance: number };
    expect(res.status).toBe(200);
    expect(body.refund).toBeGreaterThan(0);
    expect(body.refund).toBeLessThanOrEqual(1.5);
    expect(body.balance).toBe(body.refund);
    await waitFor('the release', () => (fleet.store.deployment(id)?.state === 'ended' ? true : undefined), 30000, 200);
    expect(fleet.store.ledger(accountId).at(-1)).toMatchObject({ reason: 'refund: released early', deploymentId: id });
  });

  it('a restart mid-deploy removes what was started and refunds; nothing is deployed twice', async () => {
    await adminCall(fleet, 'POST', `/accounts/${accountId}/balance`, { amount: 3 });
    const before = fleet.store.balance(accountId);
    const res = await seedCurl(fleet.url, { apiKey, domain: DOMAIN, recorders: '1', duration: '1', location: 'lon', callback_url: cb.url });
    expect(res.status).toBe(200);
    const id = res.body.deployment_id as string;
    await waitFor('a recorder process', () => fleet.store.recorders(id).find((r) => r.handle), 20000, 20);
    await fleet.stop();
    fleet = await start();
    const d = fleet.store.deployment(id)!;
    expect(d.state).toBe('failed');
    expect(d.message).toMatch(/restarted during the deployment/);
    expect(fleet.store.balance(accountId)).toBe(before);
    const rows = fleet.store.recorders(id);
    expect(rows.map((r) => r.state)).toEqual(['failed']);
    if (rows[0]?.handle) expect(alive(JSON.parse(rows[0].handle).pid)).toBe(false);
    await waitFor('the failure callback', () => cb.got.find((g) => g.body.message === 'deployment failed: the fleet restarted during the deployment'), 10000, 100);
    expect(fleet.store.deploymentsIn(['deploying'])).toEqual([]);
  });

  it('rotating the key kills the old one', async () => {
    const rotated = await adminCall(fleet, 'POST', `/accounts/${accountId}/key`);
    expect(rotated.apiKey).not.toBe(apiKey);
    expect((await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': apiKey } })).status).toBe(401);
    expect((await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': rotated.apiKey } })).status).toBe(200);
  });
});
