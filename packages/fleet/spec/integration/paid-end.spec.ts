/**
 * A deployment's paid end is a hard end, on real parts: a real Prosody, recorder processes of the `local`
 * backend, a Jicofo stand-in that records through them. A customer who releases a deployment a second
 * after it is ready gets nearly all of it back, so its recording must stop then: before, it went on for up
 * to the drain cap (4 h by default) and held its place from other customers, free.
 *
 * Its fleet's local recorders run under a uid range of its own (support/own-uids.ts), so it runs beside others.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { probeMedia } from '../../../../lib/output/probe';
import { BREWERY, NS_JIBRI, type FakeJicofo } from '../../../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { keptRecording, mediaLeftIn } from '../support/fleet-recordings';
import { DOMAINS, fleetDomainConfig } from '../../../../testkit/prosody';
import { startReceiver, type Receiver } from '../../../../testkit/receiver';
import type { Json } from '../../../../testkit/json';
import { waitFor } from '../../../../testkit/service';
import { fleetBaseDir, fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { deployOneRecorder, DOMAIN } from '../support/fleet-scenarios';
import { withOwnUids } from '../support/own-uids';
import { pidAlive } from '@jibri-ts/common';

const PW = { jibri: 'paid-jibri-Pw-1', focus: 'paid-focus-pw', recorder: 'paid-recorder-Pw-2' };
const ADMIN = 'paid-admin-token';
/** A billed hour of the spec: long enough that a release after a second refunds nearly all. */
const HOUR_SECONDS = 120;
const STOP_GRACE = 20;

interface LocalHandle {
  pid: number;
  dir: string;
}

describe("a deployment's paid end is a hard end", () => {
  let stack: BreweryStack;
  let jicofo: FakeJicofo;
  let cb: Receiver;
  let fleet: FleetServer;
  let key = '';
  let accountId = '';
  const base = fleetBaseDir('jibri-ts-fleet-paid-');

  beforeAll(async () => {
    stack = await startBreweryStack(PW);
    jicofo = stack.jicofo;
    cb = await startReceiver('/cb');
    const env = {
      JIBRI_FLEET_PORT: '0',
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
      JIBRI_FLEET_CALLBACK_SECRET: 'paid-callback-secret',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      JIBRI_FLEET_HOUR_SECONDS: String(HOUR_SECONDS),
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_LOCAL_CAPACITY: '1',
      JIBRI_FLEET_DEPLOY_TIMEOUT: '40',
      JIBRI_FLEET_STOP_GRACE: String(STOP_GRACE),
      ...fleetRecorderEnv(),
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${stack.prosody.port}`,
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(stack.page.baseUrl).host,
    };
    fleet = await startFleetServer(loadFleetConfig(withOwnUids(env)), createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }), { callbackBaseDelayMs: 100 });
    const admin = async (method: string, p: string, body?: unknown): Promise<Json> =>
      (await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })).json();
    const created = await admin('POST', '/accounts', { name: 'payer' });
    [key, accountId] = [created.apiKey as string, created.account_id as string];
    await admin('POST', `/accounts/${accountId}/balance`, { amount: 5 });
    const set = await admin('PUT', `/accounts/${accountId}/domains/${DOMAIN}`, fleetDomainConfig({ prosodyPort: stack.prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: stack.page.baseUrl }));
    expect(set).toMatchObject({ complete: true });
  });

  afterAll(async () => {
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring']) ?? []) {
      for (const r of fleet.store.recorders(d.id)) if (r.handle && r.state !== 'removed') await fleet.backends.local?.remove(r.handle).catch(() => undefined);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
  });

  it('a release a second after ready refunds nearly all, and stops the running recording within the grace: Jicofo gets off, the file is finalized, the place is free', async () => {
    const { id, recorderId } = await deployOneRecorder(fleet.url, key, cb);
    const handle = JSON.parse(fleet.store.recorders(id)[0]!.handle!) as LocalHandle;
    await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(`${BREWERY}/${recorderId}`), 10000);
    const startIq = `<iq type="set" id="paid-start" to="${BREWERY}/${recorderId}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="paidroom@${DOMAINS.muc}" session_id="paid-session"/></iq>`;
    expect((await jicofo.sendIq(startIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await jicofo.waitFor('on', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${recorderId}` && s.jibri.attrs.status === 'on'), 30000);
    const onAt = Date.now();

    // A second after ready, and after two seconds of recording: on a busy host "on" can come later than a
    // second after ready, and a release right after it left a file too short to say it was kept whole.
    const readyAt = Date.parse(fleet.store.deployment(id)!.readyAt!);
    await new Promise((r) => setTimeout(r, Math.max(0, readyAt + 1000 - Date.now(), onAt + 2000 - Date.now())));
    const released = Date.now();
    const del = await fetch(`${fleet.url}/deployments/${id}`, { method: 'DELETE', headers: { 'x-api-key': key } });
    const body = (await del.json()) as { refund: number };
    expect(del.status).toBe(200);
    // The recording ran for longer than a second (it started before), yet nearly all the hour is refunded...
    expect(body.refund).toBeGreaterThan(0.8);
    // ...so the recording stops now: "off" within the grace, not at the drain cap.
    await jicofo.waitFor('off', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${recorderId}` && s.jibri.attrs.status === 'off'), STOP_GRACE * 1000);
    const offAfterMs = Date.now() - released;
    await waitFor('the deployment to end', () => (fleet.store.deployment(id)?.state === 'ended' ? true : undefined), STOP_GRACE * 1000 + 10000, 200);
    expect(pidAlive(handle.pid)).toBe(false);
    expect(fleet.store.slotsUsed('local')).toBe(0);
    // The fleet took the recording off its recorder before removing it (the domain sends it nowhere).
    const kept = await keptRecording(fleet, 'paid-session', 1000);
    expect(mediaLeftIn(path.join(handle.dir, 'recordings', 'paid-session'))).toBe(false);
    const media = await probeMedia(kept.media);
    // Finalized (ffprobe reads it whole), and no longer than from its start to the release and the stop.
    expect(media.durationSec).toBeGreaterThan(0.5);
    expect(media.durationSec).toBeLessThan((Date.now() - readyAt) / 1000 + 5);
    expect(offAfterMs).toBeLessThan(STOP_GRACE * 1000);
    // The place it held is another customer's again at once: a new deploy in the one-place location is served.
    const again = await fetch(`${fleet.url}/deploy-recorder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ domain: DOMAIN, recorders: 1, duration: 1, location: 'lon', callback_url: cb.url }),
    });
    const againId = ((await again.json())).deployment_id as string;
    await waitFor('the second deployment', () => (['ready', 'failed'].includes(fleet.store.deployment(againId)?.state ?? '') ? true : undefined), 60000, 200);
    expect(fleet.store.deployment(againId)?.state).toBe('ready');
    await fetch(`${fleet.url}/deployments/${againId}`, { method: 'DELETE', headers: { 'x-api-key': key } });
    await waitFor('its release', () => (fleet.store.deployment(againId)?.state === 'ended' ? true : undefined), STOP_GRACE * 1000 + 10000, 200);
  });
});
