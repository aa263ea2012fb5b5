/**
 * The built-in autoscaler sidecar against a loopback receiver that answers as the Jitsi autoscaler's
 * sidecar endpoints do and verifies every request's ASAP token (RS256 with the public key, kid, iss, aud,
 * exp), with the real service process: reports with the health body as stats, Jibri's status webhook
 * body on changes, a shutdown command that drains a busy recorder (exit 255, /sidecar/shutdown just
 * before), a drain bounded by JIBRI_AUTOSCALER_DRAIN_TIMEOUT, a restart that comes back as a new instance
 * (the receiver keeps an instance's shutdown, as the autoscaler does for a day), and a reconfigure command
 * (exit 0, reconfigureComplete reported).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import { startReceiver, type Received, type Receiver } from '../../testkit/receiver';
import { expectExit, findRecordings, health, post, spawnServiceProcess, startBody, tempDir, waitFor, type ServiceProcess } from '../../testkit/service';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'jitsi/autoscaler-test-2025';

/** The autoscaler's check of a sidecar request: a valid RS256 token from the expected key and kid. */
function tokenProblem(r: Received): string | undefined {
  const m = /^Bearer ([^.]+)\.([^.]+)\.([^.]+)$/.exec(String(r.headers.authorization ?? ''));
  if (!m) return 'no bearer token';
  const [, h, c, sig] = m as unknown as [string, string, string, string];
  if (!crypto.verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(sig, 'base64url'))) return 'bad signature';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; kid?: string };
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as { iss?: string; aud?: string; exp?: number; iat?: number };
  if (header.alg !== 'RS256' || header.kid !== KID) return `header ${JSON.stringify(header)}`;
  if (claims.iss !== 'jitsi-autoscaler-sidecar' || claims.aud !== 'jitsi-autoscaler') return `claims ${JSON.stringify(claims)}`;
  const now = Date.now() / 1000;
  if (!(claims.exp! > now && claims.exp! <= now + 3600 && claims.iat! <= now + 1)) return `times ${JSON.stringify(claims)}`;
  return undefined;
}

