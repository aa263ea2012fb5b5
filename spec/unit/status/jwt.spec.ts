/** The RS256 bearer token of Jibri's webhooks: its claims, its renewal, a key that cannot sign. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSigningKey, RefreshingJwt, RENEW_BEFORE_SEC, signJwt } from '../../../lib/status/jwt';
import type { Json } from '../../../testkit/json';

function decode(token: string): { header: Json; claims: Json; valid: (key: crypto.KeyObject) => boolean } {
  const [h, c, sig] = token.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
    valid: (key) => crypto.verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(sig, 'base64url')),
  };
}

describe('webhook tokens', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const settings = { signingKeyPath: '', kid: 'jibri-key-1', issuer: 'jibri-ts', audience: 'jibri-webhooks', ttlSec: 3600 };

  it("signs RS256 with Jibri's claims: kid in the header; iss, aud and exp only", () => {
    const t = decode(signJwt({ iss: 'i', aud: ['a'], exp: 123 }, privateKey, 'k'));
    expect(t.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k' });
    expect(t.claims).toEqual({ iss: 'i', aud: ['a'], exp: 123 });
    expect(t.valid(publicKey)).toBe(true);
    expect(t.valid(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).toBe(false);
  });

  it('reuses a token and renews it 5 minutes before it expires (Jibri never renews)', () => {
    let now = 1_000_000;
    const jwt = new RefreshingJwt(settings, privateKey, () => now);
    const first = jwt.token();
    expect(decode(first).claims.exp).toBe(now + 3600);
    now += 3600 - RENEW_BEFORE_SEC - 1;
    expect(jwt.token()).toBe(first);
    now += 2;
    const second = jwt.token();
    expect(second).not.toBe(first);
    expect(decode(second).claims.exp).toBe(now + 3600);
  });

  it('refuses a missing or unusable key with what to do', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    expect(() => loadSigningKey(path.join(dir, 'none.pem'))).toThrow(/JIBRI_JWT_SIGNING_KEY_PATH=.*cannot read it \(ENOENT\)/);
    fs.writeFileSync(path.join(dir, 'bad.pem'), 'not a key');
    expect(() => loadSigningKey(path.join(dir, 'bad.pem'))).toThrow(/not a PEM private key; make one with: openssl genrsa/);
    fs.writeFileSync(path.join(dir, 'ec.pem'), crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadSigningKey(path.join(dir, 'ec.pem'))).toThrow(/RS256 needs an RSA key, this one is ec/);
  });
});
