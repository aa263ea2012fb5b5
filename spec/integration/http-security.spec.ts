/**
 * What the HTTP API gives away, on the real service with a token: the configured recorder login goes
 * only to the operator's own origins (a page on a port of the test's choosing must not receive it; the
 * page itself reports its hash and localStorage), health shows session details only with the token,
 * event streams are capped, and a client that never finishes its headers is cut off in seconds.
 */
import * as net from 'node:net';
import { startReportingPage, type PageReport, type ReportingPage } from '../support/report-page';
import { post, startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const TOKEN = 'http-security-token-5f1d';
const CONFIGURED_PASSWORD = 'configured-recorder-pw-93ab';
const OWN_PASSWORD = 'request-own-pw-17cd';
const auth = { authorization: `Bearer ${TOKEN}` };

/** Everything the page received, decoded: its hash (the login is double-encoded there) and its localStorage. */
function received(report: PageReport): string {
  const encoded = /appData\.localStorageContent=([^&]*)/.exec(report.hash)?.[1] ?? '';
  return `${report.hash}\n${decodeURIComponent(encoded)}\n${JSON.stringify(report.storage)}`;
}

describe('the HTTP API keeps its secrets', () => {
  let svc: TestService;
  let operatorPage: ReportingPage;
  let otherPage: ReportingPage;

  beforeAll(async () => {
    operatorPage = await startReportingPage();
    otherPage = await startReportingPage();
    svc = await startTestService({
      JIBRI_HTTP_API_TOKEN: TOKEN,
      JIBRI_RECORDER_PASSWORD: CONFIGURED_PASSWORD,
      JIBRI_CALL_LOGIN_ALLOWED_ORIGINS: operatorPage.baseUrl,
      JIBRI_HTTP_API_MAX_EVENT_STREAMS: '2',
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await operatorPage?.close();
    await otherPage?.close();
  });

  async function record(baseUrl: string, sessionId: string, extra: Record<string, unknown>, page: ReportingPage): Promise<PageReport> {
    const before = page.reports.length;
    // As a client would: only once the recorder takes a session (the last one's processes may still weigh on the CPU).
    await waitFor('the recorder to take a session', () => (svc.service.recorder.snapshot().busyStatus === 'IDLE' ? true : undefined), 60000, 200);
    const r = await post(`${svc.api}/startService`, { ...startBody(baseUrl, sessionId), ...extra }, auth);
    expect([r.status, r.text]).toEqual([200, '']);
    await waitForSessionState(svc.service, sessionId, 'recording');
    return waitFor('the page to report', () => page.reports[before], 20000);
  }

  async function stop(sessionId: string): Promise<void> {
    expect((await post(`${svc.api}/stopService`, { sessionId }, auth)).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'finished');
  }

  it('hands the configured login only to the operator\'s origins; a page elsewhere gets 412 or the request\'s own login', async () => {
    // No callLoginParams, a baseUrl the caller chose: Jibri's 412, and the page is never opened.
    const refused = await post(`${svc.api}/startService`, { ...startBody(otherPage.baseUrl, 'elsewhere'), callLoginParams: undefined }, auth);
    expect(refused.status).toBe(412);
    expect(refused.json.error.message).toBe('Call login params missing');
    expect(refused.json.error.hint).toMatch(/JIBRI_CALL_LOGIN_ALLOWED_ORIGINS/);
    expect(refused.text).not.toContain(CONFIGURED_PASSWORD);
    expect(svc.service.recorder.snapshot().sessions).toEqual([]);

    // With its own login, that page gets exactly that login: checked in the page, hash and localStorage.
    const own = { callLoginParams: { domain: 'recorder.meet.test', username: 'recorder', password: OWN_PASSWORD } };
    const report = await record(otherPage.baseUrl, 'elsewhere-own-login', own, otherPage);
    expect(report.storage.xmpp_password_override).toBe(OWN_PASSWORD);
    expect(received(report)).toContain(OWN_PASSWORD);
    await stop('elsewhere-own-login');

    // The operator's own origin still gets the configured login when the request brings none.
    const ours = await record(operatorPage.baseUrl, 'operator-origin', { callLoginParams: undefined }, operatorPage);
    expect(ours.storage.xmpp_password_override).toBe(CONFIGURED_PASSWORD);
    await stop('operator-origin');

    for (const r of otherPage.reports) expect(received(r)).not.toContain(CONFIGURED_PASSWORD);
    expect(otherPage.reports).toHaveLength(1);
  });

  it('health shows busy, statuses and check names to anyone; meeting URLs, files and errors only with the token', async () => {
    const sessionId = 'health-view';
    await record(otherPage.baseUrl, sessionId, {}, otherPage);
    const open = await (await fetch(`${svc.api}/health`)).json();
    const text = JSON.stringify(open);
    expect(open.busy).toBe(true);
    expect(open.status.busyStatus).toBe('BUSY');
    expect(open.status.health.healthStatus).toBe('HEALTHY');
    // `upload`: the delivery worker's entry (recordings stay local here: no bucket).
    expect(Object.keys(open.status.health.details).sort()).toEqual(['audio', 'capacity', 'chromium', 'display', 'ffmpeg', 'recordings', 'upload']);
    for (const d of Object.values(open.status.health.details)) expect(d).toEqual({ healthStatus: 'HEALTHY' });
    for (const leak of [otherPage.baseUrl.replace('http://', ''), 'testroom', '.mp4', svc.recordingsDir, sessionId]) expect(text).not.toContain(leak);
    const wrong = await (await fetch(`${svc.api}/health`, { headers: { authorization: 'Bearer wrong' } })).json();
    expect(JSON.stringify(wrong)).not.toContain('testroom');

    const full = await (await fetch(`${svc.api}/health`, { headers: auth })).json();
    expect(full.status.health.details[`session:${sessionId}`]).toEqual(expect.objectContaining({ meetingUrl: `${otherPage.baseUrl}/testroom`, mediaFile: expect.stringContaining('.mp4') }));
    await stop(sessionId);
    const after = await (await fetch(`${svc.api}/health`)).json();
    expect(after.status.health.details.lastSession).toBeUndefined();
    expect((await (await fetch(`${svc.api}/health`, { headers: auth })).json()).status.health.details.lastSession.sessionId).toBe(sessionId);
  });

  it('serves at most JIBRI_HTTP_API_MAX_EVENT_STREAMS event streams; one more gets 503', async () => {
    const streams: AbortController[] = [];
    const open = async (): Promise<Response> => {
      const c = new AbortController();
      streams.push(c);
      return fetch(`${svc.api}/events`, { headers: auth, signal: c.signal });
    };
    try {
      for (let i = 0; i < 2; i++) {
        const res = await open();
        expect(res.status).toBe(200);
        const first = await res.body!.getReader().read();
        expect(new TextDecoder().decode(first.value)).toContain('retry:');
      }
      const third = await open();
      expect(third.status).toBe(503);
      expect((await third.json()).error.code).toBe('TOO_MANY_STREAMS');
      expect(third.headers.get('retry-after')).toBe('30');
      streams[0]!.abort();
      await waitFor('a stream to free up', async () => {
        const res = await open();
        if (res.status === 200) return true;
        await res.text();
        return undefined;
      }, 5000, 100);
    } finally {
      for (const c of streams) c.abort();
    }
  });

  it('cuts off a client that never finishes its headers within seconds (Node waits a minute or more)', async () => {
    const port = Number(new URL(svc.api).port);
    const t0 = Date.now();
    const outcome = await new Promise<{ ms: number; got: string }>((resolve) => {
      let got = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /jibri/api/v1.0/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve({ ms: Date.now() - t0, got }));
      setTimeout(() => socket.destroy(), 20000);
    });
    expect(outcome.got).toMatch(/^HTTP\/1\.1 408/);
    expect(outcome.ms).toBeLessThan(13000);
  });
});
