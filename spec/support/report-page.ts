/**
 * A meeting page that reports what it was handed: its URL hash and the login keys in its localStorage,
 * posted back to this server as soon as it loads, the way Jitsi Meet reads them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageReport {
  path: string;
  hash: string;
  storage: Record<string, string | null>;
}

export interface ReportingPage {
  baseUrl: string;
  reports: PageReport[];
  close(): Promise<void>;
}

const HTML = `<!doctype html><html><body style="margin:0;background:#336">
<script>
  const keys = ['xmpp_username_override', 'xmpp_password_override', 'callStatsUserName'];
  const storage = {};
  for (const k of keys) storage[k] = localStorage.getItem(k);
  fetch('/report', { method: 'POST', body: JSON.stringify({ path: location.pathname, hash: location.hash, storage }) });
  const ctx = new AudioContext(); const o = ctx.createOscillator(); o.connect(ctx.destination); o.start();
</script></body></html>`;

export async function startReportingPage(): Promise<ReportingPage> {
  const reports: PageReport[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/report') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        reports.push(JSON.parse(body) as PageReport);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, reports, close: () => new Promise((r) => server.close(() => r())) };
}
