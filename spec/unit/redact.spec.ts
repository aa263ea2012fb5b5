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

describe("a pre-signed link's key id when the store's secret equals it (MinIO's minioadmin/minioadmin)", () => {
  beforeAll(() => registerSecret('minioadmin-equal'));
  const link = 'http://127.0.0.1:9000/rec/s1/room.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=minioadmin-equal%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T035548Z&X-Amz-Expires=600&X-Amz-Signature=ec2c&X-Amz-SignedHeaders=host';

  it('keeps the credential parameter of the link, which holds the key id, in every form the link takes', () => {
    expect(redact(link)).toBe(link);
    expect(containsSecret(link)).toBe(false);
    expect(redactDeep({ files: [{ url: link }] })).toEqual({ files: [{ url: link }] });
    const inside = `https://viewer.example/?src=${encodeURIComponent(link)}`;
    expect(redact(inside)).toBe(inside);
    expect(redact(link.replace(/%2F/g, '/'))).toBe(link.replace(/%2F/g, '/'));
  });

  it('still masks the same value anywhere else, also beside the link and in a parameter of another shape', () => {
    expect(redact(`secret minioadmin-equal, link ${link}`)).toBe(`secret ****, link ${link}`);
    expect(containsSecret(`secret minioadmin-equal, link ${link}`)).toBe(true);
    expect(redact('?X-Amz-Credential=minioadmin-equal&x=1')).toBe('?X-Amz-Credential=****&x=1');
    expect(redact('?X-Amz-Credential=minioadmin-equal%2Fnot-a-date%2Fr%2Fs3%2Faws4_request')).toContain('****');
  });
});
