/**
 * The programs' command lines as an operator meets them, on the built programs: `--help` and
 * `--version` print and exit (never a server), `jibri-ts status` tells a healthy service from one that
 * cannot record, in words and in its exit code, and a service that lacks something says at start what
 * and how to get it, in one JSON log line with JIBRI_LOG_FORMAT=json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, ROOT, spawnServiceProcess, tempDir, waitFor, type ServiceProcess } from '../../testkit/service';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const recorder = path.join(ROOT, 'dist/lib/main.js');
const fleet = path.join(ROOT, 'packages/fleet/dist/main.js');

/** Runs a program to its end (bounded: a program that starts a server instead of exiting fails here). */
function run(main: string, args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd: tempDir('jibri-ts-cli-'),
    env: { ...process.env, JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', JIBRI_FLEET_CALLBACK_SECRET: '', ...env },
    encoding: 'utf8',
    timeout: 15000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('command lines', () => {
  it.each([
    [recorder, ['--help'], /^usage: jibri-ts /],
    [recorder, ['serve', '--help'], /^usage: jibri-ts serve/],
    [recorder, ['status', '-h'], /^usage: jibri-ts status/],
    [recorder, ['help', 'demo'], /^usage: jibri-ts demo/],
    [recorder, ['fleet', '--help'], /jibri-ts fleet admin create-account/],
    [recorder, ['fleet', 'admin', '--help'], /jibri-ts fleet admin create-account/],
    [fleet, ['--help'], /jibri-ts fleet admin create-account/],
  ])('%s %j prints its help and exits 0 without starting anything', (main, args, text) => {
    const r = run(main, args);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toMatch(text);
  });

  it('--version names the one version of every package and the Node.js it runs on', () => {
    expect(run(recorder, ['--version']).out).toBe(`jibri-ts ${VERSION} (Node.js ${process.version})\n`);
    expect(run(recorder, ['fleet', '--version']).out).toBe(`jibri-ts-fleet ${VERSION} (Node.js ${process.version})\n`);
    expect(run(fleet, ['--version']).out).toBe(`jibri-ts-fleet ${VERSION} (Node.js ${process.version})\n`);
  });

  it('a wrong command is a usage error (exit 2) that says what to type', () => {
    const r = run(recorder, ['record']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "record".*jibri-ts --help/);
    const f = run(fleet, ['serve']);
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/unknown command "serve"/);
  });

  it('the service loads no AWS SDK, HOCON parser or XMPP client that its configuration does not use', () => {
    // What `serve` imports and reads for a service configured by its environment alone, no upload, no XMPP
    // (each of these costs the service's process megabytes of memory: docs/MEETING-COST.md).
    const script = `
      const { loadServiceConfig } = require(${JSON.stringify(path.join(ROOT, 'dist/lib/config.js'))});
      require(${JSON.stringify(path.join(ROOT, 'dist/lib/compose.js'))});
      loadServiceConfig({ JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'test').then(() =>
        process.stdout.write(Object.keys(require.cache).filter((f) => /node_modules\\/(@aws-sdk|@pushcorn|@xmpp\\/client)\\//.test(f)).join('\\n')));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15000 });
    expect({ code: r.status, err: r.stderr, loaded: r.stdout }).toEqual({ code: 0, err: '', loaded: '' });
  });

  it('status with no service says it is not answering, and where it looked (exit 1)', async () => {
    const port = await freePort();
    const r = run(recorder, ['status'], { JIBRI_HTTP_API_EXTERNAL_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`jibri-ts is not answering at http://127\\.0\\.0\\.1:${port}/.*ECONNREFUSED.*JIBRI_HTTP_API_EXTERNAL_PORT`));
  });
});

describe('status of a running service', () => {
  let healthy: ServiceProcess | undefined;
  let broken: ServiceProcess | undefined;
  afterAll(async () => {
    for (const s of [healthy, broken]) {
      if (s && s.child.exitCode === null) {
        s.child.kill('SIGINT');
        await s.exited;
      }
    }
  });

  it('a healthy service: status --check exits 0; status says HEALTHY and idle', async () => {
    healthy = await spawnServiceProcess({ JIBRI_RECORDING_DIR: tempDir('jibri-ts-cli-rec-') });
    const port = new URL(healthy.api).port;
    await waitFor('the health checks', async () => ((await (await fetch(`${healthy!.api}/health`)).json()) as { status: { health: { details: Record<string, unknown> } } }).status.health.details.ffmpeg || undefined);
    const check = run(recorder, ['status', '--check'], { JIBRI_HTTP_API_EXTERNAL_PORT: port });
    expect(check).toEqual({ code: 0, out: 'HEALTHY\n', err: '' });
    const words = run(recorder, ['status'], { JIBRI_HTTP_API_EXTERNAL_PORT: port });
    expect(words.code).toBe(0);
    expect(words.out).toMatch(new RegExp(`^jibri-ts at http://127\\.0\\.0\\.1:${port} is HEALTHY and idle`));
    expect(words.out).toMatch(/ok {6}ffmpeg/);
  });

  it('a service that cannot record says so at start (one JSON line with the fix), and status --check exits 1', async () => {
    broken = await spawnServiceProcess({ JIBRI_RECORDING_DIR: tempDir('jibri-ts-cli-rec-'), JIBRI_FFMPEG_PATH: '/nonexistent/ffmpeg', JIBRI_LOG_FORMAT: 'json' });
    const port = new URL(broken.api).port;
    const line = await waitFor('the start-up report', () => broken!.output().split('\n').find((l) => l.includes('cannot record yet')));
    const event = JSON.parse(line) as { level: string; message: string; timestamp: string };
    expect(event.level).toBe('error');
    expect(event.message).toContain('ffmpeg is missing or broken (/nonexistent/ffmpeg)');
    expect(event.message).toContain('apt-get install --no-install-recommends ffmpeg');
    expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
    // Every line the service wrote is JSON.
    for (const l of broken.output().split('\n').filter(Boolean)) expect(() => JSON.parse(l) as unknown).not.toThrow();
    const check = run(recorder, ['status', '--check'], { JIBRI_HTTP_API_EXTERNAL_PORT: port });
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/is UNHEALTHY/);
    expect(check.out).toMatch(/PROBLEM ffmpeg: ffmpeg is missing or broken/);
  });
});
