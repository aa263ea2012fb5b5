/**
 * Callback signatures tell customers apart, on the real fleet with a real Prosody (the domains' test
 * login): each account signs with its own secret, over the timestamp, the deployment id and the body.
 * Failure callbacks are used because their bodies are identical for every customer: with the one
 * fleet-wide key of before, a customer could replay its own signed failure to another customer's
 * receiver and it verified (the legacy case below still shows that, for an account that has not
 * generated its own secret).
 *
 * Its fleet's local recorders run under a uid range of its own (support/own-uids.ts), so it runs beside others.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { fleetDomainConfig } from '../../../../testkit/prosody';
import { startReceiver, type Received, type Receiver } from '../../../../testkit/receiver';
import type { Json } from '../../../../testkit/json';
import { waitFor } from '../../../../testkit/service';
import { fleetBaseDir } from '../../../../testkit/fleet-recorder';
import { inspectDatabase } from '../support/inspect';
import { withOwnUids } from '../support/own-uids';

const PW = { jibri: 'sign-jibri-Pw-1', focus: 'sign-focus-pw', recorder: 'sign-recorder-Pw-2' };
const ADMIN = 'sign-admin-token';
const LEGACY = 'sign-legacy-fleet-wide-key';
const DOMAIN = 'meet.test';

/** What docs/FLEET.md tells a receiver to do. */
function verifies(secret: string, r: Pick<Received, 'headers' | 'raw'>, nowSec = Math.floor(Date.now() / 1000)): boolean {
  const timestamp = String(r.headers['x-jod-timestamp'] ?? '');
  const deployment = String(r.headers['x-jod-deployment'] ?? '');
  const given = String(r.headers['x-jod-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > 300) return false;
  const expected = `v2=${crypto.createHmac('sha256', secret).update(`${timestamp}.${deployment}.${r.raw}`).digest('hex')}`;
  return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Sends a captured callback again, as a replaying customer would. */
async function replay(r: Received, to: string, headers: Record<string, string> = {}): Promise<void> {
  const keep = Object.fromEntries(['content-type', 'x-jod-signature', 'x-jod-timestamp', 'x-jod-deployment'].map((h) => [h, String(r.headers[h] ?? '')]));
  await fetch(to, { method: 'POST', headers: { ...keep, ...headers }, body: r.raw });
}

describe('callback signatures per account', () => {
  let stack: BreweryStack;
  let victimCb: Receiver;
  let attackerCb: Receiver;
  let fleet: FleetServer;
  const base = fleetBaseDir('jibri-ts-fleet-sign-');
  const accounts: Record<'victim' | 'attacker', { id: string; key: string; secret: string }> = {} as never;
  let env: Record<string, string> = {};

  const admin = async (method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  };
  /** A deploy to a location this fleet does not serve: answered 200, free, and a failure callback at once. */
  const failingDeploy = async (key: string, callbackUrl: string): Promise<string> => {
    const res = await fetch(`${fleet.url}/deploy-recorder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ domain: DOMAIN, recorders: 1, duration: 1, location: 'sgp', callback_url: callbackUrl }),
    });
    const body = (await res.json());
    expect({ status: res.status, body }).toMatchObject({ status: 200, body: { it: 'worked' } });
    return body.deployment_id as string;
  };
  const callbackOf = (cb: Receiver, id: string): Promise<Received> => waitFor('the callback', () => cb.got.find((g) => g.headers['x-jod-deployment'] === id), 10000, 50);

  beforeAll(async () => {
    stack = await startBreweryStack(PW);
    victimCb = await startReceiver('/victim');
    attackerCb = await startReceiver('/attacker');
    env = {
      JIBRI_FLEET_PORT: '0',
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_RECORDER_MAIN: '/nonexistent/main.js',
      JIBRI_FLEET_RECORDER_NODE: '/nonexistent/node',
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${victimCb.port},127.0.0.1:${attackerCb.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${stack.prosody.port}`,
    };
    // A new database needs no fleet-wide key: every account gets its own secret.
    fleet = await startFleetServer(loadFleetConfig(withOwnUids(env)), createLogger(process.env.TEST_LOG_LEVEL ?? 'error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 100 });
    for (const name of ['victim', 'attacker'] as const) {
      const created = await admin('POST', '/accounts', { name });
      expect(created.callbackSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      accounts[name] = { id: created.account_id, key: created.apiKey, secret: created.callbackSecret };
      // A deploy is checked against the balance before the location: one that cannot be served debits nothing.
      await admin('POST', `/accounts/${created.account_id}/balance`, { amount: 1 });
      const set = await admin('PUT', `/accounts/${created.account_id}/domains/${DOMAIN}`, fleetDomainConfig({ prosodyPort: stack.prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: 'https://meet.example.com' }));
      expect(set).toMatchObject({ complete: true });
    }
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
    await victimCb?.close();
    await attackerCb?.close();
  });

  it("each account's callbacks verify with its own secret over timestamp, deployment and body, and with nothing else", async () => {
    const v = await failingDeploy(accounts.victim.key, victimCb.url);
    const a = await failingDeploy(accounts.attacker.key, attackerCb.url);
    const got = await callbackOf(victimCb, v);
    const own = await callbackOf(attackerCb, a);
    // The very same body for both customers: only the signature tells them apart.
    expect(got.raw).toBe(own.raw);
    expect(got.headers['x-jod-signature']).toMatch(/^v2=[0-9a-f]{64}$/);
    expect(verifies(accounts.victim.secret, got)).toBe(true);
    expect(verifies(accounts.attacker.secret, own)).toBe(true);

    // The attacker replays its own signed failure to the victim's receiver: it does not verify there.
    await replay(own, victimCb.url);
    const replayed = victimCb.got.at(-1)!;
    expect(replayed.headers['x-jod-deployment']).toBe(a);
    expect(verifies(accounts.victim.secret, replayed)).toBe(false);
    // Nor does it with the victim's deployment id put in its place: the id is signed.
    await replay(own, victimCb.url, { 'x-jod-deployment': v });
    expect(verifies(accounts.victim.secret, victimCb.got.at(-1)!)).toBe(false);
    // A genuine callback replayed later than five minutes is refused by the recipe's timestamp check.
    expect(verifies(accounts.victim.secret, got, Math.floor(Date.now() / 1000) + 301)).toBe(false);
  });

  it('a new secret signs from then on; the old one no longer verifies', async () => {
    const rotated = await admin('POST', `/accounts/${accounts.victim.id}/callback-secret`);
    expect(rotated.status).toBe(200);
    const id = await failingDeploy(accounts.victim.key, victimCb.url);
    const got = await callbackOf(victimCb, id);
    expect(verifies(rotated.callbackSecret as string, got)).toBe(true);
    expect(verifies(accounts.victim.secret, got)).toBe(false);
    // The secret is sealed in the database, not stored in clear.
    const row = inspectDatabase(fleet.store.file, (db) => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return db.prepare('SELECT callback_secret AS s FROM accounts WHERE id = ?').get(accounts.victim.id);
    }) as { s: string };
    expect(row.s).not.toContain(rotated.callbackSecret as string);
  });

  it('an account from before per-account secrets keeps the legacy signature until it generates one, and the fleet says so', async () => {
    // As an older fleet left it: no secret of its own.
    inspectDatabase(fleet.store.file, (db) => db.prepare('UPDATE accounts SET callback_secret = NULL WHERE id = ?').run(accounts.attacker.id));
    await fleet.stop();
    await expect(startFleetServer(loadFleetConfig(withOwnUids(env)), createLogger('error', { silent: true }))).rejects.toThrow(/JIBRI_FLEET_CALLBACK_SECRET: 1 account\(s\) have no callback signing secret/);
    fleet = await startFleetServer(loadFleetConfig(withOwnUids({ ...env, JIBRI_FLEET_CALLBACK_SECRET: LEGACY })), createLogger(process.env.TEST_LOG_LEVEL ?? 'error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 100 });
    const id = await failingDeploy(accounts.attacker.key, attackerCb.url);
    const got = await callbackOf(attackerCb, id);
    expect(got.headers['x-jod-signature']).toBe(`sha256=${crypto.createHmac('sha256', LEGACY).update(got.raw).digest('hex')}`);
    const fresh = await admin('POST', `/accounts/${accounts.attacker.id}/callback-secret`);
    const id2 = await failingDeploy(accounts.attacker.key, attackerCb.url);
    expect(verifies(fresh.callbackSecret as string, await callbackOf(attackerCb, id2))).toBe(true);
  });
});
