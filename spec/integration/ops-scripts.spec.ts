/**
 * jibri-ts's own ops scripts at Jibri's paths (deploy/jibri, /opt/jitsi/jibri in the image), run with
 * bash, curl and jq against the real service process, as the autoscaler sidecar, systemd and people run
 * Jibri's: graceful_shutdown.sh, wait_graceful_shutdown.sh (which polls busyStatus every 10 s) and
 * reload.sh. The ports come from the environment or from jibri.conf, as the service reads them.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { expectExit, freePort, health, post, ROOT, spawnServiceProcess, startBody, tempDir, waitFor } from '../../testkit/service';

const SCRIPTS = path.join(ROOT, 'deploy/jibri');

/** Runs a script with only the environment a shell would have, plus `env`. */
function run(script: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let out = '';
    const child = spawn('bash', [path.join(SCRIPTS, script), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => resolve({ code, out, ms: Date.now() - t0 }));
  });
}

/** Health as fast as it answers, until it does not: every busyStatus seen. */
function watchBusyStatus(api: string): { seen: string[]; done: Promise<void> } {
  const seen: string[] = [];
  const done = (async () => {
    for (;;) {
      try {
        seen.push((await health(api)).status.busyStatus);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { seen, done };
}

describe("Jibri's ops scripts against the service", () => {
  let page: DemoServer;

  beforeAll(async () => {
    expect(spawnSync('jq', ['--version']).status).toBe(0);
    expect(spawnSync('curl', ['--version']).status).toBe(0);
    page = await startDemoServer();
  });

  afterAll(async () => {
    await page?.close();
  });

  it('wait_graceful_shutdown.sh on an idle service: never BUSY, no 10 s wait, exit 255, ports read from jibri.conf', async () => {
    const ports = { external: await freePort(), internal: await freePort() };
    const conf = path.join(tempDir('jibri-ts-ops-'), 'jibri.conf');
    fs.writeFileSync(conf, `jibri.api.http { external-api-port = ${ports.external}, internal-api-port = ${ports.internal} }\n`);
    const fileEnv = { JIBRI_CONFIG_FILE: conf, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' };
    const svc = await spawnServiceProcess({ ...fileEnv, JIBRI_RECORDING_DIR: tempDir() }, { ports });
    const watch = watchBusyStatus(svc.api);
    const r = await run('wait_graceful_shutdown.sh', fileEnv);
    await watch.done;
    expect(r.out).toMatch(/Graceful shutdown signal\.\.\.sent/);
    expect(r.out).toMatch(/Jibri shutdown OK/);
    expect(r.out).not.toMatch(/recording is in progress/);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(8000);
    await expectExit(svc, 255);
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(watch.seen.filter((s) => s !== 'IDLE')).toEqual([]);
  });

  it('reload.sh on an idle service: notifyConfigChanged, exit 0 (a supervisor starts it again)', async () => {
    const svc = await spawnServiceProcess({ JIBRI_RECORDING_DIR: tempDir() });
    const internal = new URL(svc.internalApi).port;
    const r = await run('reload.sh', { JIBRI_HTTP_API_INTERNAL_PORT: internal });
    expect(r.code).toBe(0);
    await expectExit(svc, 0);
  });

  it('wait_graceful_shutdown.sh during a recording: waits while BUSY, polling every 10 s, and returns once it is finalized', async () => {
    const svc = await spawnServiceProcess({ JIBRI_RECORDING_DIR: tempDir() });
    const env = { JIBRI_HTTP_API_EXTERNAL_PORT: new URL(svc.api).port, JIBRI_HTTP_API_INTERNAL_PORT: new URL(svc.internalApi).port };
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'ops-busy'))).status).toBe(200);
    await waitFor('the recording to run', async () => ((await health(svc.api)).status.health.details['session:ops-busy']?.state === 'recording' ? true : undefined), 30000);
    const script = run('wait_graceful_shutdown.sh', env);
    await waitFor('the graceful shutdown to arrive', () => (svc.output().includes('gracefulShutdown: draining 1') ? true : undefined), 15000);
    expect((await health(svc.api)).status.busyStatus).toBe('BUSY');
    await new Promise((r) => setTimeout(r, 2000));
    const stoppedAt = Date.now();
    expect((await post(`${svc.api}/stopService`, {})).status).toBe(200);
    const r = await script;
    expect(r.out).toMatch(/A recording is in progress/);
    expect(r.out).toMatch(/Jibri shutdown OK/);
    expect(r.code).toBe(0);
    // The next 10 s poll sees it idle (or gone), then the exit follows.
    expect(Date.now() - stoppedAt).toBeLessThan(20000);
    await expectExit(svc, 255);
  });
});
