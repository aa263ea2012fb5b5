/**
 * The fleet's scenarios on a container backend, shared by the docker and the swarm backends' specs
 * (spec/fleet/docker.spec.ts, spec/fleet/swarm.spec.ts): a real Prosody and Jicofo stand-in, the
 * seed's curl request, recorders of the jibri-ts image that must show up idle and healthy in the
 * brewery, the signed callback, a fleet restart that finds them again, a recording through one of them,
 * and the paid end that removes the idle one and stops the busy one's session (finalized, Jicofo told "off"),
 * whose recording is delivered before its recorder goes: to the account's bucket on a real S3 server when
 * the backend asks for one (its own key, handed to the recorder as a file), else kept by the fleet. Each
 * backend says how to look at its own objects (labels, hardening, secrets, the recordings' folder).
 */
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DemoServer } from '../../../../lib/demo/server';
import { loadFleetConfig } from '../../lib/config';
import { NOT_AVAILABLE } from '../../lib/deployer';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { BREWERY, FakeJicofo, NS_JIBRI } from '../../../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../../../../testkit/brewery';
import { deliveredRecording, keptRecording, mediaLeftIn } from '../support/fleet-recordings';
import type { Json } from '../../../../testkit/json';
import { DOMAINS, fleetDomainConfig, type ProsodyHandle } from '../../../../testkit/prosody';
import { startReceiver, type Receiver } from '../../../../testkit/receiver';
import { createBucket, objectFacts, sharedS3, type S3Server } from '../../../../testkit/s3';
import { tempDir, waitFor } from '../../../../testkit/service';
import { fleetRecorderEnv } from '../../../../testkit/fleet-recorder';
import { inspectDatabase } from './inspect';

export const DOMAIN = 'meet.test';

/** The seed's curl example, verbatim but for the host and the values. */
/** One recorder of `DOMAIN` at `lon` for an hour, through the customers' API; resolves once its callback came. */
export async function deployOneRecorder(fleetUrl: string, apiKey: string, cb: Receiver): Promise<{ id: string; recorderId: string }> {
  const res = await fetch(`${fleetUrl}/deploy-recorder`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ domain: DOMAIN, recorders: 1, duration: 1, location: 'lon', callback_url: cb.url }),
  });
  const id = (await res.json()).deployment_id as string;
  const callback = await waitFor('the callback', () => cb.got.find((g) => g.body.deployment_info?.deployment_id === id), 60000, 200);
  return { id, recorderId: callback.body.deployment_info.recorders[0].recorder_id as string };
}

export function seedCurl(host: string, v: Record<string, string>): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-w', '\n%{http_code}', '--location', '--request', 'POST', `${host}/deploy-recorder`, '--header', 'Content-Type: application/x-www-form-urlencoded',
        ...Object.entries(v).flatMap(([k, val]) => ['--data-urlencode', `${k}=${val}`])],
      (err, stdout) => {
        if (err) return reject(new Error(`curl: ${err.message}`, { cause: err }));
        const lines = stdout.trim().split('\n');
        const status = Number(lines.pop());
        resolve({ status, body: JSON.parse(lines.join('\n')) });
      },
    );
  });
}

/** A fresh recorder, as the scenario knows it. */
export interface RecorderUnderTest {
  recorderId: string;
  deploymentId: string;
  /** The domain's XMPP_SERVER as the recorder must get it. */
  xmppServer: string;
  /** Values that must not show in anything the engine tells about the recorder. */
  passwords: string[];
  /** The fleet that deployed it (its backends, its store), and its data folder. */
  fleet: FleetServer;
  dataDir: string;
}

/** What a backend's further specs may use of the scenario's fleet. */
export interface ScenarioFleet {
  fleet(): FleetServer;
  dataDir: string;
}

/** What a spec knows about the backend under test. */
export interface ContainerBackendUnderTest {
  /** docker or swarm: the backend a location is mapped to. */
  kind: string;
  /** The fleet settings the backend needs beyond the common ones (e.g. its placement). */
  env(): Record<string, string>;
  /** Started before the fleet (the engine, the swarm); `stop` runs after everything. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Checks the backend's object of a fresh recorder: labels, image, hardening, secrets kept out of sight. */
  inspect(r: RecorderUnderTest): Promise<void>;
  /** Whether the recorder's container (service) still runs. */
  running(recorderId: string): Promise<boolean>;
  /** Whether anything of the recorder is left but its recordings (container or service, secrets). */
  exists(recorderId: string): Promise<boolean>;
  /** The folder a recorder's session wrote on this host, from the recorder's handle. */
  sessionDir(handle: string, recorderId: string, sessionId: string): Promise<string>;
  /** Removes whatever this run created, also after a failure. */
  cleanup(fleet: FleetServer | undefined): Promise<void>;
  /** A location mapped to this backend where no node can take a recorder (swarm: a label no node carries). */
  unplacedLocation?: string;
  /** The backend's own further specs, run after the scenarios, before `stop`. */
  more?(ctx: ScenarioFleet): void;
  /** The account sends its recordings to a bucket of its own on the run's S3 server (else the fleet keeps them). */
  bucket?: boolean;
}

