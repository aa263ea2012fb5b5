/**
 * JIBRI_BROWSER_PUBLIC_ONLY in the real recorder: a meeting page on a host the operator allowed frames a
 * loopback page (by address and by name), the cloud metadata address and a private address. The
 * recording (a frame of the real MP4) shows the page and none of the framed internal pages, and the
 * loopback server is never asked for anything. Without the setting, the loopback page is in the picture.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { colourNear, grabFrame } from '../../testkit/media';
import { findRecordings, post, startBody, startTestService, waitForSessionState, type TestService } from '../../testkit/service';

const GREEN = '#10a040';
const RED = '#e01010';

interface Site {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}

async function site(html: string): Promise<Site> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, requests, close: () => new Promise((r) => server.close(() => r())) };
}

const frameAt = (left: number, top: number, src: string): string => `<iframe src="${src}" style="position:absolute;left:${left}px;top:${top}px;width:560px;height:300px;border:0"></iframe>`;

/** Grid points of the picture in the internal page's red. */
async function redPoints(file: string): Promise<Array<[number, number]>> {
  const frame = await grabFrame(file, 2);
  const red: Array<[number, number]> = [];
  for (let y = 10; y < 720; y += 20) for (let x = 10; x < 1280; x += 20) if (colourNear(frame.pixel(x, y), RED, 60)) red.push([x, y]);
  expect(colourNear(frame.pixel(640, 360), GREEN)).toBe(true);
  return red;
}

describe("the recorder's browser and internal addresses", () => {
  let secret: Site;
  let customer: Site;

  beforeAll(async () => {
    secret = await site(`<!doctype html><body style="margin:0;background:${RED}"><h1>internal</h1></body>`);
    customer = await site(`<!doctype html><body style="margin:0;background:${GREEN}">
      ${frameAt(40, 40, `http://127.0.0.1:${secret.port}/admin`)}${frameAt(680, 40, `http://localhost:${secret.port}/admin`)}
      ${frameAt(40, 380, 'http://169.254.169.254/latest/meta-data/')}${frameAt(680, 380, 'http://10.20.30.40/')}</body>`);
  });
  afterAll(async () => {
    await secret?.close();
    await customer?.close();
  });

  async function record(env: Record<string, string>, id: string): Promise<string> {
    let svc: TestService | undefined;
    try {
      svc = await startTestService(env);
      const started = await post(`${svc.api}/startService`, startBody(customer.url, id));
      expect(started.status).toBe(200);
      await waitForSessionState(svc.service, id, 'recording', 60000);
      await new Promise((r) => setTimeout(r, 4000));
      await post(`${svc.api}/stopService`, { sessionId: id });
      const [file] = findRecordings(svc.recordingsDir);
      expect(file && fs.existsSync(file)).toBe(true);
      return file!;
    } finally {
      await svc?.stop();
    }
  }

  it('with JIBRI_BROWSER_PUBLIC_ONLY, records the page and none of the internal frames, and never reaches the internal server', async () => {
    const file = await record({ JIBRI_BROWSER_PUBLIC_ONLY: 'true', JIBRI_BROWSER_ALLOWED_HOSTS: `127.0.0.1:${customer.port}` }, 'egress-on');
    expect(customer.requests).toContain('/testroom');
    expect(await redPoints(file)).toEqual([]);
    expect(secret.requests).toEqual([]);
  });

  it('without it (a recorder whose operator trusts its meetings), the loopback page is loaded and recorded', async () => {
    const file = await record({}, 'egress-off');
    expect((await redPoints(file)).length).toBeGreaterThan(100);
    expect(secret.requests).toContain('/admin');
  });
});
