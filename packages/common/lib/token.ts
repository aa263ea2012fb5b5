import * as crypto from 'node:crypto';

/** Compares digests so that neither the token's content nor its length leaks through timing. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
