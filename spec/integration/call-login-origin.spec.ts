/**
 * The call login (in the meeting URL's hash and written to localStorage, as Jibri hands it to Jitsi Meet)
 * stays with the meeting's origin, in the real recorder and Chromium: a frame of another origin in the
 * meeting page finds nothing in its localStorage, and a meeting URL that redirects to another origin is
 * refused before that origin's page could read the hash. Before, the login was written into every frame
 * and every later origin, and the hash followed the redirect.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { post, startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const PASSWORD = 'rec-secret-pw';

interface Site {
  url: string;
  reports: string[];
  close(): Promise<void>;
}

/** Answers `route(path)`; POST /report bodies are kept. */
async function site(route: (path: string, res: http.ServerResponse) => void): Promise<Site> {
  const reports: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/report') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        reports.push(body);
        res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
      });
      return;
    }
    route(req.url ?? '/', res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reports, close: () => new Promise((r) => server.close(() => r())) };
}

/** A page that reports what a page of its origin can read: its localStorage and its URL's hash. */
const reporter = `<!doctype html><body style="background:#123"><script>
  fetch('/report', { method: 'POST', body: JSON.stringify({ storage: Object.assign({}, localStorage), hash: location.hash }) });
</script></body>`;

describe('the call login and other origins', () => {
  let other: Site;
  let meeting: Site;
  let svc: TestService;

  beforeAll(async () => {
    other = await site((_p, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(reporter));
    meeting = await site((p, res) => {
      if (p.startsWith('/moved')) return res.writeHead(302, { location: `${other.url}/landing` }).end();
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body style="background:#363"><iframe src="${other.url}/framed" width="600" height="300"></iframe></body>`);
    });
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
    await other?.close();
    await meeting?.close();
  });

  it('a frame of another origin in the meeting page reads no login from its localStorage', async () => {
    expect((await post(`${svc.api}/startService`, startBody(meeting.url, 'login-frame'))).status).toBe(200);
    await waitForSessionState(svc.service, 'login-frame', 'recording', 60000);
    const report = JSON.parse(await waitFor('the frame to report', () => other.reports[0], 20000)) as { storage: Record<string, string>; hash: string };
    expect(report.storage).toEqual({});
    expect(report.hash).toBe('');
    expect(JSON.stringify(other.reports)).not.toContain(PASSWORD);
    await post(`${svc.api}/stopService`, { sessionId: 'login-frame' });
    await waitForSessionState(svc.service, 'login-frame', 'finished', 60000);
  });

  it('a meeting URL that redirects to another origin is refused, and that origin never reads the hash', async () => {
    other.reports.length = 0;
    const body = startBody(meeting.url, 'login-redirect');
    (body.callParams as { callUrlInfo: { callName: string } }).callUrlInfo.callName = 'moved';
    expect((await post(`${svc.api}/startService`, body)).status).toBe(200);
    await waitForSessionState(svc.service, 'login-redirect', 'failed', 60000);
    const last = svc.service.recorder.snapshot().lastSession;
    expect(last?.error).toMatchObject({ code: 'PAGE_LOAD_FAILED', message: expect.stringMatching(/redirected to http:\/\/127\.0\.0\.1:\d+, another origin/) });
    await new Promise((r) => setTimeout(r, 1000));
    expect(other.reports).toEqual([]);
  });
});
