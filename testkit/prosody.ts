/**
 * A real Prosody for the tests, on a free loopback port in a temp folder, laid out like a Jitsi
 * deployment: auth.meet.test (control logins), recorder.meet.test (the hidden domain), the brewery's
 * MUC internal.auth.meet.test and the conferences' conference.meet.test (or the same layout under
 * another base domain, for a second deployment). It can be restarted on the same port with the same
 * accounts, as a server restart would, and paused (SIGSTOP), as a server that stops answering.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, tempDir } from './service';

export interface Domains {
  auth: string;
  hidden: string;
  internalMuc: string;
  muc: string;
  xmpp: string;
}

/** A Jitsi deployment's domains under one base domain. */
export function domainsFor(base: string): Domains {
  return { auth: `auth.${base}`, hidden: `recorder.${base}`, internalMuc: `internal.auth.${base}`, muc: `conference.${base}`, xmpp: base };
}

export const DOMAINS: Readonly<Domains> = domainsFor('meet.test');

/** The service's environment for the test domains: docker-jitsi-meet's names, as a deployment sets them. */
export function recorderXmppEnv(opts: { servers: string; nick: string; jibriPassword: string; recorderPassword: string; publicUrl: string }): Record<string, string> {
  return {
    XMPP_SERVER: opts.servers,
    XMPP_DOMAIN: DOMAINS.xmpp,
    XMPP_AUTH_DOMAIN: DOMAINS.auth,
    XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc,
    XMPP_MUC_DOMAIN: DOMAINS.muc,
    XMPP_HIDDEN_DOMAIN: DOMAINS.hidden,
    JIBRI_XMPP_PASSWORD: opts.jibriPassword,
    JIBRI_RECORDER_PASSWORD: opts.recorderPassword,
    JIBRI_INSTANCE_ID: opts.nick,
    PUBLIC_URL: opts.publicUrl,
  };
}

/** A customer's domain configuration for the fleet (docker-jitsi-meet's names), on the test domains. */
export function fleetDomainConfig(opts: { prosodyPort: number; jibriPassword: string; recorderPassword: string; publicUrl: string }): Record<string, string> {
  return {
    XMPP_SERVER: `127.0.0.1:${opts.prosodyPort}`,
    XMPP_DOMAIN: DOMAINS.xmpp,
    XMPP_AUTH_DOMAIN: DOMAINS.auth,
    XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc,
    XMPP_MUC_DOMAIN: DOMAINS.muc,
    XMPP_HIDDEN_DOMAIN: DOMAINS.hidden,
    JIBRI_BREWERY_MUC: 'jibribrewery',
    JIBRI_XMPP_USER: 'jibri',
    JIBRI_XMPP_PASSWORD: opts.jibriPassword,
    JIBRI_RECORDER_USER: 'recorder',
    JIBRI_RECORDER_PASSWORD: opts.recorderPassword,
    PUBLIC_URL: opts.publicUrl,
  };
}

export interface ProsodyHandle {
  port: number;
  dir: string;
  domains: Domains;
  register(user: string, host: string, password: string): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing, until resume(). */
  pause(): void;
  resume(): void;
}

export interface ProsodyOptions {
  /** Require STARTTLS with a self-signed certificate for the auth domain, as a real deployment has. */
  tls?: boolean;
  /** The deployment's domains; DOMAINS by default. */
  domains?: Domains;
}

function selfSignedCert(dir: string, domains: Domains): { key: string; cert: string } {
  const key = path.join(dir, 'auth.key');
  const cert = path.join(dir, 'auth.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${domains.auth}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr}`);
  return { key, cert };
}

function config(dir: string, port: number, opts: ProsodyOptions): string {
  const domains = opts.domains ?? DOMAINS;
  const tls = opts.tls ? selfSignedCert(dir, domains) : undefined;
  return `
run_as_root = true
interfaces = { "127.0.0.1" }
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
log = { info = "${dir}/prosody.log" }
c2s_ports = { ${port} }
s2s_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
c2s_require_encryption = ${tls ? 'true' : 'false'}
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; ${tls ? '"tls";' : ''} }
${tls ? '' : 'modules_disabled = { "tls" }'}
VirtualHost "${domains.auth}"
${tls ? `  ssl = { key = "${tls.key}"; certificate = "${tls.cert}"; }` : ''}
VirtualHost "${domains.hidden}"
Component "${domains.internalMuc}" "muc"
  muc_room_locking = false
  muc_room_default_public_jids = true
Component "${domains.muc}" "muc"
  muc_room_locking = false
`;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startProsody(opts: ProsodyOptions = {}): Promise<ProsodyHandle> {
  if (!fs.existsSync('/usr/bin/prosody')) throw new Error('Prosody is not installed: run scripts/setup.sh (apt-get install prosody)');
  const dir = tempDir('jibri-ts-prosody-');
  fs.mkdirSync(path.join(dir, 'data'));
  const port = await freePort();
  const cfg = path.join(dir, 'prosody.cfg.lua');
  fs.writeFileSync(cfg, config(dir, port, opts));
  let child: ChildProcess | undefined;
  const kill = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', kill);

  const handle: ProsodyHandle = {
    port,
    dir,
    domains: opts.domains ?? DOMAINS,
    register(user, host, password) {
      const r = spawnSync('prosodyctl', ['--config', cfg, 'register', user, host, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`prosodyctl register ${user}@${host} failed: ${r.stderr || r.stdout}`);
    },
    async start() {
      child = spawn('prosody', ['--config', cfg, '-F'], { stdio: 'ignore' });
      const until = Date.now() + 10000;
      while (!(await portOpen(port))) {
        if (Date.now() > until || child.exitCode !== null) {
          const logFile = path.join(dir, 'prosody.log');
          const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
          throw new Error(`Prosody did not start on 127.0.0.1:${port}:\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      c.kill('SIGCONT');
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      await handle.stop();
      await handle.start();
    },
  };
  await handle.start();
  return handle;
}
