/** Money: what a deployment costs and what a release gives back; prices from the configuration. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { loadFleetConfig, priceOf } from '../../lib/config';
import { deploymentCost, proratedRefund } from '../../lib/money';

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
