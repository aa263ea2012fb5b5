/**
 * Users' passwords, hashed with scrypt from Node's own crypto (OpenSSL): memory-hard (N=2^15, r=8: 32 MiB
 * and a fifth of a second per guess on a busy 2-core host), so a stolen database is slow and costly to
 * attack on GPUs, and it needs no native addon to build or keep up to date (argon2's package would). It
 * runs on libuv's thread pool: a flood of sign-ins never blocks the event loop and holds at most 4 × 32 MiB.
 * The parameters travel in the stored string, so stronger ones later still verify old hashes.
 * docs/DASHBOARD.md says more.
 */
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

export interface ScryptCost {
  /** log2 of N. */
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { logN: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 256;

function options(c: ScryptCost): crypto.ScryptOptions {
  // OpenSSL refuses unless maxmem covers 128 * N * r bytes (and a little more).
  return { N: 2 ** c.logN, r: c.r, p: c.p, maxmem: 256 * 2 ** c.logN * c.r };
}

/** `scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>` */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options(cost));
  return ['scrypt', cost.logN, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant time in the hash; a malformed stored string never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const got = await scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options({ logN, r, p }));
  return crypto.timingSafeEqual(got, expected);
}

/** Pure: why a new password is refused, or undefined. */
export function passwordProblem(password: string, email: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `choose a password of at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `a password has at most ${MAX_PASSWORD} characters`;
  if (password.toLowerCase() === email.toLowerCase()) return 'the password must not be your email address';
  if (new Set(password).size < 4) return 'choose a password with more different characters';
  return undefined;
}
