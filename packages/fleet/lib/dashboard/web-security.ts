/**
 * Pure: the dashboard's session cookie and its CSRF tokens.
 *
 * A session is a random 256-bit token in a cookie (HttpOnly, SameSite=Lax, Secure and `__Host-` behind
 * TLS); the database keeps only its SHA-256 digest. A form carries a CSRF token that is an HMAC of what
 * binds the browser: the session token once signed in, before that a random pre-session cookie. A form
 * posted from another site cannot know either, and the token of one session is worthless in another.
 */
import * as crypto from 'node:crypto';

export const SESSION_COOKIE = 'jod_session';
export const PRE_SESSION_COOKIE = 'jod_pre';

export { digest, newToken } from '../keys';

/** The CSRF key from the fleet's secret key: a separate key, so a CSRF token reveals nothing of it. */
export function csrfKey(secretKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secretKey, Buffer.alloc(0), 'jibri-ts dashboard csrf', 32));
}

export function csrfToken(key: Buffer, binding: string): string {
  return crypto.createHmac('sha256', key).update(binding, 'utf8').digest('base64url');
}

export function csrfValid(key: Buffer, binding: string | undefined, token: unknown): boolean {
  if (!binding || typeof token !== 'string' || token.length > 100) return false;
  const a = Buffer.from(csrfToken(key, binding));
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * A request that says where it comes from (Origin, which every current browser sends with a POST) must
 * come from the dashboard itself; one that says nothing is judged by its CSRF token alone.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined, secure: boolean): boolean {
  if (!origin) return true;
  if (!host) return false;
  return origin === `${secure ? 'https' : 'http'}://${host}`;
}

/** The cookie's name: `__Host-` behind TLS, so no subdomain or plain-HTTP page can set or shadow it. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes it. Undefined: until the browser closes. */
  maxAgeSec?: number;
  sameSite?: 'Lax' | 'Strict';
}

/** A Set-Cookie value. The value is base64url (ours) or empty; nothing else is ever written. */
export function setCookie(base: string, value: string, o: CookieOptions): string {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error('cookie values are base64url');
  const parts = [`${cookieName(base, o.secure)}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${o.sameSite ?? 'Lax'}`];
  if (o.secure) parts.push('Secure');
  if (o.maxAgeSec !== undefined) parts.push(`Max-Age=${o.maxAgeSec}`);
  return parts.join('; ');
}

/** The named cookie of a Cookie header; only base64url values count. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export { normalEmail } from '../users-store';
