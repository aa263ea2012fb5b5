/**
 * Every connection a customer aims at the fleet goes through here: callbacks (callback_url) and a
 * domain's XMPP server (its test login and the brewery watch). The address rules and the check are
 * @jibri-ts/common's (net/address-policy.ts, shared with the recorder's browser proxy); this module adds
 * the guarded POST: connected to exactly the checked address, TLS still verifying the real host name,
 * redirects never followed. The operator opens exceptions per host (JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS,
 * JIBRI_FLEET_XMPP_ALLOWED_HOSTS).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { OutboundRefused, pinnedLookup, resolveChecked, type AllowedHost } from '@jibri-ts/common';

export {
  canonicalHost,
  classifyAddress,
  describeRange,
  isAllowedHost,
  OutboundRefused,
  OutboundUnresolved,
  parseAllowedHosts,
  pinnedLookup,
  resolveChecked,
  type AddressVerdict,
  type AllowedHost,
  type CheckedAddress,
  type Resolver,
} from '@jibri-ts/common';

/** Pure: an allowed host as a recorder's settings take it back (`host`, `host:port`, `[v6]:port`). */
export function allowedHostText(a: AllowedHost): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return a.port ? `${host}:${a.port}` : host;
}

export interface GuardedResponse {
  status: number;
}

/**
 * POSTs to a customer's URL through the guard: resolved and checked once, connected to that address,
 * TLS verified for the URL's host name, no redirect followed (a 3xx is an answer like any other).
 */
export async function guardedPost(field: string, url: string, body: string, headers: Record<string, string>, allowed: readonly AllowedHost[], timeoutMs = 10000): Promise<GuardedResponse> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  if (!isHttps && u.protocol !== 'http:') throw new OutboundRefused(`${field}: only http and https URLs are called`);
  const port = Number(u.port || (isHttps ? 443 : 80));
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const checked = await resolveChecked(field, host, port, allowed);
  const options: https.RequestOptions = {
    method: 'POST',
    host,
    port,
    path: `${u.pathname}${u.search}`,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinnedLookup(checked),
    // One connection per request: a pooled socket could have been opened for another check.
    agent: false,
    timeout: timeoutMs,
    ...(isHttps && !net.isIP(host) ? { servername: host } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).request(options, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
