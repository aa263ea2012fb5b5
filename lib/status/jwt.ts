/**
 * RS256 tokens for webhook requests, as Jibri's jwt-info: header `kid`, claims `iss`, `aud` (an array,
 * as jjwt's audience().add() writes it) and `exp`, nothing else. Signed with node:crypto; a token is
 * reused until 5 minutes before it expires and then replaced (Jibri builds its token once and never
 * renews it, so its webhooks fail after the first ttl).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

/** Renew this long before expiry, as jicoco's RefreshingJwt intends to. */
export const RENEW_BEFORE_SEC = 300;

export interface JwtClaims {
  iss: string;
  aud: string[];
  exp: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** Pure: header.claims.signature (RS256). */
export function signJwt(claims: object, key: crypto.KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify(claims));
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${base64url(signature)}`;
}

export interface JwtSettings {
  signingKeyPath: string;
  kid: string;
  issuer: string;
  audience: string;
  ttlSec: number;
}

/** Reads the key once; a key that is missing or not an RSA private key stops the service with what to do. */
export function loadSigningKey(path: string, variable = 'JIBRI_JWT_SIGNING_KEY_PATH'): crypto.KeyObject {
  let pem: string;
  try {
    pem = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${variable}=${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point it at a PEM RSA private key readable by the service`, { cause: err });
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new Error(`${variable}=${path}: not a PEM private key; make one with: openssl genrsa -out jibri-jwt.pem 2048`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${variable}=${path}: RS256 needs an RSA key, this one is ${key.asymmetricKeyType}`);
  return key;
}

export class RefreshingJwt {
  private current: { token: string; exp: number } | undefined;

  constructor(
    private readonly settings: JwtSettings,
    private readonly key: crypto.KeyObject,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  token(): string {
    const now = this.nowSec();
    if (!this.current || this.current.exp - now <= RENEW_BEFORE_SEC) {
      const exp = now + this.settings.ttlSec;
      this.current = { exp, token: signJwt({ iss: this.settings.issuer, aud: [this.settings.audience], exp }, this.key, this.settings.kid) };
    }
    return this.current.token;
  }
}
