/**
 * The fleet server's GET /metrics over HTTP, on a real fleet server (its store in a temp folder): off
 * without a token, 401 with a wrong one, Prometheus text that promtool accepts with the metrics token (or
 * the admin token), and /deploy-recorder's refusals counted by reason.
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { freePort, tempDir } from '../../../../testkit/service';

const METRICS = 'metrics-token-for-the-spec';
const ADMIN = 'admin-token-for-the-spec';

async function fleetWith(extra: Record<string, string>): Promise<FleetServer> {
  const base = tempDir('jibri-ts-fleet-metrics-');
  return startFleetServer(
    loadFleetConfig({
      JIBRI_FLEET_HOST: '127.0.0.1',
      JIBRI_FLEET_PORT: String(await freePort()),
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_CALLBACK_SECRET: 'metrics-callback-secret',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      // No recorder is deployed here; the docker backend is only constructed (it talks to no engine).
      JIBRI_FLEET_LOCATIONS: 'lon=docker',
      ...extra,
    }),
    createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }),
  );
}

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('the fleet serves /metrics', () => {
  let fleet: FleetServer | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('for its metrics or admin token only; promtool accepts it; refusals counted by reason', async () => {
    fleet = await fleetWith({ JIBRI_FLEET_METRICS_TOKEN: METRICS, JIBRI_FLEET_ADMIN_TOKEN: ADMIN });
    expect((await get(`${fleet.url}/metrics`)).status).toBe(401);
    expect((await get(`${fleet.url}/metrics`, 'wrong')).status).toBe(401);
    expect((await get(`${fleet.url}/metrics`, ADMIN)).status).toBe(200);
    // Two refused deploys: no key, and a key nobody has.
    expect((await fetch(`${fleet.url}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await fetch(`${fleet.url}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'nobody' }, body: '{}' })).status).toBe(401);
    const res = await get(`${fleet.url}/metrics`, METRICS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30000 });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
    expect(text).toMatch(/^jibri_fleet_refusals_total\{reason="unauthorized"\} 2$/m);
    expect(text).toMatch(/^jibri_fleet_deployments\{state="ready"\} 0$/m);
    expect(text).toMatch(/^jibri_fleet_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  });

  it('is off, and says how to turn it on, without a metrics or admin token', async () => {
    fleet = await fleetWith({});
    const res = await get(`${fleet.url}/metrics`, 'anything');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/JIBRI_FLEET_METRICS_TOKEN/);
  });
});
