/** Serves the demo meeting page on loopback, for every path (the recorder appends the call name). */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_DEMO, demoPageHtml, type DemoPageOptions } from './page';

export interface DemoServer {
  baseUrl: string;
  close(): Promise<void>;
}

/** Serves the demo page (with `opts`), or any other page given as `html`. */
export async function startDemoServer(opts: Partial<DemoPageOptions> & { html?: string } = {}, host = '127.0.0.1'): Promise<DemoServer> {
  const html = opts.html ?? demoPageHtml({ ...DEFAULT_DEMO, ...opts });
  const server = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
