/** The fleet's configuration: the recorder beside it, and the documentation of every variable it reads. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installedRecorderMain, loadFleetConfig } from '../../lib/config';

describe("fleet: the recorder its local backend runs", () => {
  it('is the jibri-ts package the fleet is installed in (a checkout, the fleet-local image), and none when the fleet is alone', () => {
    const root = path.resolve(__dirname, '../../../..');
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

describe('fleet: documentation', () => {
  it('docs/FLEET.md documents exactly the variables the fleet reads', () => {
    const read = new Set(fs.readFileSync(`${__dirname}/../../lib/config.ts`, 'utf8').match(/JIBRI_FLEET_[A-Z0-9_]+/g));
    const documented = new Set(fs.readFileSync(`${__dirname}/../../../../docs/FLEET.md`, 'utf8').match(/JIBRI_FLEET_[A-Z0-9_]+/g));
    expect([...documented].sort()).toEqual([...read].sort());
  });
});

describe("the fleet's settings, through the same reader", () => {
  const key = { JIBRI_FLEET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'), JIBRI_FLEET_LOCATIONS: 'lon=docker' };

  it('takes each default from its table', () => {
    const c = loadFleetConfig(key);
    expect([c.host, c.port, c.hourSeconds, c.localCapacity, c.dockerImage, c.kubernetesNamespace, c.signup]).toEqual(['127.0.0.1', 3000, 3600, 4, 'jibri-ts:local', 'jibri', 'invite']);
    expect(c.swarmReserve).toEqual({ nanoCpus: 1e9, memoryBytes: 1024 * 1024 * 1024 });
    expect(c.swarmPorts).toEqual({ first: 42000, last: 42999 });
    expect(loadFleetConfig({ JIBRI_FLEET_SECRET_KEY: key.JIBRI_FLEET_SECRET_KEY, JIBRI_FLEET_RECORDER_MAIN: '/x/main.js' }, { isRoot: true }).locations).toEqual({ nyc: 'local', lon: 'local', ams: 'local', fra: 'local', tor: 'local', sgp: 'local', blr: 'local', sfo: 'local' });
  });

  it('names a switch that is neither true nor false, instead of reading it as false', () => {
    expect(() => loadFleetConfig({ ...key, JIBRI_FLEET_MAINTENANCE: 'maybe' })).toThrow(/JIBRI_FLEET_MAINTENANCE="maybe": expected true or false/);
    expect(loadFleetConfig({ ...key, JIBRI_FLEET_MAINTENANCE: 'on' }).maintenance).toBe(true);
  });
});
