/**
 * Test harness for the real service: composed in-process exactly as main does (real Xvfb, PulseAudio,
 * Chromium, ffmpeg), on a free loopback port, recording into a fresh temp folder. Also runs the built
 * service as a separate process, for tests that kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose, type Service } from '../lib/compose';
import { loadServiceConfig } from '../lib/config';
import { createLogger, type Logger } from '../lib/log';
import type { SessionStateName } from '../lib/recorder/session-machine';
import type { Json } from './json';
import { testCaFile } from './test-ca';
import { freePort } from './ports';

export { freePort };

/** The repository, from testkit/ or from its build under dist/ (the bench). */
export const ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '../..')].find((d) => fs.existsSync(path.join(d, 'scripts/setup.sh'))) ?? path.resolve(__dirname, '..');

export function tempDir(prefix = 'jibri-ts-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestService {
  service: Service;
  api: string;
  /** The internal API's base (gracefulShutdown, notifyConfigChanged, shutdown). */
  internalApi: string;
  recordingsDir: string;
  /** Exit codes the lifecycle asked for (the test process does not exit). */
  exits: number[];
  stop(): Promise<void>;
}

/**
 * The machine's own /etc/jitsi/jibri/jibri.conf or /config/custom-jibri.conf must not leak into a spec:
 * no configuration file unless the spec names one. StatsD is off unless a spec listens for it.
 */
/** The Node.js flags the image, the Debian package and the fleet start the service with (docs/MEETING-COST.md). */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=2'];

const TEST_DEFAULTS = { JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', ENABLE_STATS_D: 'false' };

export async function startTestService(env: Record<string, string> = {}, opts: { log?: Logger } = {}): Promise<TestService> {
  const recordingsDir = env.JIBRI_RECORDING_DIR ?? tempDir('jibri-ts-rec-');
  const config = await loadServiceConfig(
    // RTMPS ingests of the specs have certificates from the test run's CA (testkit/rtmp.ts).
    { ...TEST_DEFAULTS, JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordingsDir, JIBRI_STREAMING_RTMPS_CA_FILE: testCaFile(), ...env },
    'test-recorder',
  );
  // Quiet unless asked: the error paths under test log errors on purpose.
  const log = opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'error', { silent: !process.env.TEST_LOG_LEVEL });
  const exits: number[] = [];
  const service = await compose(config, log, { exit: (code) => exits.push(code) });
  return {
    service,
    api: `${service.http.url}/jibri/api/v1.0`,
    internalApi: `${service.internalHttp.url}/jibri/api/internal/v1.0`,
    recordingsDir,
    exits,
    stop: () => service.stop(),
  };
}

export function startBody(baseUrl: string, sessionId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sessionId,
    callParams: { callUrlInfo: { baseUrl, callName: 'testroom' } },
    callLoginParams: { domain: 'recorder.meet.test', username: 'recorder', password: 'rec-secret-pw' },
    sinkType: 'file',
    ...extra,
  };
}

export function post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; text: string }> {
  return call('POST', url, body, headers);
}

/** One HTTP request with a JSON body (if any); the answer's status, JSON and text. */
export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export async function health(api: string): Promise<Json> {
  return (await fetch(`${api}/health`)).json();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the session reaches `state` (as the recorder's session events report it). */
export async function waitForSessionState(service: Service, sessionId: string, state: SessionStateName, timeoutMs = 30000): Promise<void> {
  await waitFor(`session ${sessionId} to be ${state}`, () => {
    const s = service.recorder.getSession(sessionId);
    // A terminal state counts once the recorder has let go of the session (health re-checked, slot free).
    if (s?.state.name === state && state !== 'finished' && state !== 'failed') return true;
    const last = service.recorder.snapshot().lastSession;
    if (last?.sessionId === sessionId && last.state === state) return true;
    return undefined;
  }, timeoutMs, 50);
}

/** A finalize script that records its arguments, for checking how it was called. */
export function finalizeRecorder(dir: string): { script: string; calls: () => string[][] } {
  const log = path.join(dir, 'finalize-calls.txt');
  const script = path.join(dir, 'finalize.sh');
  fs.writeFileSync(script, `#!/bin/sh\necho "$#|$*" >> '${log}'\n`, { mode: 0o755 });
  return {
    script,
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => { const [n, rest] = l.split('|'); return rest === undefined ? [] : [n ?? '', rest]; }) : []),
  };
}

export interface ServiceProcess {
  child: ChildProcess;
  api: string;
  internalApi: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `node dist/lib/main.js serve` (built by scripts/setup.sh) and waits until its API answers. With
 * `ports`, the ports are set elsewhere (a jibri.conf) and only named here.
 */
export async function spawnServiceProcess(env: Record<string, string>, opts: { ports?: { external: number; internal: number } } = {}): Promise<ServiceProcess> {
  const port = opts.ports?.external ?? (await freePort());
  const internalPort = opts.ports ? String(opts.ports.internal) : (env.JIBRI_HTTP_API_INTERNAL_PORT ?? String(await freePort()));
  const ports = opts.ports ? {} : { JIBRI_HTTP_API_EXTERNAL_PORT: String(port), JIBRI_HTTP_API_INTERNAL_PORT: internalPort };
  let output = '';
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, path.join(ROOT, 'dist/lib/main.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_DEFAULTS, ...ports, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const api = `http://127.0.0.1:${port}/jibri/api/v1.0`;
  await waitFor('the service process to answer', async () => {
    if (child.exitCode !== null) throw new Error(`service exited early:\n${output}`);
    try {
      return (await fetch(`${api}/health`)).ok || undefined;
    } catch {
      return undefined;
    }
  }, 30000, 100);
  return { child, api, internalApi: `http://127.0.0.1:${internalPort}/jibri/api/internal/v1.0`, output: () => output, exited };
}

/** Waits for the service process to exit with `code`; any other code fails with the process's whole output, which says why. */
export async function expectExit(p: ServiceProcess, code: number): Promise<void> {
  const got = await p.exited;
  if (got !== code) throw new Error(`the service exited with ${got}, not ${code}; its output:\n${p.output()}`);
}

export function findRecordings(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const f of fs.readdirSync(path.join(dir, entry.name))) if (f.endsWith('.mp4')) out.push(path.join(dir, entry.name, f));
  }
  return out;
}
