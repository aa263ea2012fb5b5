import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installedRecorderMain, loadFleetConfig, priceOf } from '../../packages/fleet/lib/config';
import { parseDeployRequest } from '../../packages/fleet/lib/deploy-request';
import { deploymentCost, proratedRefund } from '../../packages/fleet/lib/money';
import { missingFields, parseDomainConfig, redactDomainConfig } from '../../packages/fleet/lib/domain-config';
import { hashKey, keyMatches, newApiKey, signBody } from '../../packages/fleet/lib/keys';
import { retryDelayMs } from '../../packages/fleet/lib/callbacks';

describe('fleet: the deploy request', () => {
  const seed = { apiKey: 'JOD-3c4708cf-dc4c-4166-9cc3-ba483f6b7f6b', domain: 'meet.lindeas.com', recorders: '28', duration: '3', location: 'blr', callback_url: 'https://api.mydomain/deployed-recorder' };

  it("accepts the seed's axios body (numbers as strings) and JSON numbers", () => {
    expect(parseDeployRequest(seed)).toEqual({ ok: true, request: { apiKey: seed.apiKey, domain: 'meet.lindeas.com', recorders: 28, durationHours: 3, location: 'blr', callbackUrl: seed.callback_url } });
    expect(parseDeployRequest({ ...seed, recorders: 2, duration: 1 })).toMatchObject({ ok: true, request: { recorders: 2, durationHours: 1 } });
  });

  it.each([
    ['recorders', 'abc'], ['recorders', '0'], ['recorders', '101'], ['recorders', '1.5'], ['duration', '-1'], ['duration', ''],
    ['location', 'mars'], ['callback_url', 'not a url'], ['callback_url', 'file:///etc/passwd'], ['domain', 'not a domain!'],
  ])('names %s for %j', (field, value) => {
    const r = parseDeployRequest({ ...seed, [field]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.field).toBe(field);
  });

  it('tells a missing key apart', () => {
    const { apiKey: _k, ...rest } = seed;
    expect(parseDeployRequest(rest)).toMatchObject({ ok: false, missingKey: true });
    expect(parseDeployRequest(undefined)).toMatchObject({ ok: false, missingKey: true });
  });
});

describe('fleet: money', () => {
  const key = { JIBRI_FLEET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64') };
  it('prices recorders x hours, and refunds the unused share of a release', () => {
    expect(deploymentCost(28, 3, 0.1)).toBe(8.4);
    expect(proratedRefund(10, 0, 100, 25)).toBe(7.5);
    expect(proratedRefund(10, 0, 100, -5)).toBe(10);
    expect(proratedRefund(10, 0, 100, 100)).toBe(0);
  });

  it('reads locations, backends and prices, and refuses what is wrong by name', () => {
    const c = loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_LOCATIONS: 'lon=local,fra=docker', JIBRI_FLEET_PRICES: 'lon=0.5', JIBRI_FLEET_PRICE: '2' });
    expect(c.locations).toEqual({ lon: 'local', fra: 'docker' });
    expect([priceOf(c, 'lon'), priceOf(c, 'fra')]).toEqual([0.5, 2]);
    // The fleet-wide callback key is only for accounts from before per-account secrets (checked against the database at start).
    expect(loadFleetConfig({ ...key }).callbackSecret).toBe('');
    expect(() => loadFleetConfig({})).toThrow(/JIBRI_FLEET_SECRET_KEY is required/);
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_LOCATIONS: 'mars=local' })).toThrow(/"mars" is not one of nyc/);
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_LOCATIONS: 'lon=cloud' })).toThrow(/must be local, docker, swarm or kubernetes/);
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_PRICES: 'lon=free' })).toThrow(/"free" is not a price/);
  });

  it('refuses local recorders under the fleet\'s own uid unless the operator accepts the risk by its name', () => {
    const notRoot = { isRoot: false };
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_LOCATIONS: 'lon=local', JIBRI_FLEET_RECORDER_MAIN: '/x/main.js' }, notRoot)).toThrow(/under the fleet's own uid \(the fleet is not root\).*JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true/s);
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_LOCATIONS: 'lon=local', JIBRI_FLEET_RECORDER_MAIN: '/x/main.js', JIBRI_FLEET_LOCAL_UIDS: 'off' }, { isRoot: true })).toThrow(/JIBRI_FLEET_LOCAL_UIDS=off/);
    const accepted = loadFleetConfig({ ...key, JIBRI_FLEET_LOCATIONS: 'lon=local', JIBRI_FLEET_RECORDER_MAIN: '/x/main.js', JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS: 'true' }, notRoot);
    expect(accepted.warnings.join('\n')).toMatch(/JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true: local recorders run under the fleet's own uid/);
    // Root (uids of their own), or no local location: nothing to accept.
    expect(loadFleetConfig({ ...key, JIBRI_FLEET_LOCATIONS: 'lon=local', JIBRI_FLEET_RECORDER_MAIN: '/x/main.js' }, { isRoot: true }).localUids).toBeDefined();
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_LOCATIONS: 'lon=docker' }, notRoot)).not.toThrow();
  });

  it('needs a secret key, says how to make one, and reads secrets from files (NAME_FILE)', () => {
    expect(() => loadFleetConfig({ JIBRI_FLEET_CALLBACK_SECRET: 's' })).toThrow(/JIBRI_FLEET_SECRET_KEY is required.*openssl rand -base64 32/s);
    expect(() => loadFleetConfig({ JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY: 'short' })).toThrow(/JIBRI_FLEET_SECRET_KEY: expected 32 bytes/);
    const dir = fs.mkdtempSync(`${os.tmpdir()}/fleet-key-`);
    fs.writeFileSync(`${dir}/key`, `${Buffer.alloc(32, 9).toString('base64')}\n`);
    const c = loadFleetConfig({ JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY_FILE: `${dir}/key` });
    expect(c.secretKey).toEqual(Buffer.alloc(32, 9));
    expect(() => loadFleetConfig({ JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY_FILE: `${dir}/missing` })).toThrow(/JIBRI_FLEET_SECRET_KEY_FILE=.*cannot be read \(ENOENT\)/);
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: 'http://x' })).toThrow(/JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: "http:\/\/x" is not host or host:port/);
    expect(loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_TRUST_PROXY: 'everyone' })).toThrow(/JIBRI_FLEET_TRUST_PROXY/);
  });
});

