/** API keys, callback signatures, domain configurations. */
import * as crypto from 'node:crypto';
import { missingFields, parseDomainConfig, redactDomainConfig } from '../../lib/domain-config';
import { hashKey, keyMatches, newApiKey, signBody } from '../../lib/keys';
import { retryDelayMs } from '../../lib/callbacks';

describe('fleet: keys, signatures, domains', () => {
  it('stores keys as digests and compares them', () => {
    const key = newApiKey();
    expect(key).toMatch(/^JOD-[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(keyMatches(key, hashKey(key))).toBe(true);
    expect(keyMatches(`${key}x`, hashKey(key))).toBe(false);
    expect(hashKey(key)).not.toContain(key);
  });

  it('signs callback bodies with HMAC-SHA256', () => {
    const expected = crypto.createHmac('sha256', 'secret').update('{"it":"worked"}').digest('hex');
    expect(signBody('{"it":"worked"}', 'secret')).toBe(`sha256=${expected}`);
    expect(signBody('a', 'k')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signBody('a', 'k')).not.toBe(signBody('b', 'k'));
  });

  it('backs off callbacks, doubling to at most 5 minutes', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20)).toBe(300000);
  });

  it('keeps domain configurations to the known variables and hides passwords', () => {
    expect(parseDomainConfig({ XMPP_SERVER: ' x:5222 ', PUBLIC_URL: '' })).toEqual({ ok: true, config: { XMPP_SERVER: 'x:5222' } });
    expect(parseDomainConfig({ NOPE: 'x' })).toMatchObject({ ok: false, message: expect.stringMatching(/unknown field NOPE/) });
    expect(missingFields({ XMPP_SERVER: 'x' })).toContain('JIBRI_RECORDER_PASSWORD');
    expect(redactDomainConfig({ JIBRI_XMPP_PASSWORD: 'pw', XMPP_SERVER: 'x' })).toEqual({ JIBRI_XMPP_PASSWORD: '****', XMPP_SERVER: 'x' });
  });
});
