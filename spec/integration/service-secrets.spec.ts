/**
 * The service as its own process, with its secrets in its real environment, as an operator runs it:
 * no child (Xvfb, PulseAudio tools, Chromium and its helpers, ffmpeg, the finalize script) gets any of
 * them in its environment or its command line; an encoded stream password never shows at debug level or
 * in health; an XMPP server that stays out of reach turns health UNHEALTHY with a hint; and an API bound
 * beyond loopback without a token does not start at all.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { freePort, post, ROOT, spawnServiceProcess, startBody, tempDir, waitFor, type ServiceProcess } from '../../testkit/service';

const SECRETS: Record<string, string> = {
  JIBRI_XMPP_PASSWORD: 'xmpp-control-pw-SECRET-4c1e',
  JIBRI_RECORDER_PASSWORD: 'recorder-pw-SECRET-8b2d',
  JIBRI_HTTP_API_TOKEN: 'api-token-SECRET-0f9a',
  // Other tools' secrets that happen to be in the service's environment.
  UPLOAD_API_KEY: 'upload-key-SECRET-77aa',
  OTHER_SERVICE_TOKEN: 'other-token-SECRET-2b3c',
};
const STREAM_PASSWORD = 'p@ss:w/rd SECRET%+x';
const STREAM_KEY = 'stream-key-SECRET-d41f';
const auth = { authorization: `Bearer ${SECRETS.JIBRI_HTTP_API_TOKEN}` };

/** Every form in which a value could show: as it is, and percent-encoded with either case of hex. */
function forms(value: string): string[] {
  const upper = encodeURIComponent(value);
  return [...new Set([value, upper, upper.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), encodeURIComponent(value).replace(/%20/g, '+')])];
}

const ALL_SECRETS = [...Object.values(SECRETS), STREAM_PASSWORD, STREAM_KEY].flatMap(forms);

function leaks(text: string): string[] {
  return ALL_SECRETS.filter((s) => text.includes(s));
}

