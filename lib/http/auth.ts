/**
 * Who may do what on the HTTP API. With JIBRI_HTTP_API_TOKEN set, every endpoint but health (and
 * /metrics) needs `Authorization: Bearer <token>`, and health shows session details (meeting URLs, files,
 * errors) only to a request that carries it. Without a token the API is on loopback (the configuration
 * refuses anything else unless JIBRI_HTTP_API_ALLOW_OPEN): there everyone on the host sees the details;
 * an API opened on purpose shows them to nobody.
 */
import type { NextFunction, Request, Response } from 'express';
import { isLoopbackHost, type HttpConfig } from '../config';
import { tokenMatches } from '@jibri-ts/common';
import { sendError } from './responses';

/** Pure: the token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1] ? m[1].trim() : undefined;
}

/** Pure: does the Authorization header carry this token? */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = bearerToken(header);
  return Boolean(given && tokenMatches(given, token));
}

export function requireToken(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!bearerMatches(req.get('authorization'), token)) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'UNAUTHORIZED', 'A valid "Authorization: Bearer <token>" header is required (JIBRI_HTTP_API_TOKEN)');
      return;
    }
    next();
  };
}

/** Whether a request may read session details (health's full view, session events). */
export function detailsAllowed(http: HttpConfig): (req: Request) => boolean {
  if (http.token) {
    const token = http.token;
    return (req) => bearerMatches(req.get('authorization'), token);
  }
  const open = isLoopbackHost(http.host);
  return () => open;
}
