/**
 * The fleet's calls to a recorder's APIs (health, Jibri's internal shutdown, stopService, its recordings), always with the
 * recorder's own token. A recorder elsewhere on the network (swarm, kubernetes) is reached over HTTPS only:
 * its certificate must chain to the fleet's recorder CA (no system CA is trusted) and name that very
 * recorder (its id, whatever address it has), and the token is sent only once both hold. Plain HTTP is only
 * for recorders on this host's loopback (local, docker): a plain call to any other address is refused here,
 * so no code path can send a token across the network in clear. Each call opens its own connection, so a
 * connection checked for one recorder is never reused for another that later has the same address and port.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import ipaddr from 'ipaddr.js';
import type { RecorderHealth } from './backend';
import { recorderIdentity } from '../recorder-ca';

/** Where a recorder's API listens, and, beyond loopback, how the fleet knows it is that recorder. */
export interface RecorderAddress {
  host: string;
  port: number;
  /** HTTPS: the fleet's recorder CA (PEM) alone, and the recorder's id its certificate must name. */
  tls?: { ca: string; recorderId: string };
}

/** An answer is a few kilobytes; more is not a recorder's. */
const MAX_BODY = 1 << 20;

/**
 * Pure: Node's server identity check, replaced: the certificate (already verified against the CA) must
 * carry the recorder's own name among its subject alternative names, exactly (no wildcard); the address
 * the fleet connected to plays no part, as Swarm and Kubernetes choose it.
 */
export function recorderIdentityCheck(recorderId: string): (host: string, cert: PeerCertificate) => Error | undefined {
  const wanted = `DNS:${recorderIdentity(recorderId)}`;
  return (_host, cert) => {
    const names = (cert.subjectaltname ?? '').split(/,\s*/);
    return names.includes(wanted) ? undefined : Object.assign(new Error(`the certificate is not recorder ${recorderId}'s (it names ${cert.subjectaltname || 'nothing'})`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  };
}

/** Pure: whether a host is a loopback address (the only place plain HTTP may go). */
export function isLoopback(host: string): boolean {
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

/**
 * One request to a recorder's API, answered as a stream (a recording's file); rejects on a refused
 * certificate, a timeout, or plain HTTP beyond loopback. The caller reads or destroys the response.
 */
export function recorderResponse(addr: RecorderAddress, method: string, path: string, token: string, opts: { body?: string; timeoutMs: number }): Promise<http.IncomingMessage> {
  if (!addr.tls && !isLoopback(addr.host)) return Promise.reject(new Error(`refusing plain HTTP to ${addr.host}: a recorder beyond loopback is reached over HTTPS only`));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) };
    const common = { host: addr.host, port: addr.port, path, method, headers, agent: false, signal: AbortSignal.timeout(opts.timeoutMs) } as const;
    const req = addr.tls
      ? https.request({ ...common, ca: addr.tls.ca, checkServerIdentity: recorderIdentityCheck(addr.tls.recorderId), rejectUnauthorized: true, minVersion: 'TLSv1.2' }, resolve)
      : http.request(common, resolve);
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One request to a recorder's API, its answer read whole (at most `maxBytes`, 1 MB unless said). */
export async function recorderRequest(addr: RecorderAddress, method: string, path: string, token: string, opts: { body?: string; timeoutMs: number; maxBytes?: number }): Promise<{ status: number; body: string }> {
  const res = await recorderResponse(addr, method, path, token, opts);
  const max = opts.maxBytes ?? MAX_BODY;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (d: Buffer) => {
      size += d.length;
      if (size > max) res.destroy(new Error(`the recorder answered more than ${max} bytes`));
      else chunks.push(d);
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    res.on('error', reject);
  });
}

/** The recorder's health (asked with its token, 3 s at most), or undefined when it does not answer or is not who it must be. */
export async function fetchHealth(addr: RecorderAddress, token: string): Promise<RecorderHealth | undefined> {
  try {
    const res = await recorderRequest(addr, 'GET', '/jibri/api/v1.0/health', token, { timeoutMs: 3000 });
    if (res.status < 200 || res.status >= 300) return undefined;
    const body = JSON.parse(res.body) as { busy?: boolean; status?: { health?: { healthStatus?: string } } };
    return { busy: body.busy === true, healthy: body.status?.health?.healthStatus === 'HEALTHY' };
  } catch {
    return undefined;
  }
}

/**
 * Jibri's internal shutdown (stop every session now, finalize, exit); the fleet's recorders take it only
 * with their token (JIBRI_HTTP_API_INTERNAL_AUTH). Whether it was accepted.
 */
export async function postShutdown(addr: RecorderAddress, token: string): Promise<boolean> {
  try {
    const res = await recorderRequest(addr, 'POST', '/jibri/api/internal/v1.0/shutdown', token, { timeoutMs: 3000 });
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/** Jibri's stopService on the recorder's HTTP API, with its token: every session stopped, its file finalized. */
export async function postStopService(addr: RecorderAddress, token: string, timeoutMs = 60000): Promise<boolean> {
  try {
    const res = await recorderRequest(addr, 'POST', '/jibri/api/v1.0/stopService', token, { body: '{}', timeoutMs });
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}
