import { parseStartBody } from '../../../lib/http/bodies';

const jibriBody = {
  sessionId: 'RecordTest',
  callParams: {
    callUrlInfo: { baseUrl: 'https://meet.example.com/', callName: 'room', tenant: '', urlParams: [] },
    email: '', passcode: null, callStatsUsernameOverride: '', displayName: '', extraUrlParams: [],
  },
  callLoginParams: { domain: 'recorder.example.com', port: null, username: 'recorder', password: 'pw', randomizeUsername: false },
  sinkType: 'FILE',
  youTubeStreamKey: null,
  sipClientParams: null,
};

describe('startService bodies', () => {
  it("accepts Jibri's full StartServiceParams", () => {
    const r = parseStartBody(jibriBody);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.request.call).toEqual({ baseUrl: 'https://meet.example.com', callName: 'room', extraUrlParams: [] });
    expect(r.request.callLogin).toEqual({ domain: 'recorder.example.com', username: 'recorder', password: 'pw' });
    expect(r.request.outputs).toEqual([{ kind: 'file' }]);
  });

  const field = (body: unknown): string | undefined => {
    const r = parseStartBody(body);
    return r.ok ? undefined : r.errors[0]?.field;
  };

  it.each([
    [null, '(body)'],
    [[], '(body)'],
    ['x', '(body)'],
    [5, '(body)'],
    [{ ...jibriBody, sessionId: 5 }, 'sessionId'],
    [{ ...jibriBody, sessionId: 'x'.repeat(300) }, 'sessionId'],
    [{ ...jibriBody, sessionId: 'a\nb' }, 'sessionId'],
    [{ ...jibriBody, callParams: { callUrlInfo: { ...jibriBody.callParams.callUrlInfo, baseUrl: 'ftp://x' } } }, 'callParams.callUrlInfo.baseUrl'],
    [{ ...jibriBody, callParams: { callUrlInfo: { ...jibriBody.callParams.callUrlInfo, baseUrl: 'file:///etc' } } }, 'callParams.callUrlInfo.baseUrl'],
    [{ ...jibriBody, callParams: { callUrlInfo: { ...jibriBody.callParams.callUrlInfo, baseUrl: 'https://x/#a' } } }, 'callParams.callUrlInfo.baseUrl'],
    [{ ...jibriBody, callParams: { callUrlInfo: { ...jibriBody.callParams.callUrlInfo, callName: 'a b' } } }, 'callParams.callUrlInfo.callName'],
    [{ ...jibriBody, callLoginParams: 'x' }, 'callLoginParams'],
    [{ ...jibriBody, callLoginParams: { ...jibriBody.callLoginParams, domain: 'bad domain' } }, 'callLoginParams.domain'],
    [{ ...jibriBody, sinkType: 'stream' }, 'rtmpUrl'],
    [{ ...jibriBody, sinkType: 'stream', youTubeStreamKey: 'http://x/a/b' }, 'youTubeStreamKey'],
    [{ ...jibriBody, sinkType: 'stream', youTubeStreamKey: 'rtmp://host/' }, 'youTubeStreamKey'],
    [{ ...jibriBody, sinkType: 'stream', rtmpUrl: 'https://host/app/key' }, 'rtmpUrl'],
    [{ ...jibriBody, sinkType: 'stream', youTubeStreamKey: 5 }, 'youTubeStreamKey'],
    [{ ...jibriBody, sinkType: 'stream', youTubeStreamKey: 'k', password: {} }, 'password'],
    [{ ...jibriBody, sinkType: 'gateway' }, 'sinkType'],
    [{ ...jibriBody, sinkType: undefined }, 'sinkType'],
  ])('%j → error on %s', (body, name) => {
    expect(field(body)).toBe(name);
  });

  it('builds stream outputs from the seed fields', () => {
    const sink = (extra: Record<string, unknown>): unknown => {
      const r = parseStartBody({ ...jibriBody, sinkType: 'stream', ...extra });
      return r.ok ? r.request.outputs[0] : r.errors;
    };
    expect(sink({ youTubeStreamKey: 'abcd-1234' })).toEqual({ kind: 'rtmp', rtmpUrl: 'rtmp://a.rtmp.youtube.com/live2/abcd-1234' });
    expect(sink({ youTubeStreamKey: 'k', rtmpUrl: 'rtmps://in.example/app', username: 'u', password: 'p' })).toEqual({
      kind: 'rtmp', rtmpUrl: 'rtmps://in.example/app/k', username: 'u', password: 'p',
    });
    expect(sink({ youTubeStreamKey: 'rtmp://host/app/key' })).toEqual({ kind: 'rtmp', rtmpUrl: 'rtmp://host/app/key' });
    expect(sink({ rtmpUrl: 'rtmp://host/app/key' })).toEqual({ kind: 'rtmp', rtmpUrl: 'rtmp://host/app/key' });
  });

  it('never quotes a stream key in its errors', () => {
    const r = parseStartBody({ ...jibriBody, sinkType: 'stream', youTubeStreamKey: 'SECRET-KEY', rtmpUrl: 'ftp://host/app' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('SECRET-KEY');
  });

  it('lets a missing call login through (the edge decides between the config and 412)', () => {
    const r = parseStartBody({ ...jibriBody, callLoginParams: undefined });
    expect(r.ok && r.request.callLogin).toBeUndefined();
  });
});
