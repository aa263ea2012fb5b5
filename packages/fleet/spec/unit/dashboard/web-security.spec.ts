/** The dashboard's session cookie and its CSRF tokens, emails as the dashboard takes them. */
import { cookieName, csrfKey, csrfToken, csrfValid, normalEmail, readCookie, sameOrigin, setCookie } from '../../../lib/dashboard/web-security';

describe('CSRF tokens and the session cookie', () => {
  const key = csrfKey(Buffer.alloc(32, 1));
  it('a token is bound to its session: valid there, not in another, not when missing or altered', () => {
    const t = csrfToken(key, 'session-a');
    expect(csrfValid(key, 'session-a', t)).toBe(true);
    expect(csrfValid(key, 'session-b', t)).toBe(false);
    expect(csrfValid(key, 'session-a', undefined)).toBe(false);
    expect(csrfValid(key, undefined, t)).toBe(false);
    expect(csrfValid(key, 'session-a', `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(csrfValid(key, 'session-a', ['x'])).toBe(false);
    expect(csrfValid(csrfKey(Buffer.alloc(32, 2)), 'session-a', t)).toBe(false);
  });
  it('accepts a form from its own origin or one without Origin, not from another site', () => {
    expect(sameOrigin('http://127.0.0.1:3000', '127.0.0.1:3000', false)).toBe(true);
    expect(sameOrigin(undefined, '127.0.0.1:3000', false)).toBe(true);
    expect(sameOrigin('https://evil.example', 'jod.example.com', true)).toBe(false);
    expect(sameOrigin('http://jod.example.com', 'jod.example.com', true)).toBe(false);
    expect(sameOrigin('null', 'jod.example.com', false)).toBe(false);
  });
  it('is HttpOnly and SameSite always, Secure and __Host- behind TLS, and is deleted with Max-Age=0', () => {
    expect(setCookie('jod_session', 'abc_DEF-123', { secure: false, maxAgeSec: 3600 })).toBe('jod_session=abc_DEF-123; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600');
    expect(setCookie('jod_session', 'abc', { secure: true })).toBe('__Host-jod_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(setCookie('jod_pre', '', { secure: false, maxAgeSec: 0, sameSite: 'Strict' })).toBe('jod_pre=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(() => setCookie('jod_session', 'a;b', { secure: false })).toThrow();
    expect(cookieName('jod_session', true)).toBe('__Host-jod_session');
  });
  it('reads only its own cookie, and only a well-formed value', () => {
    const v = 'A'.repeat(43);
    expect(readCookie(`other=1; jod_session=${v}; x=2`, 'jod_session')).toBe(v);
    expect(readCookie(`jod_session_x=${v}`, 'jod_session')).toBeUndefined();
    expect(readCookie('jod_session=<script>', 'jod_session')).toBeUndefined();
    expect(readCookie(undefined, 'jod_session')).toBeUndefined();
  });
  it('normalises email addresses and refuses what is not one', () => {
    expect(normalEmail(' Ops@Example.COM ')).toBe('ops@example.com');
    for (const bad of ['ops', 'ops@', '@example.com', 'a b@example.com', 'x@localhost', 42, undefined, `${'a'.repeat(250)}@example.com`]) expect(normalEmail(bad)).toBeUndefined();
  });
});
