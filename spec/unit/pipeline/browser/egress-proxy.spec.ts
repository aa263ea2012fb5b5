/**
 * The browser's filtering proxy on real sockets: plain HTTP and CONNECT to an allowed loopback server go
 * through; to loopback, link-local and private addresses that the operator did not allow they are 403,
 * and the internal server is never reached.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseAllowedHosts } from '@jibri-ts/common';
import { createLogger } from '../../../../lib/log';
import { parseConnectTarget, startEgressProxy, type EgressProxy } from '../../../../lib/pipeline/browser/egress-proxy';

async function server(body: string): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, hits, close: () => new Promise((r) => s.close(() => r())) };
}

/** A raw request to the proxy; the first response line and the rest. */
function raw(proxyPort: number, text: string, then?: string): Promise<{ status: string; rest: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1', () => socket.write(text));
    let got = '';
    let sent = false;
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (then && !sent && got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 200')) {
        sent = true;
        socket.write(then);
      }
    });
    socket.on('end', () => resolve({ status: got.split('\r\n')[0] ?? '', rest: got }));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve({ status: got.split('\r\n')[0] ?? '', rest: got });
    }, 2000);
  });
}

describe("the browser's filtering proxy", () => {
  let ok: Awaited<ReturnType<typeof server>>;
  let secret: Awaited<ReturnType<typeof server>>;
  let proxy: EgressProxy;
  let proxyPort: number;

  beforeAll(async () => {
    ok = await server('allowed page');
    secret = await server('internal page');
    const allowed = parseAllowedHosts(`127.0.0.1:${ok.port}`) as { ok: true; hosts: never[] };
    proxy = await startEgressProxy(allowed.hosts, createLogger('error', { silent: true }));
    proxyPort = Number(new URL(proxy.url).port);
  });
  afterAll(async () => {
    await proxy?.close();
    await ok?.close();
    await secret?.close();
  });

  it('reads CONNECT targets', () => {
    expect(parseConnectTarget('meet.example.com:443')).toEqual({ host: 'meet.example.com', port: 443 });
    expect(parseConnectTarget('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseConnectTarget('meet.example.com')).toBeUndefined();
    expect(parseConnectTarget('a:99999')).toBeUndefined();
  });

  it('forwards plain HTTP to an allowed host, and refuses loopback, link-local and private ones', async () => {
    const through = await raw(proxyPort, `GET http://127.0.0.1:${ok.port}/page HTTP/1.1\r\nHost: 127.0.0.1:${ok.port}\r\nConnection: close\r\n\r\n`);
    expect(through.status).toBe('HTTP/1.1 200 OK');
    expect(through.rest).toContain('allowed page');
    for (const target of [`127.0.0.1:${secret.port}`, `localhost:${secret.port}`, `[::ffff:127.0.0.1]:${secret.port}`, `2130706433:${secret.port}`, '169.254.169.254', '10.1.2.3', '192.168.0.1:8080']) {
      const refused = await raw(proxyPort, `GET http://${target}/ HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      expect({ target, status: refused.status }).toEqual({ target, status: 'HTTP/1.1 403 Forbidden' });
    }
    expect(secret.hits).toEqual([]);
  });

  it('tunnels CONNECT to an allowed host only', async () => {
    const tunnel = await raw(proxyPort, `CONNECT 127.0.0.1:${ok.port} HTTP/1.1\r\nHost: 127.0.0.1:${ok.port}\r\n\r\n`, `GET /through HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(tunnel.status).toBe('HTTP/1.1 200 Connection Established');
    expect(tunnel.rest).toContain('allowed page');
    expect(ok.hits).toContain('/through');
    for (const target of [`127.0.0.1:${secret.port}`, `localhost:${secret.port}`, '169.254.169.254:80', '[fd00::1]:443', '[::1]:443']) {
      const refused = await raw(proxyPort, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, 'GET / HTTP/1.1\r\n\r\n');
      expect({ target, status: refused.status }).toEqual({ target, status: 'HTTP/1.1 403 Forbidden' });
    }
    expect(secret.hits).toEqual([]);
  });

  it('takes nothing but proxy requests', async () => {
    expect((await raw(proxyPort, 'GET /relative HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe('HTTP/1.1 400 Bad Request');
  });
});
