/**
 * The guard in front of every state-changing request (anything but GET, HEAD and OPTIONS) of the
 * recorder's two HTTP servers: the HTTP API and the internal API. Both apps install it before their routes.
 *
 * Why: a page on any site can make a browser send a POST to a loopback port ("no-cors", a text/plain
 * body, no preflight), and read nothing back, which is all it needs to start or stop a recording or to
 * shut the recorder down. Browsers mark such requests (Origin, Sec-Fetch-Site) and cannot send a JSON
 * content type without a CORS preflight, which these servers never grant. So:
 *   - a request a browser marks as coming from another site is refused with 403;
 *   - a body is read only as `application/json` (415 otherwise).
 * curl and Jibri's shell scripts send neither header, and either no body or JSON, so they pass; a
 * bodiless POST (the internal API's `curl -X POST`) is never refused for its content type.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log';
import { sendError } from './responses';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAME_ORIGIN_SITES = new Set(['same-origin', 'none']);

export interface BrowserMarks {
  origin?: string;
  secFetchSite?: string;
  host?: string;
}

/**
 * Pure: why a request's browser marks make it cross-site, or undefined when it is not. The Origin is
 * compared with the Host by host and port only: a TLS-terminating proxy in front changes the scheme
 * the server sees, not the site. A browser that reached this server by a host name must have used an
 * IP address or `localhost`: a name could be one an attacker's DNS points at this server (DNS
 * rebinding), which makes the attacker's page same-origin with it.
 */
export function crossSiteReason(marks: BrowserMarks): string | undefined {
  const site = marks.secFetchSite?.trim().toLowerCase();
  if (site !== undefined && !SAME_ORIGIN_SITES.has(site)) return `Sec-Fetch-Site is ${JSON.stringify(site.slice(0, 40))}`;
  if (marks.origin === undefined && site === undefined) return undefined;
  const host = (marks.host ?? '').trim().toLowerCase();
  if (marks.origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(marks.origin).host.toLowerCase();
    } catch {
      return `the Origin ${JSON.stringify(marks.origin.slice(0, 100))} is not a URL`;
    }
    if (!originHost || originHost !== host) return `the Origin ${JSON.stringify(marks.origin.slice(0, 100))} is not this server`;
  }
  if (!isAddressHost(host)) return `a browser reached this server by the name ${JSON.stringify(host.slice(0, 100))}`;
  return undefined;
}

/** `127.0.0.1:2222`, `[::1]:2222` or `localhost:2222`: a Host no DNS answer can make an attacker's. */
function isAddressHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}

/** Pure: does the request carry a body (a length above 0, or chunked)? */
export function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/** Pure: `application/json`, with or without parameters such as `; charset=utf-8`. */
export function isJsonType(contentType: string | undefined): boolean {
  return /^\s*application\/json\s*(;|$)/i.test(contentType ?? '');
}

/** The middleware: 403 for a cross-site browser request, 415 for a body that is not JSON. */
export function guardStateChanges(log?: Logger) {
  const http = log?.child({ component: 'http' });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) return next();
    const reason = crossSiteReason({ origin: req.get('origin'), secFetchSite: req.get('sec-fetch-site'), host: req.get('host') });
    if (reason) {
      http?.warn(`refused a browser's cross-site ${req.method} ${req.path.slice(0, 200)}: ${reason}`);
      return sendError(res, 403, 'CROSS_SITE_REQUEST', `Requests from web pages of other sites are refused (${reason})`, {
        hint: 'Call this API from a server or a script (curl), not from a web page',
      });
    }
    if (hasBody(req.headers) && !isJsonType(req.get('content-type'))) {
      http?.warn(`refused a ${req.method} ${req.path.slice(0, 200)} with a ${JSON.stringify((req.get('content-type') ?? 'untyped').slice(0, 100))} body`);
      return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON, sent with "Content-Type: application/json"');
    }
    next();
  };
}
