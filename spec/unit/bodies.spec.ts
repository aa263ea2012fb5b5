import { parseStartBody } from '../../lib/http/bodies';

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
    expect(r.request.sink).toEqual({ type: 'file' });
    expect(r.request.usageTimeoutSec).toBe(0);
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
    [{ ...jibriBody, sinkType: 'stream' }, 'sinkType'],
    [{ ...jibriBody, sinkType: 'gateway' }, 'sinkType'],
    [{ ...jibriBody, sinkType: undefined }, 'sinkType'],
  ])('%j → error on %s', (body, name) => {
    expect(field(body)).toBe(name);
  });

  it('lets a missing call login through (the edge decides between the config and 412)', () => {
    const r = parseStartBody({ ...jibriBody, callLoginParams: undefined });
    expect(r.ok && r.request.callLogin).toBeUndefined();
  });
});
