/**
 * A real RTMP ingest for the tests: nginx with Debian's RTMP module on a loopback port, recording every
 * published stream to `<key>-<time>.flv` in its own folder, and the same ingest over TLS (RTMPS) through
 * nginx's stream module, with a certificate from the test run's CA (testkit/test-ca.ts, which the
 * test services trust) and, on a third port, with a self-signed one nobody trusts. It can be stopped and
 * started again on the same ports, as an ingest that drops and comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, tempDir, waitFor } from './service';
import { issueServerCertificate, selfSignedCertificate } from './test-ca';

export interface RtmpServer {
  port: number;
  tlsPort: number;
  /** RTMPS with a self-signed certificate: what a publisher that verifies must refuse. */
  untrustedTlsPort: number;
  dir: string;
  /** nginx's master process while it runs (the bench leaves the ingest's CPU out of the recorder's). */
  readonly pid: number | undefined;
  /** `rtmp://127.0.0.1:<port>/<app>` (or rtmps:// on the TLS port); the key goes after it. */
  appUrl(app?: string, tls?: boolean): string;
  /** Names that nginx saw published, in order (from its log). */
  publishes(): string[];
  /** The files recorded for one key, oldest first. */
  recordings(key: string): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** `apps`: the RTMP applications the ingest serves (each records what is published to it). */
export async function startRtmpServer(opts: { apps?: string[] } = {}): Promise<RtmpServer> {
  if (!fs.existsSync(MODULE)) throw new Error(`${MODULE} is missing: apt-get install nginx-light libnginx-mod-rtmp (scripts/setup.sh does)`);
  if (!fs.existsSync(STREAM_MODULE)) throw new Error(`${STREAM_MODULE} is missing: apt-get install libnginx-mod-stream (scripts/setup.sh does)`);
  const port = await freePort();
  const tlsPort = await freePort();
  const untrustedTlsPort = await freePort();
  const dir = tempDir('jibri-ts-rtmp-');
  const trusted = issueServerCertificate(dir);
  const untrusted = selfSignedCertificate(dir);
  const apps = opts.apps ?? ['live'];
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    [
      `load_module ${MODULE};`,
      `load_module ${STREAM_MODULE};`,
      // The tests run as root; the worker writes the recordings into this folder.
      'user root;',
      `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log info;`,
      'events {}',
      `rtmp { server { listen 127.0.0.1:${port}; ${apps.map((a) => `application ${a} { live on; record all; record_path ${dir}; record_unique on; }`).join(' ')} } }`,
      // RTMPS as ingests offer it: TLS in front of the same RTMP applications.
      'stream {',
      `  server { listen 127.0.0.1:${tlsPort} ssl; ssl_certificate ${trusted.cert}; ssl_certificate_key ${trusted.key}; proxy_pass 127.0.0.1:${port}; }`,
      `  server { listen 127.0.0.1:${untrustedTlsPort} ssl; ssl_certificate ${untrusted.cert}; ssl_certificate_key ${untrusted.key}; proxy_pass 127.0.0.1:${port}; }`,
      '}',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;

  const up = (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });

  const server: RtmpServer = {
    port,
    tlsPort,
    untrustedTlsPort,
    dir,
    get pid() {
      return proc?.pid;
    },
    appUrl: (app = 'live', tls = false) => (tls ? `rtmps://127.0.0.1:${tlsPort}/${app}` : `rtmp://127.0.0.1:${port}/${app}`),
    publishes: () => {
      const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
      return [...log.matchAll(/publish: name='([^']*)'/g)].map((m) => m[1]!);
    },
    recordings: (key) =>
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(`${key}-`) && f.endsWith('.flv'))
        .sort()
        .map((f) => path.join(dir, f)),
    async start() {
      proc = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
      await waitFor('nginx-rtmp listening', async () => ((await up()) ? true : undefined), 10000, 50);
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      // QUIT would wait for the publishing client; TERM drops it, as a crashed ingest would.
      p.kill('SIGTERM');
      await exited;
      await waitFor('nginx-rtmp closed', async () => ((await up()) ? undefined : true), 10000, 50);
    },
  };
  await server.start();
  return server;
}
