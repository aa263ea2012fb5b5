/** Sealed secrets: AES-256-GCM with the operator's key, each bound to where it belongs. */
import { parseSecretKey, SecretBox } from '../../lib/secret-box';

describe('fleet: sealed secrets', () => {
  const key = parseSecretKey(Buffer.alloc(32, 7).toString('base64'))!;

  it('reads the key as base64 or hex, 32 bytes only', () => {
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('hex'))).toEqual(Buffer.alloc(32, 1));
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64url'))).toEqual(Buffer.alloc(32, 1));
    expect(parseSecretKey(Buffer.alloc(16, 1).toString('base64'))).toBeUndefined();
    expect(parseSecretKey('change-me')).toBeUndefined();
  });

  it('seals with a fresh nonce, opens only with the key and in the place it was sealed for', () => {
    const box = new SecretBox(key);
    // Long enough that random base64 never spells it (a two-letter one did, about once in a hundred runs).
    const pw = 'customer-xmpp-password';
    const a = box.seal(pw, 'domain:1:meet.example:JIBRI_XMPP_PASSWORD');
    expect(a).toMatch(/^enc:v1:/);
    expect(a).not.toContain(pw);
    expect(box.seal(pw, 'x')).not.toBe(box.seal(pw, 'x'));
    expect(box.open(a, 'domain:1:meet.example:JIBRI_XMPP_PASSWORD')).toBe(pw);
    expect(() => box.open(a, 'domain:2:meet.example:JIBRI_XMPP_PASSWORD')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(a, 'domain:1:meet.example:JIBRI_XMPP_PASSWORD')).toThrow();
  });
});
