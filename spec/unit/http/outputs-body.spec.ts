/**
 * The HTTP API's outputs: startService's `outputs` list beside Jibri's `sinkType`, and the body of
 * POST .../sessions/{id}/outputs. Bad input gets a field and a reason, and a stream key is never quoted.
 */
import { parseStartBody } from '../../../lib/http/bodies';
import type { FieldError } from '../../../lib/http/bodies';
import { parseOutput } from '../../../lib/http/outputs-body';

const base = {
  sessionId: 'outs-1',
  callParams: { callUrlInfo: { baseUrl: 'https://meet.example.com', callName: 'room' } },
  callLoginParams: { domain: 'recorder.example.com', username: 'recorder', password: 'pw' },
};
const KEY = 'body-key-SECRET-1';

function errorsOf(body: unknown): FieldError[] {
  const r = parseStartBody(body);
  return r.ok ? [] : r.errors;
}

describe('startService outputs', () => {
  it('takes a file and several RTMP(S) destinations, without sinkType', () => {
    const r = parseStartBody({
      ...base,
      outputs: [{ type: 'file' }, { type: 'rtmp', url: `rtmp://a.example/live/${KEY}` }, { type: 'rtmp', url: 'rtmps://b.example/app/k2', username: 'u', password: 'p' }],
    });
    expect(r.ok && r.request.outputs).toEqual([
      { kind: 'file' },
      { kind: 'rtmp', rtmpUrl: `rtmp://a.example/live/${KEY}` },
      { kind: 'rtmp', rtmpUrl: 'rtmps://b.example/app/k2', username: 'u', password: 'p' },
    ]);
  });

  it("keeps sinkType's meaning: it may be sent, and must then say what the list is", () => {
    expect(parseStartBody({ ...base, sinkType: 'stream', outputs: [{ type: 'rtmp', url: 'rtmp://a/live/k' }, { type: 'file' }] }).ok).toBe(true);
    expect(parseStartBody({ ...base, sinkType: 'FILE', outputs: [{ type: 'file' }], youTubeStreamKey: null }).ok).toBe(true);
    expect(errorsOf({ ...base, sinkType: 'file', outputs: [{ type: 'rtmp', url: 'rtmp://a/live/k' }] })).toEqual([{ field: 'sinkType', message: expect.stringContaining('stream session') }]);
    // Without outputs, sinkType is Jibri's and required.
    expect(errorsOf(base)).toEqual([{ field: 'sinkType', message: 'is required' }]);
    expect(parseStartBody({ ...base, sinkType: 'stream', rtmpUrl: `rtmp://a/live/${KEY}` })).toMatchObject({ ok: true, request: { outputs: [{ kind: 'rtmp' }] } });
  });

  it("refuses Jibri's stream fields beside the list: they would be a second, unlisted stream", () => {
    expect(errorsOf({ ...base, outputs: [{ type: 'file' }], youTubeStreamKey: KEY }).map((e) => e.field)).toEqual(['youTubeStreamKey']);
    expect(errorsOf({ ...base, outputs: [{ type: 'file' }], rtmpUrl: 'rtmp://a/live' }).map((e) => e.field)).toEqual(['rtmpUrl']);
    // The hint says how the list takes the same stream; the key itself is never quoted.
    const [error] = errorsOf({ ...base, outputs: [{ type: 'file' }], youTubeStreamKey: KEY });
    expect(error?.message).toBe('cannot be sent with outputs: put it in outputs as {"type": "rtmp", "url", "username", "password", "viewingUrl"}');
  });

  it.each([
    [[], 'outputs'],
    ['file', 'outputs'],
    [{ type: 'file' }, 'outputs'],
    [Array.from({ length: 40 }, () => ({ type: 'file' })), 'outputs'],
    [[5], 'outputs[0]'],
    [[{ type: 'file' }, {}], 'outputs[1].type'],
    [[{ type: 'gateway' }], 'outputs[0].type'],
    [[{ type: 'rtmp' }], 'outputs[0].url'],
    [[{ type: 'rtmp', url: 'http://a/live/k' }], 'outputs[0].url'],
    [[{ type: 'rtmp', url: 'rtmp://a/onlyapp' }], 'outputs[0].url'],
    [[{ type: 'rtmp', url: 'rtmp://user:pw@a/live/k' }], 'outputs[0].url'],
    [[{ type: 'rtmp', url: 'rtmp://a/live/k', password: 5 }], 'outputs[0].password'],
  ])('refuses outputs %j at %s', (outputs, field) => {
    const errors = errorsOf({ ...base, outputs });
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toBeTruthy();
  });

  it('says which types there are for an unknown one, and never quotes a stream URL', () => {
    const [unknown] = errorsOf({ ...base, outputs: [{ type: 'smoke-signal' }] });
    expect(unknown?.message).toMatch(/"file", "rtmp", "hls", "thumbnails" or "tracks"/);
    const text = JSON.stringify(errorsOf({ ...base, outputs: [{ type: 'rtmp', url: `ftp://a/live/${KEY}` }] }));
    expect(text).toContain('outputs[0].url');
    expect(text).not.toContain(KEY);
  });

  it('parses one output for POST .../outputs', () => {
    const errors: FieldError[] = [];
    parseOutput({ type: 'rtmp', url: 'rtmp://a/live/k', viewingUrl: 'javascript:x' }, '(body)', errors);
    parseOutput({ type: 'file', colour: 'red' }, '(body)', errors);
    expect(errors.splice(0).map((e) => e.field)).toEqual(['(body).viewingUrl', '(body).colour']);
    expect(parseOutput({ type: 'rtmp', url: 'rtmp://c.example/live/k3' }, '(body)', errors)).toEqual({ kind: 'rtmp', rtmpUrl: 'rtmp://c.example/live/k3' });
    expect(parseOutput(undefined, '(body)', errors)).toBeUndefined();
    expect(errors.map((e) => e.field)).toEqual(['(body)']);
    errors.length = 0;
    // One parser for both places: the start list's kinds parse here too; which may join a running session is the recorder's rule.
    expect(parseOutput({ type: 'HLS' }, '(body)', errors)).toEqual({ kind: 'hls' });
    expect(parseOutput({ type: 'thumbnails' }, '(body)', errors)).toEqual({ kind: 'thumbnails', intervalSec: 10 });
    expect(parseOutput({ type: 'tracks' }, '(body)', errors)).toEqual({ kind: 'tracks' });
    expect(parseOutput({ type: 'file', audioOnly: true }, '(body)', errors)).toEqual({ kind: 'file', audioOnly: true });
    expect(parseOutput({ type: 'hls', segments: 3 }, '(body)', errors)).toBeUndefined();
    expect(errors.map((e) => e.field)).toEqual(['(body).segments']);
  });
});

