/**
 * The recorder's APIs over TLS, bound to the one address of a list that is this host's (what the fleet's
 * swarm recorders get: their node's address, and a certificate of the fleet's own CA): plain HTTP is not
 * answered, HTTPS verified against the CA is, and nothing listens on any other address. `jibri-ts status`
 * (the image's health check) finds it there and trusts exactly its certificate.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT, startTestService, tempDir, type TestService } from '../../testkit/service';
import { issueServerCertificate, testCaFile } from '../../testkit/test-ca';

const TOKEN = 'tls-api-token-0123456789';

function httpsGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(testCaFile()), headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** `jibri-ts status` of the built program (in a process of its own: the service runs in this one). */
function status(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist/lib/main.js'), 'status'], { env: { ...process.env, JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', ...env }, timeout: 15000 }, (err, out) =>
      resolve({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, out }),
    );
  });
}

describe('the HTTP APIs over TLS, on this host\'s address from a list', () => {
  let svc: TestService;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    ({ cert, key } = issueServerCertificate(tempDir('jibri-ts-tls-')));
    svc = await startTestService({
      // Addresses of several nodes: only 127.0.0.1 is this host's.
      JIBRI_HTTP_API_EXTERNAL_HOST: '192.0.2.250,127.0.0.1',
      JIBRI_HTTP_API_INTERNAL_HOST: '192.0.2.250,127.0.0.1',
      JIBRI_HTTP_API_TOKEN: TOKEN,
      JIBRI_HTTP_API_INTERNAL_AUTH: 'true',
      JIBRI_HTTP_API_TLS_CERT_FILE: cert,
      JIBRI_HTTP_API_TLS_KEY_FILE: key,
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('binds the listed address that is this host\'s, and answers HTTPS only', async () => {
    expect(svc.service.http.host).toBe('127.0.0.1');
    expect(svc.api).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    const health = await httpsGet(`${svc.api}/health`, { authorization: `Bearer ${TOKEN}` });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ busy: false });
    // Plain HTTP gets no HTTP answer: the token would never cross the network in clear.
    const plain = await fetch(svc.api.replace('https:', 'http:') + '/health').then((r) => r.status, (e: Error) => e.message);
    expect(plain).not.toBe(200);
    const internal = await new Promise<number>((resolve, reject) => {
      const req = https.request(`${svc.internalApi}/gracefulShutdown`, { method: 'POST', ca: fs.readFileSync(testCaFile()) }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(internal).toBe(401);
  });

  it("jibri-ts status finds it on the listed address over HTTPS, and asks only a server with its very certificate", async () => {
    const env = { JIBRI_HTTP_API_EXTERNAL_HOST: '192.0.2.250,127.0.0.1', JIBRI_HTTP_API_EXTERNAL_PORT: new URL(svc.api).port, JIBRI_HTTP_API_TOKEN: TOKEN, JIBRI_HTTP_API_TLS_CERT_FILE: cert, JIBRI_HTTP_API_TLS_KEY_FILE: key };
    const own = await status(env);
    expect(own.out).toMatch(new RegExp(`^jibri-ts at https://127\\.0\\.0\\.1:${env.JIBRI_HTTP_API_EXTERNAL_PORT} is (HEALTHY|UNHEALTHY) and idle`));
    // Another certificate of the same CA for the same address is not the service's: nothing is asked.
    const other = issueServerCertificate(tempDir('jibri-ts-tls-other-'));
    const refused = await status({ ...env, JIBRI_HTTP_API_TLS_CERT_FILE: other.cert, JIBRI_HTTP_API_TLS_KEY_FILE: other.key });
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is not answering at https:\/\/127\.0\.0\.1:\d+\/jibri\/api\/v1\.0\/health \(NOT_THIS_SERVICE\)/);
  });

  it('refuses to start when no listed address is this host\'s', async () => {
    await expect(startTestService({ JIBRI_HTTP_API_EXTERNAL_HOST: '192.0.2.250,192.0.2.251', JIBRI_HTTP_API_TOKEN: TOKEN })).rejects.toThrow(/JIBRI_HTTP_API_EXTERNAL_HOST=192\.0\.2\.250,192\.0\.2\.251: none of these addresses is one of this host's/);
    expect(net.isIP('127.0.0.1')).toBe(4);
  });
});