/** The pids of every descendant of `root`, from /proc/<pid>/stat's parent pid. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) {
      if (ppid !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

function readProc(pid: number, file: 'environ' | 'cmdline' | 'comm'): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').replace(/\0/g, '\n');
  } catch {
    return '';
  }
}

describe('the service process and its secrets', () => {
  let proc: ServiceProcess;
  let page: DemoServer;
  const dump = tempDir('jibri-ts-finalize-env-');
  const recordings = tempDir('jibri-ts-rec-');
  let xmppPort: number;

  beforeAll(async () => {
    page = await startDemoServer();
    xmppPort = await freePort(); // nothing listens there
    const script = path.join(dump, 'finalize.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho "$#|$*" > '${dump}/args.txt'\nenv > '${dump}/env.txt'\ntr '\\0' '\\n' < /proc/$$/environ > '${dump}/environ.txt'\n`, { mode: 0o755 });
    proc = await spawnServiceProcess({
      ...SECRETS,
      XMPP_SERVER: `127.0.0.1:${xmppPort}`,
      JIBRI_XMPP_UNREACHABLE_GRACE: '2',
      JIBRI_RECORDING_DIR: recordings,
      JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: script,
      JIBRI_STREAMING_RETRY_TIMEOUT: '0',
      JIBRI_LOG_LEVEL: 'debug',
    });
  });

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGINT');
      await proc.exited;
    }
    await page?.close();
  });

  it('an XMPP server out of reach past the grace turns health UNHEALTHY, with a hint anyone may read', async () => {
    const name = `xmpp:127.0.0.1:${xmppPort}`;
    const h = await waitFor('health to turn UNHEALTHY', async () => {
      const body = await (await fetch(`${proc.api}/health`)).json();
      return body.status.health.healthStatus === 'UNHEALTHY' ? body : undefined;
    }, 15000, 250);
    expect(h.status.health.details[name]).toEqual({ healthStatus: 'UNHEALTHY', detail: expect.stringMatching(/not in the brewery on .* for \d+ s.*ECONNREFUSED.*XMPP_SERVER/) });
    expect(leaks(JSON.stringify(h))).toEqual([]);
  });

  it('no child of the service, nor the finalize script, gets a secret in its environment or command line', async () => {
    const sessionId = 'children';
    const own = { callLoginParams: { domain: 'recorder.meet.test', username: 'recorder', password: 'not-a-service-secret' } };
    // The machine can record although the XMPP server is out of reach: HTTP starts are taken.
    expect((await post(`${proc.api}/startService`, { ...startBody(page.baseUrl, sessionId), ...own }, auth)).status).toBe(200);
    await waitFor('the recording', async () => ((await (await fetch(`${proc.api}/health`, { headers: auth })).json()).status.health.details[`session:${sessionId}`]?.state === 'recording' ? true : undefined), 30000, 200);
    // Let the spare source for the next session start too: more children.
    await new Promise((r) => setTimeout(r, 3000));
    const pids = descendants(proc.child.pid!);
    const names = pids.map((p) => readProc(p, 'comm').trim());
    for (const expected of ['Xvfb', 'ffmpeg']) expect(names).toContain(expected);
    expect(names.some((n) => /chrom/i.test(n))).toBe(true);
    const found: string[] = [];
    for (const pid of pids) {
      for (const file of ['environ', 'cmdline'] as const) for (const leak of leaks(readProc(pid, file))) found.push(`${readProc(pid, 'comm').trim()}[${pid}] ${file}: ${leak}`);
    }
    expect(found).toEqual([]);
    // What children do get: the display and sound they need, no JIBRI_* variable.
    const ffmpegEnv = readProc(pids[names.indexOf('ffmpeg')]!, 'environ');
    expect(ffmpegEnv).toMatch(/^PATH=/m);
    expect(ffmpegEnv).not.toMatch(/^JIBRI_/m);

    expect((await post(`${proc.api}/stopService`, { sessionId }, auth)).status).toBe(200);
    await waitFor('the finalize script', () => (fs.existsSync(path.join(dump, 'environ.txt')) ? true : undefined), 30000);
    await new Promise((r) => setTimeout(r, 200));
    const [count, arg] = fs.readFileSync(path.join(dump, 'args.txt'), 'utf8').trim().split('|');
    expect(count).toBe('1');
    expect(path.dirname(arg!)).toBe(recordings);
    const env = fs.readFileSync(path.join(dump, 'env.txt'), 'utf8');
    const environ = fs.readFileSync(path.join(dump, 'environ.txt'), 'utf8');
    expect(leaks(env + environ)).toEqual([]);
    expect(environ).toMatch(/^PATH=/m);
    expect(environ).not.toMatch(/^(JIBRI_|XMPP_|UPLOAD_|OTHER_)/m);
  });

  it('an encoded stream password never shows at debug level, in errors or in health', async () => {
    const sessionId = 'encoded-password';
    const ingest = await freePort(); // nothing listens: the stream fails, and ffmpeg says why
    await waitFor('the recorder to take a session', async () => ((await (await fetch(`${proc.api}/health`)).json()).busy === false ? true : undefined), 60000, 250);
    const body = { ...startBody(page.baseUrl, sessionId), sinkType: 'stream', rtmpUrl: `rtmp://127.0.0.1:${ingest}/live`, youTubeStreamKey: STREAM_KEY, username: 'streamer', password: STREAM_PASSWORD };
    expect((await post(`${proc.api}/startService`, body, auth)).status).toBe(200);
    const last = await waitFor('the stream to fail', async () => {
      const h = await (await fetch(`${proc.api}/health`, { headers: auth })).json();
      const s = h.status.health.details.lastSession;
      return s?.sessionId === sessionId ? h : undefined;
    }, 60000, 250);
    expect(last.status.health.details.lastSession.state).toBe('failed');
    // The service logged ffmpeg's own lines at debug level: the ingest's address is there, the password is not.
    expect(proc.output()).toMatch(/debug.*ffmpeg/);
    expect(proc.output()).toContain(`127.0.0.1:${ingest}`);
    expect(leaks(proc.output())).toEqual([]);
    expect(leaks(JSON.stringify(last))).toEqual([]);
  });

  it('does not start with its HTTP API beyond loopback and no token, and says how to set one', async () => {
    const env: Record<string, string> = { ...process.env, JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_EXTERNAL_PORT: String(await freePort()), JIBRI_RECORDING_DIR: tempDir() };
    delete env.JIBRI_HTTP_API_TOKEN;
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/lib/main.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // A service that does start is stopped again (and the test fails): nothing may be left running.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(output).toMatch(/JIBRI_HTTP_API_EXTERNAL_HOST="0\.0\.0\.0" is not a loopback address and JIBRI_HTTP_API_TOKEN is not set/);
    expect(output).toMatch(/openssl rand -hex 32/);
    expect(output).toMatch(/JIBRI_HTTP_API_ALLOW_OPEN=true/);
    expect(output).not.toMatch(/listening/);
  });
});
