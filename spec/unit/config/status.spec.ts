/** The status area's settings: webhook subscribers and the token's settings, and what is wrong with them. */
import { loadConfig } from '../../../lib/config';

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
