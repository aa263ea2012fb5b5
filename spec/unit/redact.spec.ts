import { containsSecret, redact, redactDeep, registerSecret } from '../../lib/redact';

describe('redaction of every encoding of a secret', () => {
  const password = 'p@ss:w/rd+x y%1é"\\';
  beforeAll(() => registerSecret(password));

  const encodings: Array<[string, string]> = [
    ['as it is', password],
    ['percent-encoded, upper-case hex', encodeURIComponent(password)],
    ['percent-encoded, lower-case hex', encodeURIComponent(password).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['percent-encoded twice', encodeURIComponent(encodeURIComponent(password))],
    ['form-encoded (space as +)', new URLSearchParams({ pw: password }).toString().slice('pw='.length)],
    ['in a URL\'s user:pass@', (() => { const u = new URL('rtmp://ingest.example/app/key'); u.username = 'streamer'; u.password = password; return u.toString(); })()],
    ['JSON-escaped', JSON.stringify(password)],
    ['half encoded', `${password.slice(0, 5)}${encodeURIComponent(password.slice(5))}`],
  ];

  it.each(encodings)('masks it %s', (_how, text) => {
    const line = `ffmpeg: Opening '${text}' for writing`;
    expect(containsSecret(line)).toBe(true);
    const out = redact(line);
    expect(out).toContain('****');
    for (const [, form] of encodings) if (form.length > 6) expect(out).not.toContain(form);
    expect(out).not.toContain('p@ss');
    expect(out.toLowerCase()).not.toContain('p%40ss');
  });

  it('leaves other text alone, and masks a whole URL as one', () => {
    expect(redact('nothing secret here: pass, p@s')).toBe('nothing secret here: pass, p@s');
    registerSecret('rtmp://ingest.example/app/streamkey-1234');
    registerSecret('streamkey-1234');
    expect(redact('to rtmp://ingest.example/app/streamkey-1234 now')).toBe('to **** now');
    expect(redact('key=streamkey-1234&x=1')).toBe('key=****&x=1');
  });

  it('ignores values too short to be secrets', () => {
    registerSecret('abc');
    expect(redact('abc abcd')).toBe('abc abcd');
  });

  it('redacts deep values: strings, errors, secret-named fields', () => {
    const body = { a: [`x ${encodeURIComponent(password)}`], e: new Error(`failed with ${password}`), nested: { password: 'anything', apiKey: 'k', ok: 1 } };
    const out = redactDeep(body) as unknown as { a: string[]; e: string; nested: Record<string, unknown> };
    expect(out.a[0]).toBe('x ****');
    expect(out.e).toBe('failed with ****');
    expect(out.nested).toEqual({ password: '****', apiKey: '****', ok: 1 });
    expect(body.nested.password).toBe('anything');
  });
});
