/**
 * Fleet customers get their recordings, on the real fleet (local backend, recorders under their own uids),
 * a real Prosody with a Jicofo stand-in that records through them, and two real S3 servers, one per
 * customer: Ceph RGW for A (testkit/s3.ts), s3rver for B (testkit/s3rver.ts). C sends its recordings
 * nowhere. In Chromium (Playwright) with axe-core and screenshots at 1280 and 390 px:
 *   - A sets its bucket and webhook in the dashboard; the test explains a missing bucket and a host that is
 *     not public in A's words, then passes, and A's webhook verifies the signed test event;
 *   - A's recording arrives in A's bucket and only there; A's webhook gets a signed event whose link
 *     downloads it; the recorder's local copy is gone;
 *   - B's goes to B's bucket; B sees nothing of A's in the page or the API, by id guessing neither;
 *   - a release while A's store hangs frees the place at once, yet the recorder is removed only once the
 *     object is verified in the bucket;
 *   - C downloads from the page, then retention removes it, and its link stops working;
 *   - a recording that cannot be delivered (B's bucket gone) is left after JIBRI_FLEET_UPLOAD_WAIT, and the
 *     log, the ledger and the page say so and why; each deployment's ledger line shows its recordings.
 *
 * @lane serial: a fleet on the host (its local recorders' uids), and it pauses the run's Ceph S3 server
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import Transport from 'winston-transport';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { probeMedia } from '../../../../lib/output/probe';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { BREWERY, NS_JIBRI } from '../../../../testkit/fake-jicofo';
import { DOMAINS, fleetDomainConfig } from '../../../../testkit/prosody';
import { startReceiver, type Received, type Receiver } from '../../../../testkit/receiver';
import { createBucket, gatewayPid, listObjects, objectFacts, removeBucket, sharedS3, type S3Server } from '../../../../testkit/s3';
import { sharedS3rver } from '../../../../testkit/s3rver';
import type { Json } from '../../../../testkit/json';
import { ROOT, tempDir, waitFor } from '../../../../testkit/service';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { mediaLeftIn } from '../support/fleet-recordings';
import { inspectDatabase } from '../support/inspect';
import { checkPage } from '../support/page-check';

const PW = { jibri: 'rec-jibri-Pw-1', focus: 'rec-focus-pw', recorder: 'rec-recorder-Pw-2' };
const ADMIN = 'recordings-admin-token';
const DOMAIN = 'meet.test';
const ARTIFACTS = path.join(ROOT, 'spec/artifacts/recordings');
const UPLOAD_WAIT = 30;
const RETENTION = 45;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')] ?? info.message));
    next();
  }
}

/** What docs/FLEET.md tells a receiver to do. */
function verifies(secret: string, r: Pick<Received, 'headers' | 'raw'>): boolean {
  const timestamp = String(r.headers['x-jod-timestamp'] ?? '');
  const given = String(r.headers['x-jod-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = `v2=${crypto.createHmac('sha256', secret).update(`${timestamp}.${String(r.headers['x-jod-deployment'])}.${r.raw}`).digest('hex')}`;
  return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

interface Customer {
  name: string;
  id: string;
  key: string;
  secret: string;
  email: string;
  page?: Page;
}

describe('fleet customers get their recordings', () => {
  let stack: BreweryStack;
  let fleet: FleetServer;
  let browser: Browser;
  let ceph: S3Server;
  let s3rver: S3Server;
  let bucketA = '';
  let bucketB = '';
  let cb: Receiver;
  let hookA: Receiver;
  const capture = new Capture();
  const base = fleetBaseDir('jibri-ts-fleet-recordings-');
  const shots: string[] = [];
  const customers: Record<'a' | 'b' | 'c', Customer> = {} as never;
  const deployments: Record<string, string> = {};
  const links: Record<string, string> = {};

  const admin = async (method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  };
  const api = async (c: Customer, method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${fleet.url}${p}`, { method, headers: { 'x-api-key': c.key, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, ...((await res.json()) as object) };
  };
  const url = (p: string): string => `${fleet.url}/dashboard${p}`;
  const check = (p: Page, name: string): Promise<void> => checkPage(p, name, ARTIFACTS, shots);

  /** Deploys one recorder for the customer and waits for its success callback; answers the deployment and the recorder. */
  const deploy = async (c: Customer): Promise<{ id: string; recorderId: string }> => {
    const res = await api(c, 'POST', '/deploy-recorder', { domain: DOMAIN, recorders: 1, duration: 1, location: 'lon', callback_url: cb.url });
    expect(res).toMatchObject({ status: 200, it: 'worked' });
    const id = res.deployment_id as string;
    const callback = await waitFor('the success callback', () => cb.got.find((g) => g.headers['x-jod-deployment'] === id), 90000, 200);
    expect(callback.body).toMatchObject({ it: 'worked' });
    const recorderId = callback.body.deployment_info.recorders[0].recorder_id as string;
    await stack.jicofo.waitFor('the recorder in the brewery', () => stack.jicofo.lastPresenceOf(`${BREWERY}/${recorderId}`), 20000);
    return { id, recorderId };
  };
  /** Starts a recording the way Jicofo does, and waits for its "on". */
  const startRecording = async (recorderId: string, session: string): Promise<void> => {
    const ons = (): number => stack.jicofo.statusIqs.filter((s) => s.from === `${BREWERY}/${recorderId}` && s.jibri.attrs.status === 'on').length;
    const before = ons();
    const iq = `<iq type="set" id="start-${session}" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="${session}@${DOMAINS.muc}" session_id="${session}"/></iq>`;
    expect((await stack.jicofo.sendIq(iq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await stack.jicofo.waitFor(`${session} on`, () => (ons() > before ? true : undefined), 30000);
  };
  const stopRecording = async (recorderId: string, session: string): Promise<void> => {
    await stack.jicofo.sendIq(`<iq type="set" id="stop-${session}" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="${session}"/></iq>`);
  };
  const rowOf = (c: Customer, session: string): Json => inspectDatabase(fleet.store.file, (db) => db.prepare('SELECT * FROM recordings WHERE account_id = ? AND session_id = ?').get(c.id, session)) as Json;
  const delivered = (c: Customer, session: string, timeoutMs = 120000): Promise<Json> => waitFor(`${c.name}'s ${session} delivered`, () => {
    const r = rowOf(c, session);
    return r?.state === 'delivered' ? r : undefined;
  }, timeoutMs, 250);
  const signIn = async (c: Customer): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(20000);
    const p = await context.newPage();
    p.on('dialog', (d) => void d.accept());
    const invited = await admin('POST', `/accounts/${c.id}/users`, { email: c.email });
    await p.goto(invited.link as string);
    await p.getByLabel('New password').fill(`${c.name} has a long passphrase`);
    await p.getByLabel('The same password again').fill(`${c.name} has a long passphrase`);
    await p.getByRole('button', { name: 'Set password and sign in' }).click();
    await p.waitForURL(/\/dashboard\/overview$/);
    return p;
  };

  beforeAll(async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    [ceph, s3rver] = [await sharedS3(), await sharedS3rver()];
    bucketA = await createBucket(ceph, 'customer-a');
    bucketB = await createBucket(s3rver, 'customer-b');
    stack = await startBreweryStack(PW);
    cb = await startReceiver('/cb');
    hookA = await startReceiver('/a-recordings');
    const log = createLogger('info');
    log.clear().add(capture);
    const env = {
      JIBRI_FLEET_PORT: '0',
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      JIBRI_FLEET_HOUR_SECONDS: '600',
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_LOCAL_CAPACITY: '3',
      JIBRI_FLEET_DEPLOY_TIMEOUT: '60',
      JIBRI_FLEET_STOP_GRACE: '20',
      JIBRI_FLEET_UPLOAD_WAIT: String(UPLOAD_WAIT),
      JIBRI_FLEET_RECORDINGS_RETENTION: String(RETENTION),
      ...fleetRecorderEnv(),
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port},127.0.0.1:${hookA.port}`,
      JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS: [ceph, s3rver].map((s) => new URL(s.endpoint).host).join(','),
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${stack.prosody.port}`,
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(stack.page.baseUrl).host,
      JIBRI_FLEET_ADDRESS_RATE_LIMIT: '100000',
      JIBRI_FLEET_KEY_RATE_LIMIT: '100000',
    };
    fleet = await startFleetServer(loadFleetConfig(env), log, { callbackBaseDelayMs: 200 });
    for (const [k, name] of [['a', 'Alpha'], ['b', 'Beta'], ['c', 'Gamma']] as const) {
      const created = await admin('POST', '/accounts', { name });
      customers[k] = { name, id: created.account_id as string, key: created.apiKey as string, secret: created.callbackSecret as string, email: `${k}@${name.toLowerCase()}.example` };
      await admin('POST', `/accounts/${customers[k].id}/balance`, { amount: 20 });
      const set = await admin('PUT', `/accounts/${customers[k].id}/domains/${DOMAIN}`, fleetDomainConfig({ prosodyPort: stack.prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: stack.page.baseUrl }));
      expect(set).toMatchObject({ complete: true });
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  }, 900000);

  afterAll(async () => {
    try {
      process.kill(gatewayPid(ceph), 'SIGCONT');
    } catch {
      // Not paused, or gone.
    }
    await browser?.close();
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle).catch(() => undefined);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
    await hookA?.close();
    if (shots.length) process.stdout.write(`recordings screenshots (${shots.length}): ${ARTIFACTS}\n`);
  });

  it("A sets its bucket and webhook in the dashboard; the test explains what is wrong in A's words, then passes and A's webhook verifies its event", async () => {
    const a = customers.a;
    const page = (a.page = await signIn(a));
    await page.goto(url(`/domains/${DOMAIN}`));
    await page.getByRole('link', { name: 'Send recordings to your bucket or webhook' }).click();
    await page.waitForURL(new RegExp(`/dashboard/domains/${DOMAIN}/delivery$`));
    const fill = async (values: Record<string, string>): Promise<void> => {
      for (const [k, v] of Object.entries(values)) await page.locator(`#d-${k}`).fill(v);
    };
    // A host that is not public (only 127.0.0.1:port is the operator's exception, not localhost): refused as it is saved.
    const cephPort = new URL(ceph.endpoint).port;
    await fill({ s3_endpoint: `http://localhost:${cephPort}`, s3_region: ceph.region, s3_bucket: bucketA, s3_access_key_id: ceph.accessKeyId, s3_secret_access_key: ceph.secretAccessKey, webhook_url: hookA.url });
    await page.getByRole('button', { name: 'Save and test' }).click();
    const refused = await page.getByRole('alert').first().textContent();
    expect(refused).toContain('s3_endpoint names a host that is not a public address');
    expect(refused).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(await page.content()).not.toContain(ceph.secretAccessKey);
    // A bucket that does not exist: the test says so.
    await fill({ s3_endpoint: ceph.endpoint, s3_bucket: 'no-such-bucket-here', s3_secret_access_key: ceph.secretAccessKey });
    await page.getByRole('button', { name: 'Save and test' }).click();
    await page.getByText('The test failed.').waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain(`The bucket no-such-bucket-here does not exist at 127.0.0.1`);
    await check(page, 'delivery-failed');
    // The right bucket; the secret field is left empty: the stored one is kept.
    await fill({ s3_bucket: bucketA });
    await page.getByRole('button', { name: 'Save and test' }).click();
    await page.getByText('The test passed.').waitFor();
    expect(await page.locator('main').textContent()).toContain('Your webhook took the signed test event (HTTP 200).');
    expect(await page.content()).not.toContain(ceph.secretAccessKey);
    await check(page, 'delivery-passed');
    const test = hookA.got.find((g) => g.body.test === true)!;
    expect(test.headers['x-jod-deployment']).toBe('test');
    expect(verifies(a.secret, test)).toBe(true);
    expect(verifies(customers.b.secret, test)).toBe(false);
    // The test object was removed again.
    expect((await listObjects(ceph, bucketA)).filter((k) => k.startsWith('jod-delivery-test/'))).toEqual([]);
    // B's bucket, through the admin API; C sets nothing.
    const b = await admin('PUT', `/accounts/${customers.b.id}/domains/${DOMAIN}/delivery`, { s3_endpoint: s3rver.endpoint, s3_region: s3rver.region, s3_bucket: bucketB, s3_access_key_id: s3rver.accessKeyId, s3_secret_access_key: s3rver.secretAccessKey, s3_force_path_style: 'true' });
    expect(b).toMatchObject({ status: 200, delivery: { s3_bucket: bucketB, s3_secret_access_key: '' } });
    expect(await admin('POST', `/accounts/${customers.b.id}/domains/${DOMAIN}/delivery/test`)).toMatchObject({ status: 200, test: { ok: true } });
    expect(inspectDatabase(fleet.store.file, (db) => db.prepare('SELECT s3_secret FROM deliveries').all()).map((r) => String((r as { s3_secret: string }).s3_secret))).toEqual([expect.stringMatching(/^enc:v1:/), expect.stringMatching(/^enc:v1:/)]);
  });

  it("each customer's recording goes where its domain says: A's to A's bucket and only there, with a signed event whose link downloads it; B's to B's bucket; C's to the service", async () => {
    const [a, b, c] = [customers.a, customers.b, customers.c];
    const [da, db, dc] = await Promise.all([deploy(a), deploy(b), deploy(c)]);
    deployments.a = da.id;
    deployments.b = db.id;
    deployments.c = dc.id;
    // The recorders got only their own domain's bucket, the secret as a file.
    const envOf = (d: { id: string }): string[] => {
      const h = JSON.parse(fleet.store.recorders(d.id)[0]!.handle!) as { pid: number };
      return fs.readFileSync(`/proc/${h.pid}/environ`, 'utf8').split('\0');
    };
    expect(envOf(da)).toContain(`JIBRI_UPLOAD_S3_BUCKET=${bucketA}`);
    expect(envOf(db)).toContain(`JIBRI_UPLOAD_S3_BUCKET=${bucketB}`);
    expect(envOf(dc).some((e) => e.startsWith('JIBRI_UPLOAD_S3_'))).toBe(false);
    for (const d of [da, db, dc]) {
      expect(envOf(d)).toContain('JIBRI_RECORDINGS_HANDOFF=true');
      expect(envOf(d).join('\n')).not.toMatch(new RegExp(`${ceph.secretAccessKey}|SECRET_ACCESS_KEY=`));
    }

    await Promise.all([startRecording(da.recorderId, 'a-meeting'), startRecording(db.recorderId, 'b-meeting'), startRecording(dc.recorderId, 'c-meeting')]);
    const allOnAt = Date.now();
    // The fleet lists it while it records (it looks every 5 s).
    await waitFor("A's recording listed while it records", () => (rowOf(a, 'a-meeting')?.state === 'recording' ? true : undefined), 15000, 250);
    // Two seconds of recording at least, whatever moment of its 5-s round the fleet saw it in: the file
    // is checked below to hold more than a second, and a listing just after "on" would stop it sooner.
    await sleep(Math.max(0, allOnAt + 2000 - Date.now()));
    await Promise.all([stopRecording(da.recorderId, 'a-meeting'), stopRecording(db.recorderId, 'b-meeting'), stopRecording(dc.recorderId, 'c-meeting')]);

    const [ra, rb, rc] = await Promise.all([delivered(a, 'a-meeting'), delivered(b, 'b-meeting'), delivered(c, 'c-meeting')]);
    expect(ra).toMatchObject({ target: 'bucket', bucket: bucketA, endpoint: ceph.endpoint });
    expect(rb).toMatchObject({ target: 'bucket', bucket: bucketB });
    expect(rc).toMatchObject({ target: 'service' });
    const keysA = await listObjects(ceph, bucketA);
    const keysB = await listObjects(s3rver, bucketB);
    expect(keysA.filter((k) => k.startsWith('a-meeting/'))).toEqual(expect.arrayContaining([ra.media_key as string, 'a-meeting/metadata.json', 'a-meeting/manifest.json']));
    expect(keysA.some((k) => !k.startsWith('a-meeting/'))).toBe(false);
    expect(keysB.some((k) => !k.startsWith('b-meeting/'))).toBe(false);
    expect(keysB).toContain(rb.media_key);
    expect(fs.existsSync(path.join(base, 'data', 'recordings', ra.id as string))).toBe(false);
    expect(path.dirname(rc.kept_path as string)).toBe(path.join(base, 'data', 'recordings'));
    expect((fs.statSync(rc.kept_path as string).mode & 0o777).toString(8)).toBe('700');

    // A's webhook: one signed event, with a link that downloads the very file.
    const event = await waitFor("A's recording event", () => hookA.got.find((g) => g.body.event === 'recording.ready' && g.body.recording.session_id === 'a-meeting'), 30000, 200);
    expect(verifies(a.secret, event)).toBe(true);
    expect(event.headers['x-jod-deployment']).toBe(da.id);
    expect(event.body).toMatchObject({ it: 'worked', message: 'recording ready', recording: { recording_id: ra.id, deployment_id: da.id, state: 'delivered', delivered_to: { type: 'bucket', bucket: bucketA } } });
    const res = await fetch(event.body.recording.download_url as string);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const facts = await objectFacts(ceph, bucketA, ra.media_key as string);
    expect(sha256(bytes)).toBe(facts.sha256);
    const file = path.join(tempDir(), 'a-meeting.mp4');
    fs.writeFileSync(file, bytes);
    expect((await probeMedia(file)).durationSec).toBeGreaterThan(1);
    expect(hookA.got.filter((g) => g.body.event === 'recording.ready')).toHaveLength(1);
    // Nothing left on the recorders: each let its recording go once it was delivered.
    for (const [d, session] of [[da, 'a-meeting'], [db, 'b-meeting'], [dc, 'c-meeting']] as const) {
      const dir = (JSON.parse(fleet.store.recorders(d.id)[0]!.handle!) as { dir: string }).dir;
      await waitFor(`${session} off its recorder`, () => (mediaLeftIn(path.join(dir, 'recordings', session)) ? undefined : true), 20000, 250);
    }

    // The developer API, with A's key.
    const listed = await api(a, 'GET', '/recordings');
    expect(listed).toMatchObject({ status: 200, it: 'worked', recordings: [{ recording_id: ra.id, state: 'delivered', meeting_url: expect.stringContaining('a-meeting'), download_url: expect.stringContaining(bucketA) }] });
    expect(listed.recordings[0].duration_sec as number).toBeGreaterThan(1);
  });

  it('C, without delivery, downloads its recording from the page and through the API, and nobody else can', async () => {
    const c = customers.c;
    const row = rowOf(c, 'c-meeting')!;
    const media = (JSON.parse(row.files as string) as Array<{ role: string; name: string; sha256: string }>).find((f) => f.role === 'media')!;
    const page = (c.page = await signIn(c));
    await page.getByRole('link', { name: 'Recordings', exact: true }).click();
    await page.waitForURL(/\/dashboard\/recordings$/);
    expect(await page.locator('main').textContent()).toContain('kept here until');
    await check(page, 'recordings-c');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download the recording of c-meeting/ }).click()]);
    const saved = path.join(tempDir(), 'c-meeting.mp4');
    await download.saveAs(saved);
    expect(sha256(fs.readFileSync(saved))).toBe(media.sha256);
    expect((await probeMedia(saved)).durationSec).toBeGreaterThan(1);
    // The API's link: the recording itself, for its owner, for a while.
    const listed = await api(c, 'GET', '/recordings');
    links.c = listed.recordings[0].download_url as string;
    expect(links.c.startsWith(`${fleet.url}/recordings/${row.id as string}/download?expires=`)).toBe(true);
    expect((await fetch(links.c)).status).toBe(200);
    expect((await fetch(links.c.replace(/signature=[0-9a-f]{4}/, 'signature=0000'))).status).toBe(404);
    // B's key cannot name it.
    expect((await api(customers.b, 'GET', `/recordings/${row.id as string}`)).status).toBe(404);
  });

  it("B sees nothing of A's, in the page or the API, by id guessing neither", async () => {
    const [a, b] = [customers.a, customers.b];
    const ra = rowOf(a, 'a-meeting')!;
    const rb = rowOf(b, 'b-meeting')!;
    const listed = await api(b, 'GET', '/recordings');
    expect((listed.recordings as Json[]).map((r) => r.recording_id)).toEqual([rb.id]);
    expect(JSON.stringify(listed)).not.toContain('a-meeting');
    for (const id of [ra.id as string, crypto.randomUUID()]) {
      expect(await api(b, 'GET', `/recordings/${id}`)).toMatchObject({ status: 404, message: 'no such recording' });
      expect(await api(b, 'DELETE', `/recordings/${id}`)).toMatchObject({ status: 404, message: 'no such recording' });
    }
    expect((await api(a, 'GET', `/recordings/${ra.id as string}`)).status).toBe(200);
    const page = (b.page = await signIn(b));
    await page.getByRole('link', { name: 'Recordings', exact: true }).click();
    await page.waitForURL(/\/dashboard\/recordings$/);
    const text = await page.locator('main').textContent();
    expect(text).toContain('b-meeting');
    expect(text).not.toContain('a-meeting');
    for (const id of [ra.id as string, crypto.randomUUID()]) {
      expect((await page.goto(url(`/recordings/${id}/download`)))?.status()).toBe(404);
      await page.goBack();
      const del = await page.evaluate(async (p) => (await fetch(p, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(document.querySelector<HTMLInputElement>('input[name=_csrf]')?.value ?? '')}` })).status, `/dashboard/recordings/${id}/delete`);
      expect(del).toBe(404);
    }
    expect(rowOf(a, 'a-meeting')?.state).toBe('delivered');
  });

  it("a release while A's store hangs frees the place at once and removes the recorder only once the object is verified; B's recording that cannot be delivered is left after JIBRI_FLEET_UPLOAD_WAIT, and the log, the ledger and the page say what and why", async () => {
    const [a, b] = [customers.a, customers.b];
    const recA = fleet.store.recorders(deployments.a!)[0]!;
    const recB = fleet.store.recorders(deployments.b!)[0]!;
    const { pid } = JSON.parse(recA.handle!) as { pid: number };
    // B deletes its bucket: its next recording cannot be delivered.
    await removeBucket(s3rver, bucketB);
    await Promise.all([startRecording(recA.id, 'a-release'), startRecording(recB.id, 'b-lost')]);
    await sleep(3000);
    await stopRecording(recB.id, 'b-lost');
    const gateway = gatewayPid(ceph);
    process.kill(gateway, 'SIGSTOP');
    let resumedAt: number;
    const releasedB = Date.now();
    try {
      const [releasedA, releasedBAnswer] = await Promise.all([api(a, 'DELETE', `/deployments/${deployments.a!}`), api(b, 'DELETE', `/deployments/${deployments.b!}`)]);
      expect(releasedA).toMatchObject({ status: 200 });
      expect(releasedBAnswer).toMatchObject({ status: 200 });
      // A's sessions stop within the grace; its place goes back while it only delivers.
      await waitFor('the recorder uploading', () => (fleet.store.recorders(deployments.a!)[0]!.state === 'uploading' ? true : undefined), 30000, 250);
      expect(fleet.store.deployment(deployments.a!)?.slots).toBe(0);
      expect(capture.lines.some((l) => l.includes(`recorder ${recA.id} of ${deployments.a!}: its sessions are stopped and its place is free`))).toBe(true);
      await sleep(5000);
      // The store hangs: the recorder is still there, the recording not delivered, the deployment not ended.
      expect(process.kill(pid, 0)).toBe(true);
      expect(rowOf(a, 'a-release')?.state).not.toBe('delivered');
      expect(fleet.store.deployment(deployments.a!)?.state).toBe('expiring');
    } finally {
      process.kill(gateway, 'SIGCONT');
      resumedAt = Date.now();
    }
    const row = await delivered(a, 'a-release', (UPLOAD_WAIT + 10) * 1000);
    await waitFor("A's deployment ended", () => (fleet.store.deployment(deployments.a!)?.state === 'ended' ? true : undefined), 60000, 250);
    const removedAt = Date.parse((inspectDatabase(fleet.store.file, (db) => db.prepare('SELECT removed_at FROM recorders WHERE id = ?').get(recA.id)) as { removed_at: string }).removed_at);
    expect(removedAt).toBeGreaterThan(resumedAt);
    expect(removedAt).toBeGreaterThanOrEqual(Date.parse(row.updated_at as string));
    const facts = await objectFacts(ceph, bucketA, row.media_key as string);
    expect(facts.sha256).toBe((JSON.parse(row.files as string) as Array<{ role: string; sha256: string }>).find((f) => f.role === 'media')!.sha256);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(capture.lines.some((l) => l.includes(`recorder ${recA.id} of ${deployments.a!}: removed with`))).toBe(false);

    // B's: failed with the reason, retried until the cap, then left, and said so.
    expect(rowOf(b, 'b-lost')?.reason).toMatch(/^The bucket does not exist.*It is tried again\.$/);
    await waitFor("B's deployment ended", () => (fleet.store.deployment(deployments.b!)?.state === 'ended' ? true : undefined), (UPLOAD_WAIT + 60) * 1000, 500);
    expect(Date.now() - releasedB).toBeGreaterThan(UPLOAD_WAIT * 1000);
    const left = rowOf(b, 'b-lost')!;
    expect(left.state).toBe('failed');
    expect(left.reason).toMatch(new RegExp(`^Not delivered: its recorder was removed \\(its uploads were not done ${UPLOAD_WAIT} s after its sessions stopped, the longest the service waits\\)\\. The bucket does not exist.* Its files stay with the operator of the service`));
    expect(capture.lines.some((l) => l.includes(`removed with 1 recording(s) not delivered (${left.id as string})`))).toBe(true);
    const ledgerB = (await api(b, 'GET', '/balance')).ledger as Json[];
    expect(ledgerB.find((l) => l.deploymentId === deployments.b && l.delta === 0)?.reason).toMatch(/removed with 1 recording\(s\) not delivered \(b-lost\): its uploads were not done/);
    expect(ledgerB.find((l) => l.deploymentId === deployments.b && l.delta < 0)?.recordings).toMatchObject({ count: 2 });

    // The ledger: each deployment's line shows its recordings and their total length.
    const ledgerA = (await api(a, 'GET', '/balance')).ledger as Json[];
    const line = ledgerA.find((l) => l.deploymentId === deployments.a && l.delta < 0)!;
    expect(line.recordings).toMatchObject({ count: 2 });
    expect(line.recordings.total_length_sec).toBeGreaterThan(3);
    await a.page!.goto(url('/recordings'));
    expect(await a.page!.locator('main').textContent()).toContain('a-release');
    await check(a.page!, 'recordings-a');
    await a.page!.goto(url('/overview'));
    expect(await a.page!.locator('main').textContent()).toMatch(/2 recordings, (\d+ s|\d+ min \d\d s) in all/);
    await check(a.page!, 'overview-usage');
    await b.page!.goto(url('/recordings'));
    const text = await b.page!.locator('main').textContent();
    expect(text).toContain('b-lost');
    expect(text).toContain('Not delivered');
    await check(b.page!, 'recordings-b');
  });

  it("retention removes C's recording and its link stops working", async () => {
    const c = customers.c;
    const kept = rowOf(c, 'c-meeting')!.kept_path as string;
    await api(c, 'DELETE', `/deployments/${deployments.c!}`);
    await waitFor('retention', () => (rowOf(c, 'c-meeting')?.state === 'expired' ? true : undefined), (RETENTION + 30) * 1000, 500);
    expect(fs.existsSync(kept)).toBe(false);
    expect((await fetch(links.c!)).status).toBe(404);
    await c.page!.goto(url('/recordings'));
    expect(await c.page!.locator('main').textContent()).toContain('Removed after retention');
  });
});
