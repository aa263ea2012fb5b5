/**
 * Recordings taken off the recorder, as the on-demand fleet takes them, on the real recorder (Xvfb,
 * PulseAudio, Chromium, ffmpeg) and a real S3 server (s3rver, testkit/s3rver.ts):
 *   - JIBRI_UPLOAD_PUBLIC_ONLY: a store whose name resolves to loopback is refused at every connection,
 *     and the error the API lists says so without saying what the name resolved to;
 *   - GET /recordings shows the session while it records, then the recording on its way and ready;
 *     its files download from the API byte for byte; with JIBRI_RECORDINGS_HANDOFF it stays until DELETE
 *     takes it (409 before that), and then its local copy is gone;
 *   - JIBRI_EXIT_DELIVERY_WAIT: a shutdown while the store hangs keeps the process up (out of the
 *     brewery's reach, taking no session) until the object is verified and taken, then it exits.
 *
 * @lane serial: stops and pauses the run's S3 server, which only the serial lane uses
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import Transport from 'winston-transport';
import { createLogger } from '../../lib/log';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import type { Json } from '../../testkit/json';
import { createBucket, listObjects, objectFacts, uploadEnv, type S3Server } from '../../testkit/s3';
import { sharedS3rver } from '../../testkit/s3rver';
import { call, post, startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('recordings handed off through the API, with the exit waiting for them', () => {
  let s3: S3Server & { pid?: number };
  let bucket: string;
  let page: DemoServer;
  const services: TestService[] = [];

  const start = async (env: Record<string, string>, capture?: Capture): Promise<TestService> => {
    const log = createLogger('info');
    if (capture) log.clear().add(capture);
    else log.silent = true;
    const svc = await startTestService({ JIBRI_UPLOAD_RETRY_DELAY: '1', JIBRI_UPLOAD_STALL_TIMEOUT: '2', ...env }, { log });
    services.push(svc);
    return svc;
  };
  const list = async (svc: TestService): Promise<Json[]> => ((await call('GET', `${svc.api}/recordings`)).json as { recordings: Json[] }).recordings;
  const record = async (svc: TestService, sessionId: string, seconds = 3): Promise<void> => {
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId))).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    await sleep(seconds * 1000);
  };

  beforeAll(async () => {
    s3 = await sharedS3rver();
    bucket = await createBucket(s3, 'handoff');
    page = await startDemoServer();
  });

  afterAll(async () => {
    if (s3?.pid) process.kill(s3.pid, 'SIGCONT');
    for (const svc of services) await svc.stop().catch(() => undefined);
    await page?.close();
  });

  it('refuses a store whose name resolves to loopback, at every connection, and says so without the address', async () => {
    const capture = new Capture();
    const port = new URL(s3.endpoint).port;
    const svc = await start({ ...uploadEnv(s3, bucket), JIBRI_UPLOAD_S3_ENDPOINT: `http://localhost:${port}`, JIBRI_UPLOAD_PUBLIC_ONLY: 'true' }, capture);
    await record(svc, 'refused-store', 2);
    expect((await post(`${svc.api}/stopService`, { sessionId: 'refused-store' })).status).toBe(200);
    const failed = await waitFor('the refused attempt', async () => (await list(svc)).find((r) => r.sessionId === 'refused-store' && r.lastErrorKind === 'refused'), 60000, 200);
    expect(failed).toMatchObject({ state: 'queued', target: 'store', attempts: expect.any(Number) });
    expect(failed.lastError).toMatch(/not on a public address/);
    expect(failed.lastError).not.toMatch(/127\.0\.0\.1|::1/);
    // The operator's log has what the name resolved to.
    expect(capture.lines.some((l) => /upload refused: JIBRI_UPLOAD_S3_ENDPOINT: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/.test(l))).toBe(true);
    expect((await listObjects(s3, bucket)).filter((k) => k.startsWith('refused-store/'))).toEqual([]);
    await svc.stop();
  });

  it('lists a recording while it records and once it is ready; its files download; it stays until it is taken', async () => {
    const port = new URL(s3.endpoint).port;
    const svc = await start({ ...uploadEnv(s3, bucket), JIBRI_UPLOAD_PUBLIC_ONLY: 'true', JIBRI_UPLOAD_ALLOWED_HOSTS: `127.0.0.1:${port}`, JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_UPLOAD_KEEP_LOCAL: 'false' });
    await record(svc, 'taken', 2);
    const running = (await list(svc)).find((r) => r.sessionId === 'taken');
    expect(running).toMatchObject({ state: 'recording' });
    expect((await post(`${svc.api}/stopService`, { sessionId: 'taken' })).status).toBe(200);
    const ready = await waitFor('the recording ready', async () => (await list(svc)).find((r) => r.sessionId === 'taken' && r.state === 'announced'), 90000, 200);
    // The same id from the start to the end: a reader follows one recording.
    expect(ready.id).toBe(running!.id);
    expect(ready.target).toBe('store');
    const media = (ready.files as Json[]).find((f) => f.role === 'media')!;
    expect(media).toMatchObject({ verified: true, key: expect.stringMatching(/^taken\//) });
    expect(media.durationSec).toBeGreaterThan(1);
    const res = await fetch(`${svc.api}/recordings/${encodeURIComponent(ready.id as string)}/files/${encodeURIComponent(media.name as string)}`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(media.sha256);
    expect((await objectFacts(s3, bucket, media.key as string)).sha256).toBe(media.sha256);
    expect((await fetch(`${svc.api}/recordings/${encodeURIComponent(ready.id as string)}/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    // JIBRI_UPLOAD_KEEP_LOCAL=false would have removed it by now: handed off, it waits to be taken.
    const local = svc.service.delivery.announcedFile(ready.id as string, media.name as string)!;
    await sleep(1500);
    expect(fs.existsSync(local)).toBe(true);
    const taken = await call('DELETE', `${svc.api}/recordings/${encodeURIComponent(ready.id as string)}`);
    expect(taken).toMatchObject({ status: 200, json: { taken: true } });
    expect(fs.existsSync(local)).toBe(false);
    expect((await list(svc)).find((r) => r.sessionId === 'taken')).toBeUndefined();
    expect((await call('DELETE', `${svc.api}/recordings/${encodeURIComponent(ready.id as string)}`)).status).toBe(404);
    await svc.stop();
  });

  it('a shutdown while the store hangs keeps the process up until the object is verified and the recording taken', async () => {
    const capture = new Capture();
    const svc = await start({ ...uploadEnv(s3, bucket), JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_EXIT_DELIVERY_WAIT: '5 minutes' }, capture);
    await record(svc, 'exit-wait', 2);
    expect(s3.pid).toBeGreaterThan(0);
    process.kill(s3.pid!, 'SIGSTOP');
    try {
      expect((await post(`${svc.internalApi}/shutdown`)).status).toBe(200);
      await waitForSessionState(svc.service, 'exit-wait', 'finished', 60000);
      await waitFor('the wait for the queue', () => capture.lines.find((l) => l.includes('JIBRI_EXIT_DELIVERY_WAIT') && l.includes('waiting up to 300 s')), 30000, 200);
      // The store hangs: attempts stall and are retried; the process stays, and takes no session.
      await sleep(6000);
      expect(svc.exits).toEqual([]);
      const pending = (await list(svc)).find((r) => r.sessionId === 'exit-wait');
      expect(['queued', 'finalizing']).toContain(pending?.state);
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'too-late'))).status).toBe(412);
    } finally {
      process.kill(s3.pid!, 'SIGCONT');
    }
    const ready = await waitFor('the recording ready once the store is back', async () => (await list(svc)).find((r) => r.sessionId === 'exit-wait' && r.state === 'announced'), 120000, 250);
    const key = ((ready.files as Json[]).find((f) => f.role === 'media')!).key as string;
    expect((await listObjects(s3, bucket))).toContain(key);
    // Uploaded, not yet taken: it still waits.
    await sleep(1000);
    expect(svc.exits).toEqual([]);
    expect((await call('DELETE', `${svc.api}/recordings/${encodeURIComponent(ready.id as string)}`)).status).toBe(200);
    await waitFor('the exit', () => (svc.exits.length ? true : undefined), 15000, 100);
    expect(svc.exits).toEqual([255]);
    expect(capture.lines.some((l) => l.includes('every recording is delivered; exiting'))).toBe(true);
  });
});
