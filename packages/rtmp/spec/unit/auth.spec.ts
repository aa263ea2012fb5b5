/**
 * The adobe and llnw challenge-responses with fixed salts, challenges and nonces. The expected values were
 * computed once with openssl, independently of this code:
 *   b64md5() { printf '%s' "$1" | openssl dgst -md5 -binary | base64; }
 *   hexmd5() { printf '%s' "$1" | openssl dgst -md5 -hex | awk '{print $2}'; }
 *   h1=$(b64md5 jibriAbCd12s3cret); b64md5 "${h1}Op4Q0a1b2c3d"; b64md5 "${h1}Xy7Zq0a1b2c3d"
 *   ha1=$(hexmd5 jibri:live:s3cret); hexmd5 "$ha1:1234abcd:00000001:deadbeef:auth:$(hexmd5 publish:/live/_definst_)"
 */
import { adobeResponse, llnwResponse, nextAuthStep } from '../../lib/auth';

const credentials = { username: 'jibri', password: 's3cret' };
const random8 = (): string => '0a1b2c3d';

describe('adobe challenge-response', () => {
  it('hashes user, salt and password, then the opaque (or the challenge) and the client challenge', () => {
    const base = { user: 'jibri', password: 's3cret', salt: 'AbCd12', clientChallenge: '0a1b2c3d' };
    expect(adobeResponse({ ...base, challenge: 'Op4Q' })).toBe('W4W+YQxnTpdknxSSATvDCw==');
    expect(adobeResponse({ ...base, challenge: 'Xy7Zq' })).toBe('yFUJS8WP/cx+n3ZhwbSzhQ==');
  });

  it('first asks for the challenge with the user, then answers it', () => {
    const first = nextAuthStep({ description: '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ', credentials, app: 'live', responded: false, random8 });
    expect(first).toEqual({ kind: 'retry', params: '?authmod=adobe&user=jibri', responded: false });
    const second = nextAuthStep({
      description: '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=jibri&salt=AbCd12&challenge=Xy7Zq&opaque=Op4Q',
      credentials,
      app: 'live',
      responded: false,
      random8,
    });
    expect(second).toEqual({ kind: 'retry', params: '?authmod=adobe&user=jibri&challenge=0a1b2c3d&response=W4W+YQxnTpdknxSSATvDCw==&opaque=Op4Q', responded: true });
    const noOpaque = nextAuthStep({ description: '[ authmod=adobe ] : ?reason=needauth&user=jibri&salt=AbCd12&challenge=Xy7Zq', credentials, app: 'live', responded: false, random8 });
    expect(noOpaque).toEqual({ kind: 'retry', params: '?authmod=adobe&user=jibri&challenge=0a1b2c3d&response=yFUJS8WP/cx+n3ZhwbSzhQ==', responded: true });
  });
});

describe('llnw (Limelight) challenge-response', () => {
  it('is HTTP digest over realm live and method publish, the application with its instance', () => {
    const base = { user: 'jibri', password: 's3cret', nonce: '1234abcd', cnonce: 'deadbeef' };
    expect(llnwResponse({ ...base, app: 'live' })).toBe('fd90663143bfb13c5ef06119a65a2fab');
    expect(llnwResponse({ ...base, app: 'app/inst' })).toBe('377211862567877aa41d464300e72b97');
  });

  it('answers the nonce', () => {
    const step = nextAuthStep({ description: '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=jibri&nonce=1234abcd', credentials, app: 'live', responded: false, random8: () => 'deadbeef' });
    expect(step).toEqual({ kind: 'retry', params: '?authmod=llnw&user=jibri&nonce=1234abcd&cnonce=deadbeef&nc=00000001&response=fd90663143bfb13c5ef06119a65a2fab', responded: true });
  });
});

describe('when authentication cannot succeed', () => {
  it.each([
    ['no credentials', '[ code=403 need auth; authmod=adobe ]', undefined, false, /none were given/],
    ['a wrong password', '[ authmod=adobe ] : ?reason=authfailed&opaque=x', credentials, true, /refused the username or password/],
    ['an unknown user', '[ authmod=llnw ] : ?reason=nosuchuser', credentials, false, /does not know the username/],
    ['a second challenge after a response', '[ authmod=adobe ] : ?reason=needauth&user=jibri&salt=a&challenge=b', credentials, true, /refused the authentication/],
  ])('%s: fails, and never says the password', (_name, description, creds, responded, reason) => {
    const step = nextAuthStep({ description, ...(creds ? { credentials: creds } : {}), app: 'live', responded, random8 });
    expect(step.kind).toBe('fail');
    expect(step.kind === 'fail' && step.reason).toMatch(reason);
    expect(JSON.stringify(step)).not.toContain('s3cret');
  });

  it('leaves other rejections alone', () => {
    expect(nextAuthStep({ description: 'Connection rejected: application not found', credentials, app: 'live', responded: false, random8 })).toEqual({ kind: 'not-auth' });
  });
});