const PW = { jibri: 'scen-jibri-pw', focus: 'scen-focus-pw', recorder: 'scen-recorder-pw' };
const SECRET = 'scenario-callback-secret';
const ADMIN = 'scenario-admin';
/** Long enough for the restart and the start of a recording before the expiry. */
const HOUR_SECONDS = 30;

export function describeContainerFleet(title: string, backend: ContainerBackendUnderTest): void {
  describe(title, () => {
    let prosody: ProsodyHandle;
    let page: DemoServer;
    let jicofo: FakeJicofo;
    let stack: BreweryStack;
    let fleet: FleetServer | undefined;
    let cb: Receiver;
    let apiKey = '';
    let accountId = '';
    let callbackSecret = '';
    let s3: S3Server | undefined;
    let bucket = '';
    const secretKey = crypto.randomBytes(32).toString('base64');
    const dataDir = path.join(tempDir(`jibri-ts-fleet-${backend.kind}-`), 'data');
    const start = (): Promise<FleetServer> =>
      startFleetServer(
        loadFleetConfig({
          JIBRI_FLEET_PORT: '0', JIBRI_FLEET_DATA_DIR: dataDir, ...fleetRecorderEnv(), JIBRI_FLEET_ADMIN_TOKEN: ADMIN, JIBRI_FLEET_CALLBACK_SECRET: SECRET,
          JIBRI_FLEET_HOUR_SECONDS: String(HOUR_SECONDS), JIBRI_FLEET_DEPLOY_TIMEOUT: '90', JIBRI_FLEET_STOP_GRACE: '60', JIBRI_FLEET_SECRET_KEY: secretKey,
          JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port}`, JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
          JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(page.baseUrl).host,
          ...(s3 ? { JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS: new URL(s3.endpoint).host } : {}),
          ...backend.env(),
        }),
        createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }),
        { callbackBaseDelayMs: 200 },
      );
    const live = (): FleetServer => {
      if (!fleet) throw new Error('the fleet did not start');
      return fleet;
    };

    beforeAll(async () => {
      await backend.start();
      if (backend.bucket) {
        s3 = await sharedS3();
        bucket = await createBucket(s3, `fleet-${backend.kind}`);
      }
      stack = await startBreweryStack(PW);
      ({ prosody, page, jicofo } = stack);
      cb = await startReceiver('/cb');
      fleet = await start();
      const created: Json = await (await fetch(`${fleet.url}/admin/accounts`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: backend.kind }) })).json();
      ({ account_id: accountId, apiKey, callbackSecret } = created);
      fleet.admin.addBalance(accountId, 10);
      const set = await fleet.admin.setDomain(accountId, DOMAIN, fleetDomainConfig({ prosodyPort: prosody.port, jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: page.baseUrl }));
      if (!set.complete) throw new Error(`the domain's test login failed: ${set.error ?? `missing ${set.missing.join(', ')}`}`);
      if (s3) {
        const delivery = { s3_endpoint: s3.endpoint, s3_region: s3.region, s3_bucket: bucket, s3_access_key_id: s3.accessKeyId, s3_secret_access_key: s3.secretAccessKey };
        const res = await fetch(`${fleet.url}/admin/accounts/${accountId}/domains/${DOMAIN}/delivery`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(delivery) });
        if (res.status !== 200) throw new Error(`the delivery settings were refused: ${await res.text()}`);
      }
    });

    afterAll(async () => {
      await backend.cleanup(fleet).catch((err: unknown) => console.error(`cleaning up the ${backend.kind} backend: ${String(err)}`));
      await fleet?.stop();
      await stack?.stop();
      await cb?.close();
      await backend.stop();
    });

    let deploymentId = '';
    let recorders: Array<{ recorder_id: string; recorder_ip: string }> = [];

    it("deploys 2 recorders from the seed's curl request: labelled, hardened, idle and healthy in the brewery; the signed callback arrives", async () => {
      const res = await seedCurl(live().url, { apiKey, domain: DOMAIN, recorders: '2', duration: '1', location: 'fra', callback_url: cb.url });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ it: 'worked', message: 'your deployment will join your jitsi soon', balance: 8 });
      deploymentId = res.body.deployment_id;
      const callback = await waitFor('the callback', () => cb.got.find((g) => g.body.deployment_info?.deployment_id === deploymentId), 120000, 250);
      expect(callback.body).toMatchObject({ it: 'worked', message: 'deployment successful' });
      // Signed with the account's own secret, over the timestamp, the deployment id and the body.
      const signed = `${String(callback.headers['x-jod-timestamp'])}.${deploymentId}.${callback.raw}`;
      expect(callback.headers['x-jod-signature']).toBe(`v2=${crypto.createHmac('sha256', callbackSecret).update(signed).digest('hex')}`);
      recorders = callback.body.deployment_info.recorders;
      expect(recorders).toHaveLength(2);
      for (const r of recorders) {
        expect(r).toEqual({ recorder_id: expect.stringMatching(/^[0-9a-f-]{36}$/), recorder_ip: '127.0.0.1' });
        expect(await jicofo.waitFor(`${r.recorder_id} in the brewery`, () => jicofo.lastPresenceOf(`${BREWERY}/${r.recorder_id}`), 10000)).toMatchObject({ busy: 'idle', health: 'healthy' });
        await backend.inspect({ recorderId: r.recorder_id, deploymentId, xmppServer: `127.0.0.1:${prosody.port}`, passwords: [PW.jibri, PW.recorder, ...(s3 ? [s3.secretAccessKey] : [])], fleet: live(), dataDir });
      }
    });

    it('a restarted fleet finds both again through its database and the engine, and keeps the expiry', async () => {
      const expiresAt = live().store.deployment(deploymentId)?.expiresAt;
      await live().stop();
      fleet = undefined;
      fleet = await start();
      expect(fleet.store.deployment(deploymentId)).toMatchObject({ state: 'ready', expiresAt });
      expect(fleet.store.recorders(deploymentId).map((r) => r.state)).toEqual(['ready', 'ready']);
      for (const r of recorders) expect(await backend.running(r.recorder_id)).toBe(true);
    });

    it("a Jicofo stand-in records through one; at the paid end the idle one goes, the busy one's session is stopped and finalized, and Jicofo gets off", async () => {
      const busy = recorders[0]!;
      const idle = recorders[1]!;
      const session = `${backend.kind}-session`;
      const startIq = `<iq type="set" id="${session}-start" to="${BREWERY}/${busy.recorder_id}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="${backend.kind}room@${DOMAINS.muc}" session_id="${session}"/></iq>`;
      expect((await jicofo.sendIq(startIq)).reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
      await jicofo.waitFor('on', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${busy.recorder_id}` && s.jibri.attrs.status === 'on'), 30000);

      await waitFor('the expiry', () => (live().store.deployment(deploymentId)?.state !== 'ready' ? true : undefined), HOUR_SECONDS * 1000 + 10000, 200);
      await jicofo.waitFor('off', () => jicofo.statusIqs.find((s) => s.from === `${BREWERY}/${busy.recorder_id}` && s.jibri.attrs.status === 'off'), 30000);
      await waitFor('the deployment to end', () => (live().store.deployment(deploymentId)?.state === 'ended' ? true : undefined), 90000, 250);
      for (const r of [busy, idle]) expect(await backend.exists(r.recorder_id)).toBe(false);
      // Its recording was delivered before its recorder went, and the recorder's copy with it.
      const removedAt = Date.parse((inspectDatabase(live().store.file, (db) => db.prepare('SELECT removed_at FROM recorders WHERE id = ?').get(busy.recorder_id)) as { removed_at: string }).removed_at);
      const row = await deliveredRecording(live(), session, 1000);
      expect(Date.parse(row.updated_at as string)).toBeLessThanOrEqual(removedAt);
      const media = (JSON.parse(row.files as string) as Array<{ role: string; sha256: string }>).find((f) => f.role === 'media')!;
      if (s3) {
        expect(row).toMatchObject({ target: 'bucket', bucket, endpoint: s3.endpoint });
        expect((await objectFacts(s3, bucket, row.media_key as string)).sha256).toBe(media.sha256);
      } else {
        const kept = await keptRecording(live(), session, 1000);
        expect(fs.existsSync(path.join(kept.dir, 'metadata.json'))).toBe(true);
      }
      const handle = live().store.recorders(deploymentId).find((r) => r.id === busy.recorder_id)?.handle;
      expect(mediaLeftIn(await backend.sessionDir(handle!, busy.recorder_id, session))).toBe(false);
    });

    if (backend.unplacedLocation) {
      const location = backend.unplacedLocation;
      it(`a location whose label no node carries gets the seed's failure callback and its refund, and leaves nothing behind`, async () => {
        const before = live().store.balance(accountId);
        const res = await seedCurl(live().url, { apiKey, domain: DOMAIN, recorders: '1', duration: '1', location, callback_url: cb.url });
        expect(res.status).toBe(200);
        const id = res.body.deployment_id as string;
        const failed = await waitFor('the failure callback', () => cb.got.find((g) => g.body.it === 'failed'), 30000, 100);
        expect(failed.body).toEqual({ it: 'failed', message: NOT_AVAILABLE });
        expect(live().store.deployment(id)).toMatchObject({ state: 'failed', message: NOT_AVAILABLE });
        expect(live().store.balance(accountId)).toBe(before);
        for (const r of live().store.recorders(id)) expect(await backend.exists(r.id)).toBe(false);
      });
    }

    backend.more?.({ fleet: live, dataDir });
  });
}
