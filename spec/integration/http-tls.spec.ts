/**
 * The recorder's APIs over TLS, bound to the one address of a list that is this host's (what the fleet's
 * swarm recorders get: their node's address, and a certificate of the fleet's own CA): plain HTTP is not
 * answered, HTTPS verified against the CA is, and nothing listens on any other address.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { startTestService, tempDir, type TestService } from '../../testkit/service';
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

describe('the HTTP APIs over TLS, on this host\'s address from a list', () => {
  let svc: TestService;

  beforeAll(async () => {
    const { cert, key } = issueServerCertificate(tempDir('jibri-ts-tls-'));
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

  it('refuses to start when no listed address is this host\'s', async () => {
    await expect(startTestService({ JIBRI_HTTP_API_EXTERNAL_HOST: '192.0.2.250,192.0.2.251', JIBRI_HTTP_API_TOKEN: TOKEN })).rejects.toThrow(/JIBRI_HTTP_API_EXTERNAL_HOST=192\.0\.2\.250,192\.0\.2\.251: none of these addresses is one of this host's/);
    expect(net.isIP('127.0.0.1')).toBe(4);
  });
});
