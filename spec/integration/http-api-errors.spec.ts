/**
 * Bad input gets a clear error and changes nothing; the token guards every endpoint but health.
 * These run against the real composed service (real health checks), but start no recording.
 */
import { health, post, startBody, startTestService, type TestService } from '../../testkit/service';

describe('HTTP API input handling', () => {
  let svc: TestService;
  const TOKEN = 'test-token-0123456789';
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    svc = await startTestService({ JIBRI_HTTP_API_TOKEN: TOKEN, JIBRI_RECORDER_PASSWORD: '' });
  });
  afterAll(async () => svc?.stop());

  const base = 'http://127.0.0.1:9';
  const cases: Array<[string, unknown, string]> = [
    ['no sessionId', { ...startBody(base, 'x'), sessionId: undefined }, 'sessionId'],
    ['empty sessionId', startBody(base, ''), 'sessionId'],
    ['no callParams', { ...startBody(base, 'x'), callParams: undefined }, 'callParams'],
    ['no callUrlInfo', { ...startBody(base, 'x'), callParams: {} }, 'callParams.callUrlInfo'],
    ['baseUrl not a URL', startBody('not a url', 'x'), 'callParams.callUrlInfo.baseUrl'],
    ['baseUrl ftp', startBody('ftp://meet.example.com', 'x'), 'callParams.callUrlInfo.baseUrl'],
    ['baseUrl javascript', startBody('javascript:alert(1)', 'x'), 'callParams.callUrlInfo.baseUrl'],
    ['callName missing', { ...startBody(base, 'x'), callParams: { callUrlInfo: { baseUrl: base } } }, 'callParams.callUrlInfo.callName'],
    ['sinkType unknown', { ...startBody(base, 'x'), sinkType: 'banana' }, 'sinkType'],
    ['sinkType stream without a key or URL', { ...startBody(base, 'x'), sinkType: 'stream' }, 'rtmpUrl'],
    ['a stream URL that is not RTMP', { ...startBody(base, 'x'), sinkType: 'stream', rtmpUrl: 'https://127.0.0.1/live/k' }, 'rtmpUrl'],
    ['callLoginParams half', { ...startBody(base, 'x'), callLoginParams: { domain: 'd.example' } }, 'callLoginParams.username'],
    ['array body', [1, 2], '(body)'],
  ];

  it.each(cases)('%s → 400 naming the field', async (_name, body, field) => {
    const r = await post(`${svc.api}/startService`, body, auth);
    expect(r.status).toBe(400);
    expect(r.json.error.field).toBe(field);
    expect(typeof r.json.error.message).toBe('string');
    expect((await health(svc.api)).busy).toBe(false);
  });

  it('malformed JSON → 400', async () => {
    const r = await post(`${svc.api}/startService`, '{"sessionId": ', auth);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('BAD_REQUEST');
  });

  it('an oversized body → 413', async () => {
    const r = await post(`${svc.api}/startService`, { ...startBody(base, 'x'), pad: 'x'.repeat(200 * 1024) }, auth);
    expect(r.status).toBe(413);
  });

  it("no call login and no configured recorder login → Jibri's 412 'Call login params missing'", async () => {
    const r = await post(`${svc.api}/startService`, { ...startBody(base, 'x'), callLoginParams: undefined }, auth);
    expect(r.status).toBe(412);
    expect(r.json.error.message).toBe('Call login params missing');
  });

  it('without the token: 401 on start and stop, health stays open', async () => {
    expect((await post(`${svc.api}/startService`, startBody(base, 'x'))).status).toBe(401);
    expect((await post(`${svc.api}/stopService`, {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`${svc.api}/health`)).status).toBe(200);
  });

  it('stopService with nothing running is 200', async () => {
    expect((await post(`${svc.api}/stopService`, {}, auth)).status).toBe(200);
    expect((await post(`${svc.api}/stopService`, undefined, auth)).status).toBe(200);
  });

  it('health carries both the seed shape and Jibri’s current shape', async () => {
    const h = await health(svc.api);
    expect(h).toEqual(
      expect.objectContaining({
        busy: false,
        status: { busyStatus: 'IDLE', health: { healthStatus: 'HEALTHY', details: expect.any(Object) } },
      }),
    );
    expect(h.status.health.details.ffmpeg.healthStatus).toBe('HEALTHY');
    expect(JSON.stringify(h)).not.toContain(TOKEN);
  });
});

describe('a machine that cannot record', () => {
  it('is UNHEALTHY with a detail that says what to install or set, and refuses starts', async () => {
    const svc = await startTestService({ JIBRI_FFMPEG_PATH: '/nonexistent/ffmpeg', JIBRI_CHROMIUM_PATH: '/nonexistent/chromium' });
    try {
      const h = await health(svc.api);
      expect(h.status.health.healthStatus).toBe('UNHEALTHY');
      expect(h.status.health.details.ffmpeg.detail).toMatch(/apt-get install ffmpeg|JIBRI_FFMPEG_PATH/);
      expect(h.status.health.details.chromium.detail).toMatch(/apt-get install chromium|JIBRI_CHROMIUM_PATH/);
      const r = await post(`${svc.api}/startService`, startBody('http://127.0.0.1:9', 'x'));
      expect(r.status).toBe(503);
      expect(r.json.error.message).toMatch(/ffmpeg/);
      expect(h.busy).toBe(false);
    } finally {
      await svc.stop();
    }
  });
});
