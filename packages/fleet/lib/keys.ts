/**
 * API keys: shown once when issued, stored only as a SHA-256 digest, compared in constant time. A key is
 * 128 random bits in the seed's shape (JOD-<uuid>), so a fast digest is enough: there is nothing to
 * guess a dictionary of.
 */
import * as crypto from 'node:crypto';

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

/** HMAC-SHA256 of a callback body, as the `X-JOD-Signature: sha256=<hex>` header carries it. */
export function signBody(body: string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