describe('startService with an outputs list', () => {
  const base = { sessionId: 's1', callParams: { callUrlInfo: { baseUrl: 'https://meet.example.com', callName: 'room' } } };

  it('takes the list instead of sinkType', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'file', audioOnly: true }, { type: 'hls' }, { type: 'thumbnails' }, { type: 'thumbnails', intervalSeconds: 30 }] });
    expect(parsed.ok && parsed.request.outputs).toEqual([{ kind: 'file', audioOnly: true }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 10 }, { kind: 'thumbnails', intervalSec: 30 }]);
  });

  it('takes rtmp entries with their credentials', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'rtmp', url: 'rtmp://ingest.example.com/live/key', username: 'u', password: 'p' }] });
    expect(parsed.ok && parsed.request.outputs).toEqual([{ kind: 'rtmp', rtmpUrl: 'rtmp://ingest.example.com/live/key', username: 'u', password: 'p' }]);
  });

  it('says which entry and field is wrong, never a value', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'hls' }, { type: 'thumbnails', intervalSeconds: 0 }, { type: 'file', audioOnly: 'yes' }, { type: 'dash' }, 'x', { type: 'rtmp', url: 'http://secret-key-here' }] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(['outputs[1].intervalSeconds', 'outputs[2].audioOnly', 'outputs[3].type', 'outputs[4]', 'outputs[5].url']);
    expect(JSON.stringify(parsed.errors)).not.toContain('secret-key-here');
  });

  it('refuses an empty or oversized list, and still needs sinkType without one', () => {
    for (const outputs of [[], 'hls', Array.from({ length: 17 }, () => ({ type: 'hls' }))]) {
      const parsed = parseStartBody({ ...base, outputs });
      expect(!parsed.ok && parsed.errors[0]?.field).toBe('outputs');
    }
    const none = parseStartBody(base);
    expect(!none.ok && none.errors.map((e) => e.field)).toEqual(['sinkType']);
  });
});
