/**
 * `jibri-ts status` (the image's health check) reaching a service with a certificate (the fleet's swarm
 * and kubernetes recorders): with real TLS servers on loopback, the request and its token go only to the
 * server that shows the very certificate of JIBRI_HTTP_API_TLS_CERT_FILE; another certificate, even one
 * of the same CA and for the same address, gets nothing.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { pinnedGet } from '../../../lib/cli/own-service';
import { healthUrl } from '../../../lib/cli/status';
import { tempDir } from '../../../testkit/service';
import { issueServerCertificate } from '../../../testkit/test-ca';

const TOKEN = 'own-service-token-0123456789';
const BODY = '{"busy":false}';

/** A TLS server that answers any request and keeps every byte it decrypted. */
async function tlsServer(cert: string, key: string): Promise<{ url: URL; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const server = tls.createServer({ cert, key }, (socket) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('\r\n\r\n')) socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\nconnection: close\r\n\r\n${BODY}`);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/jibri/api/v1.0/health`);
  return { url, received: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function certificate(): { cert: string; key: string } {
  const files = issueServerCertificate(tempDir('jibri-ts-own-service-'));
  return { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') };
}

describe("status over TLS to the service's own certificate", () => {
  const own = certificate();

  it('asks the server that shows it, with the token', async () => {
    const server = await tlsServer(own.cert, own.key);
    try {
      expect(await pinnedGet(server.url, own.cert, { authorization: `Bearer ${TOKEN}` }, 3000)).toEqual({ status: 200, body: BODY });
      expect(server.received()).toMatch(/^GET \/jibri\/api\/v1\.0\/health HTTP\/1\.1\r\n/);
      expect(server.received()).toContain(`authorization: Bearer ${TOKEN}`);
    } finally {
      await server.close();
    }
  });

  it('sends nothing to a server with another certificate, even of the same CA for the same address', async () => {
    const other = certificate();
    const server = await tlsServer(other.cert, other.key);
    try {
      await expect(pinnedGet(server.url, own.cert, { authorization: `Bearer ${TOKEN}` }, 3000)).rejects.toMatchObject({ code: 'NOT_THIS_SERVICE' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.received()).toBe('');
    } finally {
      await server.close();
    }
  });

  it('finds the service where it listens: a list entry of this host, HTTPS when it has a certificate', () => {
    const base = { port: 2222, allowOpen: false, maxEventStreams: 1 };
    const interfaces = { eth0: [{ address: '10.0.0.7', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '10.0.0.7/8' } as const] };
    const tlsFiles = { certFile: '/run/secrets/cert', keyFile: '/run/secrets/key' };
    expect(healthUrl({ ...base, host: '10.0.0.5,10.0.0.7', tls: tlsFiles }, interfaces)).toBe('https://10.0.0.7:2222/jibri/api/v1.0/health');
    expect(healthUrl({ ...base, host: '10.0.0.7' }, interfaces)).toBe('http://10.0.0.7:2222/jibri/api/v1.0/health');
    // None of the list is this host's: the service would not start; status looks at the first and says so.
    expect(healthUrl({ ...base, host: '10.0.0.5,10.0.0.6' }, interfaces)).toBe('http://10.0.0.5:2222/jibri/api/v1.0/health');
    expect(healthUrl({ ...base, host: '0.0.0.0', tls: tlsFiles }, interfaces)).toBe('https://127.0.0.1:2222/jibri/api/v1.0/health');
  });
});
