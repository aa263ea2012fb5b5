/**
 * A local HTTP receiver for what the project sends out (webhooks, fleet callbacks): it answers 200 and
 * keeps every JSON request it got, with its path, headers and raw body (signatures are over the raw body).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  at: number;
}

export interface Receiver {
  /** The base URL to hand out, ending in `basePath`. */
  url: string;
  got: Received[];
  close(): Promise<void>;
}

export async function startReceiver(basePath = '/hooks'): Promise<Receiver> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`, got, close: () => new Promise((r) => server.close(() => r())) };
}
