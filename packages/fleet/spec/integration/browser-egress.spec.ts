/**
 * What a customer's meeting page can make a fleet recorder's browser load, on real parts: a real
 * Prosody, a recorder process of the `local` backend, a Jicofo stand-in that starts the recording. The
 * customer's page (on a test host the operator allowed, JIBRI_FLEET_BROWSER_ALLOWED_HOSTS) frames a
 * loopback page, the cloud metadata address and a private address; the recording's picture must show
 * none of them, and the loopback page must never have been asked for. Before the recorder's browser went
 * through the filtering proxy, the loopback page was captured in full.
 *
 * Its fleet's local recorders run under a uid range of its own (support/own-uids.ts), so it runs beside others.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { BREWERY, NS_JIBRI, type FakeJicofo } from '../../../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { keptRecording } from '../support/fleet-recordings';
import { DOMAINS, fleetDomainConfig } from '../../../../testkit/prosody';
import { startReceiver, type Receiver } from '../../../../testkit/receiver';
import type { Json } from '../../../../testkit/json';
import { colourNear, grabFrame } from '../../../../testkit/media';
import { waitFor } from '../../../../testkit/service';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { deployOneRecorder, DOMAIN } from '../support/fleet-scenarios';
import { withOwnUids } from '../support/own-uids';

const PW = { jibri: 'egress-jibri-Pw-1', focus: 'egress-focus-pw', recorder: 'egress-recorder-Pw-2' };
const ADMIN = 'egress-admin-token';
const GREEN = '#10a040';
const RED = '#e01010';

interface Site {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

/** A web server on loopback that answers every path with `html` and remembers what it was asked. */
async function site(html: (port: number) => string): Promise<Site> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end(html((server.address() as AddressInfo).port));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe("a customer's page cannot make the recorder's browser load internal pages", () => {
  let stack: BreweryStack;
  let jicofo: FakeJicofo;
  let cb: Receiver;
  let fleet: FleetServer;
  let secret: Site;
  let customer: Site;
  let key = '';
  let accountId = '';
  const base = fleetBaseDir('jibri-ts-fleet-egress-');

  const admin = async (method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  };
  const domainConfig = (publicUrl: string): Record<string, string> => fleetDomainConfig({ prosodyPort: stack.prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl });

  beforeAll(async () => {
    stack = await startBreweryStack(PW);
    jicofo = stack.jicofo;
    cb = await startReceiver('/cb');
    // An internal page: what must never reach a customer's recording.
    secret = await site(() => `<!doctype html><body style="margin:0;background:${RED}"><h1>internal</h1></body>`);
    // The customer's page: green, with three large frames on internal addresses.
    customer = await site(() => `<!doctype html><body style="margin:0;background:${GREEN}">
      <iframe src="http://127.0.0.1:${secret.port}/admin" style="position:absolute;left:40px;top:40px;width:560px;height:300px;border:0"></iframe>
      <iframe src="http://localhost:${secret.port}/admin" style="position:absolute;left:680px;top:40px;width:560px;height:300px;border:0"></iframe>
      <iframe src="http://169.254.169.254/latest/meta-data/" style="position:absolute;left:40px;top:380px;width:560px;height:300px;border:0"></iframe>
      <iframe src="http://10.20.30.40/" style="position:absolute;left:680px;top:380px;width:560px;height:300px;border:0"></iframe>
    </body>`);
    const env = {
      JIBRI_FLEET_PORT: '0',
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_CALLBACK_SECRET: 'egress-callback-secret',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      JIBRI_FLEET_HOUR_SECONDS: '120',
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_LOCAL_CAPACITY: '1',
      JIBRI_FLEET_DEPLOY_TIMEOUT: '40',
      JIBRI_FLEET_STOP_GRACE: '20',
      ...fleetRecorderEnv(),
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${stack.prosody.port}`,
      // The customer's meeting page is on loopback here; the operator allows that one host and port only.
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: `127.0.0.1:${customer.port}`,
    };
    fleet = await startFleetServer(loadFleetConfig(withOwnUids(env)), createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 100 });
    const created = await admin('POST', '/accounts', { name: 'framer' });
    [key, accountId] = [created.apiKey as string, created.account_id as string];
    await admin('POST', `/accounts/${accountId}/balance`, { amount: 5 });
  });

  afterAll(async () => {
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle).catch(() => undefined);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
    await secret?.close();
    await customer?.close();
  });

  it('a PUBLIC_URL on an internal address is refused when the domain is saved, without saying what the name resolves to', async () => {
    for (const url of ['http://169.254.169.254/', `http://127.0.0.1:${secret.port}`, 'http://10.1.2.3', 'http://localhost', 'ftp://meet.example.com']) {
      const set = await admin('PUT', `/accounts/${accountId}/domains/${DOMAIN}`, domainConfig(url));
      expect({ url, status: set.status }).toEqual({ url, status: 400 });
      expect(set.message).toMatch(/^PUBLIC_URL: /);
      expect(set.message).not.toMatch(/127\.0\.0\.1 \(|loopback|private|link-local/);
    }
    expect(fleet.store.domain(accountId, DOMAIN)).toBeUndefined();
    const ok = await admin('PUT', `/accounts/${accountId}/domains/${DOMAIN}`, domainConfig(`http://127.0.0.1:${customer.port}`));
    expect(ok).toMatchObject({ status: 200, complete: true });
  });

  it('records the customer page with every internal frame left empty, and the internal page is never asked for', async () => {
    const { id, recorderId } = await deployOneRecorder(fleet.url, key, cb);
    const handle = JSON.parse(fleet.store.recorders(id)[0]!.handle!) as { pid: number; dir: string };
    // The fleet told the recorder: public addresses only, but for the host it allowed.
    const environ = fs.readFileSync(`/proc/${handle.pid}/environ`, 'utf8').split('\0');
    expect(environ).toEqual(expect.arrayContaining(['JIBRI_BROWSER_PUBLIC_ONLY=true', `JIBRI_BROWSER_ALLOWED_HOSTS=127.0.0.1:${customer.port}`]));

    await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(`${BREWERY}/${recorderId}`), 10000);
    const startIq = `<iq type="set" id="egress-start" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="framed@${DOMAINS.muc}" session_id="egress-session"/></iq>`;
    expect((await jicofo.sendIq(startIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${recorderId}` && s.jibri.attrs.status === 'on'), 30000);
    await new Promise((r) => setTimeout(r, 5000));
    // The recorder runs under a uid of its own (a root fleet), so its Chromium has its sandbox where the
    // host allows user namespaces: no --no-sandbox, and renderers in user namespaces of their own.
    if (process.getuid?.() === 0 && fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() !== '0') {
      const uid = fs.statSync(`/proc/${handle.pid}`).uid;
      // A sandboxed child rewrites its own command line into one string: read it whole.
      const chromium = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
          return fs.statSync(`/proc/${p}`).uid === uid && cmd.startsWith('/usr/lib/chromium/chromium') ? [{ pid: p, cmd }] : [];
        } catch {
          return [];
        }
      });
      const browser = chromium.find((c) => !c.cmd.includes('--type='));
      const renderer = chromium.find((c) => c.cmd.includes('--type=renderer'));
      expect(browser?.cmd).not.toContain('--no-sandbox');
      expect(browser?.cmd).toMatch(/--proxy-server=http:\/\/127\.0\.0\.1:\d+ .*--proxy-bypass-list=<-loopback>/);
      expect(fs.readlinkSync(`/proc/${renderer!.pid}/ns/user`)).not.toBe(fs.readlinkSync(`/proc/${browser!.pid}/ns/user`));
    }
    const stopIq = `<iq type="set" id="egress-stop" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="egress-session"/></iq>`;
    expect((await jicofo.sendIq(stopIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('off');

    expect(customer.requests.some((r) => r.startsWith('/framed'))).toBe(true);
    expect(secret.requests).toEqual([]);
    // The fleet takes the finished recording off its recorder (the domain sends it nowhere).
    const frame = await grabFrame((await keptRecording(fleet, 'egress-session')).media, 3);
    // The page itself was recorded (green around the frames)...
    expect(colourNear(frame.pixel(20, 20), GREEN)).toBe(true);
    expect(colourNear(frame.pixel(640, 360), GREEN)).toBe(true);
    // ...and no frame shows the internal page: not a single red pixel on a coarse grid over the picture.
    const red: Array<[number, number]> = [];
    for (let y = 10; y < 720; y += 20) for (let x = 10; x < 1280; x += 20) if (colourNear(frame.pixel(x, y), RED, 60)) red.push([x, y]);
    expect(red).toEqual([]);
    await fetch(`${fleet.url}/deployments/${id}`, { method: 'DELETE', headers: { 'x-api-key': key } });
    await waitFor('the release', () => (fleet.store.deployment(id)?.state === 'ended' ? true : undefined), 40000, 200);
  });
});
