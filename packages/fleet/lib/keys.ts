/**
 * API keys: shown once when issued, stored only as a SHA-256 digest, compared in constant time. A key is
 * 128 random bits in the seed's shape (JOD-<uuid>), so a fast digest is enough: there is nothing to
 * guess a dictionary of.
 */
import * as crypto from 'node:crypto';

/** A random 256-bit token (a session, an invitation), as text for a cookie or a link. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: its SHA-256, so the database alone signs nobody in. */
export function digest(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newApiKey(): string {
  return `JOD-${crypto.randomUUID()}`;
}

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant time whatever the lengths: both sides are digests first. */
export function keyMatches(given: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(given), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The legacy signature (one fleet-wide key): HMAC-SHA256 of the body alone, `X-JOD-Signature: sha256=<hex>`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** A fresh callback signing secret for an account: 256 random bits, `whsec_` and base64url. */
export function newCallbackSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

/**
 * The account's signature: HMAC-SHA256 with the account's own secret of `<timestamp>.<deployment id>.<body>`,
 * as `X-JOD-Signature: v2=<hex>`. The deployment id and the time are signed with the body, so a callback
 * cannot be replayed to another customer (another secret), to another deployment, or later on.
 */
export function signCallback(secret: string, timestamp: number, deploymentId: string, body: string): string {
  return `v2=${crypto.createHmac('sha256', secret).update(`${timestamp}.${deploymentId}.${body}`, 'utf8').digest('hex')}`;
}
