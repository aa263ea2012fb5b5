/**
 * The browser's way out when the operator says it reaches public addresses only (JIBRI_BROWSER_PUBLIC_ONLY;
 * the on-demand fleet always does): a forwarding HTTP proxy on loopback that Chromium must use for every
 * connection (--proxy-server, with loopback not bypassed). The meeting page is chosen by whoever starts a
 * session, and the same-origin policy does not protect what is captured: a page that frames an internal
 * page (cloud metadata, an admin console, another service on loopback) would put it in the recording.
 *
 * Each request names its destination: `CONNECT host:port` (HTTPS, WebSockets) or an absolute URL (plain
 * HTTP). The host is resolved once and every address it resolves to is checked with the address rules of
 * @jibri-ts/common (the fleet's outbound guard's); the connection then goes to exactly the checked address,
 * so a second DNS answer cannot move it. A refusal is a 403 (the frame shows Chromium's error page, never
 * the internal one) and one log line with what the name resolved to. What is not proxied: WebRTC's media
 * and ICE (UDP, and TCP candidates), which Chromium sends directly (docs/SECURITY.md).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { OutboundRefused, OutboundUnresolved, pinnedLookup, resolveChecked, type AllowedHost, type CheckedAddress } from '@jibri-ts/common';
import type { Logger } from '../../log';

export interface EgressProxy {
  /** http://127.0.0.1:<port>, for --proxy-server. */
  readonly url: string;
  close(): Promise<void>;
}

/** Pure: `host:port` of a CONNECT request (IPv6 in brackets), or undefined. */
export function parseConnectTarget(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(target);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

/** Hop-by-hop headers a proxy must not forward (RFC 9110, 7.6.1), and the proxy's own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardedHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

/** Resolves and checks a destination: its checked address, or why it is refused (the refusal is logged where it matters). */
type Check = (host: string, port: number) => Promise<CheckedAddress | { refused: string }>;

/** Plain HTTP: an absolute URL, forwarded to the checked address with the end-to-end headers only. */
function forwardHttp(req: http.IncomingMessage, res: http.ServerResponse, check: Check): void {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('the recorder\'s proxy takes absolute http URLs and CONNECT only\n');
    return;
  }
  if (url.protocol !== 'http:') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('only http URLs are forwarded; https goes through CONNECT\n');
    return;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  void check(host, port).then((checked) => {
    if ('refused' in checked) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`the recorder does not load ${host}: ${checked.refused}\n`);
      return;
    }
    const upstream = http.request({ host, port, method: req.method, path: `${url.pathname}${url.search}`, headers: forwardedHeaders(req.rawHeaders), lookup: pinnedLookup(checked), agent: false, setHost: false });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.rawHeaders));
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502, { 'content-type': 'text/plain' }).end('the upstream server did not answer\n')));
    req.pipe(upstream);
  }, () => res.writeHead(500).end());
}

/** CONNECT (HTTPS, WebSockets): a tunnel to the checked address. */
function tunnel(req: http.IncomingMessage, client: Duplex, head: Buffer, check: Check, track: (s: net.Socket | Duplex) => void): void {
  track(client);
  client.on('error', () => client.destroy());
  const target = parseConnectTarget(req.url ?? '');
  if (!target) {
    client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  void check(target.host, target.port).then((checked) => {
    if ('refused' in checked) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: checked.address, port: target.port });
    track(upstream);
    upstream.on('error', () => (client.writable ? client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n') : client.destroy()));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }, () => client.destroy());
}

export async function startEgressProxy(allowed: readonly AllowedHost[], log: Logger): Promise<EgressProxy> {
  const sockets = new Set<net.Socket | Duplex>();
  const track = (s: net.Socket | Duplex): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const check: Check = async (host, port) => {
    try {
      return await resolveChecked('the page', host, port, allowed);
    } catch (err) {
      if (err instanceof OutboundRefused) {
        log.warn(`browser: refused a connection to ${host}:${port}: ${err.detail}`, { component: 'browser' });
        return { refused: 'not a public address' };
      }
      if (err instanceof OutboundUnresolved) return { refused: 'no address' };
      throw err;
    }
  };
  const server = http.createServer((req, res) => forwardHttp(req, res, check));
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => tunnel(req, client, head, check, track));
  server.on('connection', track);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as net.AddressInfo;
  log.info(`browser: reaches public addresses only, through its proxy on 127.0.0.1:${port}${allowed.length ? ` (also ${allowed.map((a) => (a.port ? `${a.host}:${a.port}` : a.host)).join(', ')})` : ''}`, { component: 'browser' });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
