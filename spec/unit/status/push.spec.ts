import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../../lib/config';
import { RecorderError } from '../../../lib/errors';
import { sseEvent } from '../../../lib/status/sse';
import type { SessionChange } from '../../../lib/recorder/recorder';
import { loadSigningKey, RefreshingJwt, RENEW_BEFORE_SEC, signJwt } from '../../../lib/status/jwt';
import { sessionWebhookBody } from '../../../lib/status/webhook-bodies';
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

describe('webhook configuration', () => {
  it('reads subscribers and the jwt block, and names what is wrong', () => {
    const c = loadConfig({ JIBRI_WEBHOOK_SUBSCRIBERS: 'http://a.example/hooks/, https://b.example', JIBRI_JWT_SIGNING_KEY_PATH: '/k.pem', JIBRI_JWT_KID: 'k', JIBRI_JWT_ISSUER: 'i', JIBRI_JWT_AUDIENCE: 'a' });
    expect(c.webhooks).toEqual({ subscribers: ['http://a.example/hooks', 'https://b.example'], jwt: { signingKeyPath: '/k.pem', kid: 'k', issuer: 'i', audience: 'a', ttlSec: 3600 } });
    expect(c.prometheus).toBe(false);
    expect(() => loadConfig({ JIBRI_WEBHOOK_SUBSCRIBERS: 'ftp://x' })).toThrow(/JIBRI_WEBHOOK_SUBSCRIBERS: "ftp:\/\/x" is not an http\(s\) URL/);
    expect(() => loadConfig({ JIBRI_JWT_SIGNING_KEY_PATH: '/k.pem' })).toThrow(/JIBRI_JWT_KID is required with JIBRI_JWT_SIGNING_KEY_PATH/);
    expect(() => loadConfig({ JIBRI_JWT_TTL: '60' })).toThrow(/JIBRI_JWT_TTL.*600/);
  });
});

describe('session webhook bodies', () => {
  const change = (name: string, previous: string, origin = { kind: 'http' as const }, error?: RecorderError): SessionChange =>
    ({ session: { sessionId: 's1', origin }, state: { name, ...(error ? { error } : {}) }, previous: { name: previous } }) as unknown as SessionChange;

  it('sends ON when recording starts and OFF when the file is closed, with Jackson-style nulls', () => {
    expect(sessionWebhookBody('j', change('recording', 'starting'))).toEqual({ jibriId: 'j', session: { sessionId: 's1', status: 'ON', sipAddress: null, failure: null, shouldRetry: null } });
    expect(sessionWebhookBody('j', change('finalizing', 'stopping'))?.session.status).toBe('OFF');
    expect(sessionWebhookBody('j', change('stopping', 'recording'))).toBeUndefined();
    expect(sessionWebhookBody('j', change('finished', 'finalizing'))).toBeUndefined();
  });

  it("carries the error as Jibri's failure, and should_retry", () => {
    const err = new RecorderError({ code: 'PAGE_LOAD_FAILED', message: 'The page did not load', retryable: true });
    expect(sessionWebhookBody('j', change('finalizing', 'stopping', { kind: 'http' }, err))?.session).toMatchObject({
      status: 'OFF', failure: { reason: 'ERROR', error: { scope: 'SESSION', detail: 'The page did not load' } }, shouldRetry: true,
    });
  });

  it('leaves XMPP sessions to Jicofo', () => {
    expect(sessionWebhookBody('j', change('recording', 'starting', { kind: 'xmpp', environment: 'x' } as never))).toBeUndefined();
  });
});

describe('server-sent events', () => {
  it('writes id, event and one data line', () => {
    expect(sseEvent('status', 3, { busy: false })).toBe('id: 3\nevent: status\ndata: {"busy":false}\n\n');
  });
});
