/**
 * A local HTTP receiver for what the project sends out (webhooks, fleet callbacks, the autoscaler's
 * requests): it answers 200 (or what `answer` says) and keeps every JSON request it got, with its path,
 * headers and raw body (signatures are over the raw body).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from './json';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Json;
  at: number;
}

export interface Receiver {
  /** The base URL to hand out, ending in `basePath`. */
  url: string;
  port: number;
  got: Received[];
  close(): Promise<void>;
}

/** What to answer a request with: a status, headers (e.g. a redirect's location) and a JSON body. */
export type Answer = (r: Received) => { status?: number; headers?: Record<string, string>; body?: unknown };

export async function startReceiver(basePath = '/hooks', answer?: Answer): Promise<Receiver> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() };
      got.push(r);
      const a = answer?.(r);
      if (a?.body === undefined) res.writeHead(a?.status ?? 200, a?.headers ?? {}).end();
      else res.writeHead(a.status ?? 200, { ...a.headers, 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${basePath}`, port, got, close: () => new Promise((r) => server.close(() => r())) };
}