describe("fleet: the recorder its local backend runs", () => {
  it('is the jibri-ts package the fleet is installed in (a checkout, the fleet-local image), and none when the fleet is alone', () => {
    const root = path.resolve(__dirname, '../..');
    expect(installedRecorderMain(path.join(root, 'packages/fleet/lib'))).toBe(path.join(root, 'dist/lib/main.js'));
    const alone = fs.mkdtempSync(`${os.tmpdir()}/fleet-alone-`);
    fs.mkdirSync(`${alone}/app/packages/fleet/dist`, { recursive: true });
    fs.writeFileSync(`${alone}/app/packages/fleet/package.json`, JSON.stringify({ name: '@jibri-ts/fleet' }));
    expect(installedRecorderMain(`${alone}/app/packages/fleet/dist`)).toBeUndefined();
    // fleet-local: the fleet under /app/fleet, the recorder's package.json at /app.
    fs.mkdirSync(`${alone}/app/fleet/packages/fleet/dist`, { recursive: true });
    fs.writeFileSync(`${alone}/app/package.json`, JSON.stringify({ name: 'jibri-ts' }));
    expect(installedRecorderMain(`${alone}/app/fleet/packages/fleet/dist`)).toBe(`${fs.realpathSync(alone)}/app/dist/lib/main.js`);
    fs.rmSync(alone, { recursive: true, force: true });
  });
});

describe('fleet: keys, signatures, domains', () => {
  it('stores keys as digests and compares them', () => {
    const key = newApiKey();
    expect(key).toMatch(/^JOD-[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(keyMatches(key, hashKey(key))).toBe(true);
    expect(keyMatches(`${key}x`, hashKey(key))).toBe(false);
    expect(hashKey(key)).not.toContain(key);
  });

  it('signs callback bodies with HMAC-SHA256', () => {
    const expected = crypto.createHmac('sha256', 'secret').update('{"it":"worked"}').digest('hex');
    expect(signBody('{"it":"worked"}', 'secret')).toBe(`sha256=${expected}`);
    expect(signBody('a', 'k')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signBody('a', 'k')).not.toBe(signBody('b', 'k'));
  });

  it('backs off callbacks, doubling to at most 5 minutes', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20)).toBe(300000);
  });

  it('keeps domain configurations to the known variables and hides passwords', () => {
    expect(parseDomainConfig({ XMPP_SERVER: ' x:5222 ', PUBLIC_URL: '' })).toEqual({ ok: true, config: { XMPP_SERVER: 'x:5222' } });
    expect(parseDomainConfig({ NOPE: 'x' })).toMatchObject({ ok: false, message: expect.stringMatching(/unknown field NOPE/) });
    expect(missingFields({ XMPP_SERVER: 'x' })).toContain('JIBRI_RECORDER_PASSWORD');
    expect(redactDomainConfig({ JIBRI_XMPP_PASSWORD: 'pw', XMPP_SERVER: 'x' })).toEqual({ JIBRI_XMPP_PASSWORD: '****', XMPP_SERVER: 'x' });
  });
});

describe('fleet: documentation', () => {
  it('docs/FLEET.md documents exactly the variables the fleet reads', () => {
    const read = new Set(fs.readFileSync(`${__dirname}/../../packages/fleet/lib/config.ts`, 'utf8').match(/JIBRI_FLEET_[A-Z0-9_]+/g));
    const documented = new Set(fs.readFileSync(`${__dirname}/../../docs/FLEET.md`, 'utf8').match(/JIBRI_FLEET_[A-Z0-9_]+/g));
    expect([...documented].sort()).toEqual([...read].sort());
  });
});
