import { crossSiteReason, hasBody, isJsonType } from '../../../lib/http/request-guard';

describe('the request guard (pure parts)', () => {
  it.each([
    ['curl: no Origin, no Sec-Fetch-*', {}, undefined],
    ['Node fetch (sends no Sec-Fetch-Site)', { host: 'jibri.example.com:2222' }, undefined],
    ['a same-origin page on an address', { origin: 'http://127.0.0.1:2222', secFetchSite: 'same-origin', host: '127.0.0.1:2222' }, undefined],
    ['a same-origin page on localhost', { origin: 'http://localhost:2222', host: 'localhost:2222' }, undefined],
    ['a same-origin page on [::1]', { origin: 'http://[::1]:2222', host: '[::1]:2222' }, undefined],
    ['a typed-in address (Sec-Fetch-Site: none)', { secFetchSite: 'none', host: '127.0.0.1:2222' }, undefined],
    ['behind a TLS proxy (scheme differs, host the same)', { origin: 'https://10.0.0.5', host: '10.0.0.5' }, undefined],
  ])('lets %s through', (_name, marks, expected) => {
    expect(crossSiteReason(marks)).toBe(expected);
  });

  it.each([
    ['another port of the same host (same-site)', { origin: 'http://127.0.0.1:8080', secFetchSite: 'same-site', host: '127.0.0.1:2222' }, /Sec-Fetch-Site/],
    ['another site', { origin: 'https://evil.example', secFetchSite: 'cross-site', host: '127.0.0.1:2222' }, /Sec-Fetch-Site/],
    ['an Origin that is not this server (no Sec-Fetch-*)', { origin: 'https://evil.example', host: '127.0.0.1:2222' }, /not this server/],
    ['an opaque origin', { origin: 'null', host: '127.0.0.1:2222' }, /not a URL/],
    ['a same-origin page reached by a DNS name (rebinding)', { origin: 'http://rebind.evil.example:2222', secFetchSite: 'same-origin', host: 'rebind.evil.example:2222' }, /by the name/],
    ['Sec-Fetch-Site alone with a name as Host', { secFetchSite: 'same-origin', host: 'evil.example:2222' }, /by the name/],
  ])('refuses %s', (_name, marks, why) => {
    expect(crossSiteReason(marks)).toMatch(why);
  });

  it('tells bodies from bodiless requests', () => {
    expect(hasBody({})).toBe(false);
    expect(hasBody({ 'content-length': '0' })).toBe(false);
    expect(hasBody({ 'content-length': '2' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(hasBody({ 'content-length': 'junk' })).toBe(true);
  });

  it('takes only application/json as a body type', () => {
    expect(isJsonType('application/json')).toBe(true);
    expect(isJsonType('Application/JSON; charset=utf-8')).toBe(true);
    for (const t of [undefined, '', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq']) {
      expect([t, isJsonType(t)]).toEqual([t, false]);
    }
  });
});