describe('the Jitsi autoscaler, as its sidecar speaks to it', () => {
  let page: DemoServer;
  let scaler: Receiver;
  let keyFile: string;
  /** What the next poll or status report is answered with. */
  let command: { shutdown: boolean; reconfigure: string } = { shutdown: false, reconfigure: '' };
  /** Instances told to shut down: the autoscaler keeps telling them (instance:shutdown:<id>, a day). */
  const shutDown = new Set<string>();
  const refused: string[] = [];

  beforeAll(async () => {
    page = await startDemoServer();
    scaler = await startReceiver('', (r) => {
      const problem = tokenProblem(r);
      if (problem) {
        refused.push(`${r.path}: ${problem}`);
        return { status: 401, body: { error: problem } };
      }
      if (r.path === '/sidecar/poll' || r.path === '/sidecar/status') {
        const id = String(r.body.instance?.instanceId ?? r.body.instanceId);
        if (command.shutdown) shutDown.add(id);
        return { body: { ...command, shutdown: shutDown.has(id) } };
      }
      if (r.path === '/sidecar/stats') return { body: { save: 'OK' } };
      if (r.path === '/sidecar/shutdown') return { body: { save: 'OK' } };
      return { status: 404, body: {} };
    });
    const dir = tempDir('jibri-ts-asap-');
    keyFile = path.join(dir, `${path.basename(KID)}.pem`);
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });

  afterAll(async () => {
    await scaler?.close();
    await page?.close();
  });

  /** `env` adds to (or, with '', removes from) the settings; the instance id is the name unless removed. */
  async function serviceWithScaler(name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    // Mounted as docker-jitsi-meet mounts it: a link at the key file's usual name.
    const link = path.join(tempDir('jibri-ts-asap-'), 'asap.pem');
    fs.symlinkSync(keyFile, link);
    return spawnServiceProcess({
      JIBRI_RECORDING_DIR: tempDir(),
      JIBRI_INSTANCE_ID: name,
      AUTOSCALER_SIDECAR_INSTANCE_ID: name,
      AUTOSCALER_URL: scaler.url,
      AUTOSCALER_SIDECAR_KEY_FILE: link,
      // Jitsi's kids are paths, so the file's name cannot be the kid (the unit spec checks that default).
      AUTOSCALER_SIDECAR_KEY_ID: KID,
      AUTOSCALER_SIDECAR_GROUP_NAME: 'test-jibri-group',
      AUTOSCALER_SIDECAR_REGION: 'lab-1',
      AUTOSCALER_SIDECAR_HOST_ID: 'host-7',
      AUTOSCALER_SIDECAR_SHUTDOWN_POLLING_INTERVAL: '1',
      AUTOSCALER_SIDECAR_STATS_POLLING_INTERVAL: '1 second',
      LOCAL_ADDRESS: '192.0.2.10',
      XMPP_ENV_NAME: 'lab',
      JIBRI_VERSION: '8.0-test',
      ...env,
    });
  }

  it('reports its status with the health body as stats, every polling interval, with a valid ASAP token', async () => {
    command = { shutdown: false, reconfigure: '' };
    const svc = await serviceWithScaler('scaled-idle');
    try {
      const reports = await waitFor('two status reports', () => {
        const got = scaler.got.filter((r) => r.path === '/sidecar/status' && r.body.instance?.instanceId === 'scaled-idle');
        return got.length >= 2 ? got : undefined;
      }, 15000);
      expect(refused).toEqual([]);
      const [first, second] = reports as [Received, Received];
      expect(first.body).toEqual({
        instance: { instanceId: 'scaled-idle', instanceType: 'jibri', environment: 'lab', region: 'lab-1', group: 'test-jibri-group', name: 'scaled-idle', version: '8.0-test', privateIp: '192.0.2.10', hostId: 'host-7' },
        stats: { busy: false, status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: expect.any(Object) } } },
        timestamp: expect.any(Number),
        shutdownStatus: false,
        shutdownError: false,
        reconfigureError: false,
        reconfigureComplete: '',
        statsError: false,
      });
      expect(second.at - first.at).toBeGreaterThan(700);
      expect(second.at - first.at).toBeLessThan(4000);
    } finally {
      svc.child.kill('SIGINT');
      await svc.exited;
    }
  });

  it('pushes status changes to /sidecar/stats, and a shutdown command drains a busy recorder: exit 255, /sidecar/shutdown last', async () => {
    command = { shutdown: false, reconfigure: '' };
    const svc = await serviceWithScaler('scaled-busy');
    const mine = (p: string): Received[] => scaler.got.filter((r) => r.path === p && (r.body.instance?.instanceId ?? r.body.instanceId) === 'scaled-busy');
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'scaled-session'))).status).toBe(200);
    const busyStats = await waitFor('BUSY pushed to /sidecar/stats', () => mine('/sidecar/stats').find((r) => r.body.stats?.status?.busyStatus === 'BUSY'), 15000);
    // The stats are Jibri's status webhook body, as the sidecar forwards it.
    expect(busyStats.body.stats).toEqual({ jibriId: 'scaled-busy', status: { busyStatus: 'BUSY', health: { healthStatus: 'HEALTHY', details: expect.any(Object) } } });
    await waitFor('the recording to run', async () => ((await health(svc.api)).status.health.details['session:scaled-session']?.state === 'recording' ? true : undefined), 30000);

    command = { shutdown: true, reconfigure: '' };
    const draining = await waitFor('a report saying shutdown', () => mine('/sidecar/status').find((r) => r.body.shutdownStatus === true), 10000);
    expect(draining.body.stats.status.busyStatus).toBe('BUSY');
    // Draining: the recording goes on, a new start is refused.
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'too-late'))).status).toBe(412);
    expect(svc.output()).toMatch(/the autoscaler asked for a shutdown/);
    expect(mine('/sidecar/shutdown')).toHaveLength(0);

    const stoppedAt = Date.now();
    expect((await post(`${svc.api}/stopService`, {})).status).toBe(200);
    await expectExit(svc, 255);
    const [shutdown] = mine('/sidecar/shutdown');
    expect(shutdown?.body).toEqual(expect.objectContaining({ instanceId: 'scaled-busy', instanceType: 'jibri', group: 'test-jibri-group' }));
    expect(shutdown!.at).toBeGreaterThanOrEqual(stoppedAt);
    expect(refused).toEqual([]);
  });

  it('stops and finalizes the sessions once the drain passes JIBRI_AUTOSCALER_DRAIN_TIMEOUT, then exits 255', async () => {
    command = { shutdown: false, reconfigure: '' };
    const dir = tempDir();
    const svc = await serviceWithScaler('scaled-capped', { JIBRI_RECORDING_DIR: dir, JIBRI_AUTOSCALER_DRAIN_TIMEOUT: '3 seconds' });
    const mine = (p: string): Received[] => scaler.got.filter((r) => r.path === p && (r.body.instance?.instanceId ?? r.body.instanceId) === 'scaled-capped');
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'capped-session'))).status).toBe(200);
    await waitFor('the recording to run', async () => ((await health(svc.api)).status.health.details['session:capped-session']?.state === 'recording' ? true : undefined), 30000);
    shutDown.add('scaled-capped');
    await waitFor('a report saying shutdown', () => mine('/sidecar/status').find((r) => r.body.shutdownStatus === true), 10000);
    const askedAt = Date.now();
    // Nobody stops the recording: the bound does.
    const code = await Promise.race([svc.exited, new Promise<string>((r) => setTimeout(() => r('still running after 40 s'), 40000))]);
    expect(code).toBe(255);
    // The bound runs from the answer that asked, up to a poll before the report seen here.
    expect(Date.now() - askedAt).toBeGreaterThan(1000);
    expect(svc.output()).toMatch(/still draining after 3 seconds \(JIBRI_AUTOSCALER_DRAIN_TIMEOUT\): stopping and finalizing 1 running session/);
    const [file] = findRecordings(dir).filter((f) => f.includes('capped-session'));
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(true);
    expect((await probeMedia(file!)).durationSec).toBeGreaterThan(2);
    expect(mine('/sidecar/shutdown')).toHaveLength(1);
    expect(refused).toEqual([]);
  });

  it('comes back from a restart as a new instance (jibri-<nanoseconds>): the shutdown kept for the old one does not stop it again', async () => {
    command = { shutdown: false, reconfigure: '' };
    const env = { AUTOSCALER_SIDECAR_INSTANCE_ID: '' };
    const byName = (): Received[] => scaler.got.filter((r) => r.path === '/sidecar/status' && r.body.instance?.name === 'restarted');
    const first = await serviceWithScaler('restarted', env);
    const before = (await waitFor('the first report', () => byName()[0], 15000)).body.instance.instanceId as string;
    // The autoscaler scales that instance down; it keeps the shutdown for a day.
    shutDown.add(before);
    await expectExit(first, 255);
    const second = await serviceWithScaler('restarted', env);
    try {
      const after = (await waitFor('a report from the restarted recorder', () => byName().find((r) => r.body.instance.instanceId !== before), 15000)).body.instance.instanceId as string;
      // Several polls later it still runs and records.
      await new Promise((r) => setTimeout(r, 3500));
      expect(second.child.exitCode).toBeNull();
      expect((await health(second.api)).status.busyStatus).toBe('IDLE');
      expect(scaler.got.filter((r) => r.path === '/sidecar/shutdown' && r.body.instanceId === after)).toEqual([]);
      expect(before).toMatch(/^jibri-\d{19,}$/);
      expect(after).toMatch(/^jibri-\d{19,}$/);
    } finally {
      second.child.kill('SIGINT');
      await second.exited;
    }
    expect(refused).toEqual([]);
  });

  it('a reconfigure command: exit 0 once idle (restarted with the new configuration), reconfigureComplete reported', async () => {
    command = { shutdown: false, reconfigure: '' };
    const svc = await serviceWithScaler('scaled-reconf');
    await waitFor('the first report', () => scaler.got.find((r) => r.path === '/sidecar/status' && r.body.instance?.instanceId === 'scaled-reconf'), 15000);
    command = { shutdown: false, reconfigure: '2025-01-01T00:00:00.000Z' };
    await expectExit(svc, 0);
    command = { shutdown: false, reconfigure: '' };
    const last = scaler.got.filter((r) => r.path === '/sidecar/status' && r.body.instance?.instanceId === 'scaled-reconf').at(-1);
    expect(last?.body.reconfigureComplete).toBe('2025-01-01T00:00:00.000Z');
    expect(svc.output()).toMatch(/asked for a reconfiguration/);
    expect(refused).toEqual([]);
  });
});
