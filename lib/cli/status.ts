/**
 * `jibri-ts status`: asks the service running on this host for its health (the HTTP API's health
 * endpoint, at the address the configuration gives, with its token when one is set) and says it in a
 * person's words. `--check` turns the answer into an exit code: the image's HEALTHCHECK, which must fail
 * when the recorder is UNHEALTHY even though the endpoint itself always answers 200 (Jibri's contract).
 * It follows the service wherever it listens: a comma-separated host list (the fleet's swarm recorders)
 * is the entry that is this host's, and a service with a certificate is asked over HTTPS only, trusting
 * that very certificate (own-service.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';
import type { Config } from '../config';
import { bindAddress } from '../http/server';
import type { HealthBody } from '../status/health-body';
import { pinnedGet, type OwnAnswer } from './own-service';

/** What a check is called in the summary. */
const CHECK_NAMES: Record<string, string> = {
  ffmpeg: 'ffmpeg',
  chromium: 'Chromium',
  display: 'Xvfb (display)',
  audio: 'PulseAudio (sound)',
  recordings: 'recordings folder',
  finalize: 'finalize script',
  capacity: 'capacity',
  lastSession: 'last session',
};

type Detail = Record<string, unknown> & { healthStatus?: unknown; detail?: unknown };

function line(name: string, d: Detail): string {
  const ok = d.healthStatus === 'HEALTHY';
  const label = name.startsWith('session:') ? `session ${name.slice('session:'.length)}` : (CHECK_NAMES[name] ?? name);
  const detail = typeof d.detail === 'string' && d.detail ? `: ${d.detail}` : '';
  return `  ${ok ? 'ok     ' : 'PROBLEM'} ${label}${detail}`;
}

/** Pure: the health body in words, problems first. */
export function describeHealth(body: HealthBody, where: string): string {
  const health = body.status.health;
  const healthy = health.healthStatus === 'HEALTHY';
  const busy: Record<string, string> = {
    IDLE: 'idle: a recording request would be taken',
    BUSY: 'busy: no further recording would be taken now',
    EXPIRED: 'expired: single-use mode, its one recording is done',
  };
  const entries = Object.entries(health.details) as Array<[string, Detail]>;
  const problems = entries.filter(([, d]) => d.healthStatus !== 'HEALTHY');
  const fine = entries.filter(([, d]) => d.healthStatus === 'HEALTHY');
  const out = [
    `jibri-ts at ${where} is ${healthy ? 'HEALTHY' : 'UNHEALTHY'} and ${busy[body.status.busyStatus] ?? body.status.busyStatus}`,
    ...(problems.length ? [`${problems.length === 1 ? 'one problem' : `${problems.length} problems`} (docs/TROUBLESHOOTING.md says what to do):`, ...problems.map(([n, d]) => line(n, d))] : []),
    ...(fine.length ? ['checks that pass:', ...fine.map(([n, d]) => line(n, d))] : []),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * Where the service's HTTP API is reached from this host: a wildcard bind on loopback, a list's entry that
 * is this host's (as the service picks it; else its first), over HTTPS when the service has a certificate.
 */
export function healthUrl(http: Config['http'], interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = os.networkInterfaces()): string {
  const bound = bindAddress(http.host, interfaces) ?? http.host.split(',')[0]!.trim().replace(/^\[(.*)\]$/, '$1');
  const host = ['0.0.0.0', '::', ''].includes(bound) ? '127.0.0.1' : bound;
  return `${http.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${http.port}/jibri/api/v1.0/health`;
}

export interface StatusResult {
  /** 0: answered and healthy; 1: answered and unhealthy, or no answer. */
  code: number;
  text: string;
}

/** One GET of the health endpoint: plain, or over TLS to the service's own certificate. */
async function getHealth(url: string, http: Config['http'], timeoutMs: number): Promise<OwnAnswer> {
  const headers: Record<string, string> = http.token ? { authorization: `Bearer ${http.token}` } : {};
  if (http.tls) return pinnedGet(new URL(url), fs.readFileSync(http.tls.certFile, 'utf8'), headers, timeoutMs);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Asks the service; never throws (a service that does not answer is a status too). */
export async function readStatus(http: Config['http'], opts: { json: boolean; timeoutMs?: number }): Promise<StatusResult> {
  const url = healthUrl(http);
  const timeoutMs = opts.timeoutMs ?? 4000;
  let body: HealthBody;
  try {
    const res = await getHealth(url, http, timeoutMs);
    if (res.status !== 200) return { code: 1, text: `jibri-ts at ${url} answered HTTP ${res.status}, not its health\n` };
    body = JSON.parse(res.body) as HealthBody;
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.cause?.code ?? e.code ?? e.message);
    return {
      code: 1,
      text: `jibri-ts is not answering at ${url} (${why}): is the service running (systemctl status jibri, docker ps)? Its address comes from JIBRI_HTTP_API_EXTERNAL_HOST and JIBRI_HTTP_API_EXTERNAL_PORT${http.tls ? ', its certificate from JIBRI_HTTP_API_TLS_CERT_FILE' : ''}\n`,
    };
  }
  const code = body.status?.health?.healthStatus === 'HEALTHY' ? 0 : 1;
  return { code, text: opts.json ? `${JSON.stringify(body, null, 2)}\n` : describeHealth(body, url.replace(/\/jibri\/api\/v1\.0\/health$/, '')) };
}

/**
 * Pure: what the machine lacks at the service's start, in one message, with one install command for
 * the Debian packages the failing checks name; undefined when every check passes.
 */
export function startupProblems(details: Record<string, Detail>): string | undefined {
  const failing = Object.entries(details).filter(([name, d]) => d.healthStatus !== 'HEALTHY' && !name.startsWith('session:'));
  if (!failing.length) return undefined;
  const detail = (d: Detail): string => (typeof d.detail === 'string' ? d.detail : '');
  const packages = [...new Set(failing.flatMap(([, d]) => [...detail(d).matchAll(/apt-get install ([a-z0-9][a-z0-9.+-]*(?: [a-z0-9][a-z0-9.+-]*)*)/g)].flatMap((m) => (m[1] ?? '').split(' '))))];
  return [
    `this machine cannot record yet (${failing.length} problem${failing.length > 1 ? 's' : ''}); jibri-ts installs nothing itself:`,
    ...failing.map(([name, d]) => `  ${CHECK_NAMES[name] ?? name}: ${detail(d)}`),
    ...(packages.length ? [`  to install what is missing: apt-get install --no-install-recommends ${packages.join(' ')} (the jibri-ts Debian package and image bring them)`] : []),
    '  the checks run again every minute; `jibri-ts status` shows where it stands',
  ].join('\n');
}
