/**
 * The request guard on the real service: a meeting page in the recorder's own Chromium tries what a
 * hostile page can do without a preflight (no-cors POSTs, a text/plain JSON body) against the HTTP API and
 * the internal API while its session records. Nothing it sends changes anything. Jibri's curl calls
 * (bodiless POSTs, or `{}` as JSON) keep working.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { createLogger } from '../../lib/log';
import { startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

function capturingLogger(lines: string[]): winston.Logger {
  const log = createLogger('warn', { silent: false });
  log.clear();
  log.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) }));
  return log;
}

/** A meeting page that, once loaded, fires the requests a cross-site attacker can make from a browser. */
function hostilePage(api: string, internalApi: string, baseUrl: string): string {
  const start = JSON.stringify(startBody(baseUrl, 'from-the-page'));
  return `<!doctype html><html><body style="margin:0;background:#633"><script>
    const opts = { method: 'POST', mode: 'no-cors' };
    window.attack = Promise.allSettled([
      fetch(${JSON.stringify(`${api}/stopService`)}, opts),
      fetch(${JSON.stringify(`${api}/startService`)}, { ...opts, body: ${JSON.stringify(start)} }),
      fetch(${JSON.stringify(`${internalApi}/gracefulShutdown`)}, opts),
    ]).then((r) => r.map((x) => x.status));
  </script></body></html>`;
}

/** curl itself, as Jibri's scripts call it; its status code. (Asynchronous: the service runs in this process.) */
function curl(...args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args], (err, stdout) => (err ? reject(new Error(`curl: ${err.message}`, { cause: err })) : resolve(Number(stdout))));
  });
}

describe('state-changing requests on the real service', () => {
  let svc: TestService;
  let page: DemoServer;
  const warnings: string[] = [];

  beforeAll(async () => {
    svc = await startTestService({}, { log: capturingLogger(warnings) });
  });

  afterAll(async () => {
    await svc?.stop();
    await page?.close();
  });

  it('a text/plain (or form) body is refused with 415 and starts nothing', async () => {
    const body = JSON.stringify(startBody('http://127.0.0.1:9', 'plain-text'));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${svc.api}/startService`, { method: 'POST', headers: { 'content-type': type }, body });
      expect([type, res.status]).toEqual([type, 415]);
      expect((await res.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await curl('-X', 'POST', '-d', body, `${svc.api}/startService`)).toBe(415);
    expect(svc.service.recorder.snapshot().sessions).toEqual([]);
    expect(fs.readdirSync(svc.recordingsDir).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('a meeting page in the recorder\'s Chromium cannot stop its session, start another or shut the recorder down', async () => {
    page = await startDemoServer({ html: hostilePage(svc.api, svc.internalApi, 'http://127.0.0.1:9') });
    // Started as Jibri's clients do; curl sends no Origin and no Sec-Fetch-*.
    expect(await curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify(startBody(page.baseUrl, 'victim')), `${svc.api}/startService`)).toBe(200);
    await waitForSessionState(svc.service, 'victim', 'recording');
    const session = svc.service.recorder.getSession('victim')!;
    const sent = await session.page!.evaluate(() => (window as unknown as { attack: Promise<string[]> }).attack);
    expect(sent).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    // The three requests reached the servers and were refused there.
    await waitFor('three refusals in the log', () => (warnings.filter((l) => /refused a browser's cross-site POST/.test(l)).length >= 3 ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(session.state.name).toBe('recording');
    expect(svc.service.recorder.snapshot().sessions.map((s) => s.sessionId)).toEqual(['victim']);
    expect(svc.service.lifecycle.exitCode).toBeUndefined();
    expect(svc.service.recorder.isDraining).toBe(false);

    // Jibri's curl calls work: stopService without a body, and with `{}` as JSON (wait_graceful_shutdown.sh).
    expect(await curl('-X', 'POST', `${svc.api}/stopService`)).toBe(200);
    await waitForSessionState(svc.service, 'victim', 'finished');
    expect(await curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{}', `${svc.api}/stopService`)).toBe(200);
  });

  it('a browser marked request from another origin is refused with 403 by the HTTP API and the internal API', async () => {
    for (const url of [`${svc.api}/stopService`, `${svc.internalApi}/shutdown`]) {
      const res = await fetch(url, { method: 'POST', headers: { origin: 'https://evil.example' } });
      expect([url, res.status]).toEqual([url, 403]);
      expect((await res.json()).error.code).toBe('CROSS_SITE_REQUEST');
    }
    expect(svc.service.lifecycle.exitCode).toBeUndefined();
  });

  it('the internal API takes Jibri\'s bodiless `curl -sX POST` (last: it drains the recorder)', async () => {
    expect(await curl('-X', 'POST', `${svc.internalApi}/gracefulShutdown`)).toBe(200);
    await waitFor('the drain', () => (svc.service.lifecycle.exitCode === 255 ? true : undefined), 5000);
    await waitFor('the exit', () => (svc.exits.includes(255) ? true : undefined), 10000);
  });
});
