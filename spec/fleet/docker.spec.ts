/**
 * The fleet's docker backend against a real Docker engine (started by scripts/dockerd.sh when none
 * runs) and the jibri-ts image (built by scripts/container-check.sh, which `npm test` runs first):
 * containers with the right labels, environment and hardening; found again after a fleet restart;
 * removed at expiry. A real Prosody and a Jicofo stand-in check the container joined the brewery.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import Docker from 'dockerode';
import type { DemoServer } from '../../lib/demo/server';
import { LABELS } from '../../packages/fleet/lib/backends/docker';
import { loadFleetConfig } from '../../packages/fleet/lib/config';
import { startFleetServer, type FleetServer } from '../../packages/fleet/lib/server';
import { createLogger } from '../../lib/log';
import { BREWERY, FakeJicofo } from '../../testkit/fake-jicofo';
import { startBreweryStack, type BreweryStack } from '../support/brewery';
import { DOMAINS, type ProsodyHandle } from '../../testkit/prosody';
import { startReceiver, type Receiver } from '../../testkit/receiver';
import { ROOT, tempDir, waitFor } from '../../testkit/service';

const IMAGE = process.env.JIBRI_FLEET_DOCKER_IMAGE ?? 'jibri-ts:local';
const PW = { jibri: 'dock-jibri-pw', focus: 'dock-focus-pw', recorder: 'dock-recorder-pw' };
const HOUR_SECONDS = 20;
const SECRET_KEY = crypto.randomBytes(32).toString('base64');

describe('the fleet with the docker backend', () => {
  const docker = new Docker();
  let prosody: ProsodyHandle;
  let page: DemoServer;
  let jicofo: FakeJicofo;
  let stack: BreweryStack;
  let fleet: FleetServer;
  let cb: Receiver;
  const dataDir = path.join(tempDir('jibri-ts-fleet-docker-'), 'data');
  const start = (): Promise<FleetServer> =>
    startFleetServer(
      loadFleetConfig({
        JIBRI_FLEET_PORT: '0', JIBRI_FLEET_DATA_DIR: dataDir, JIBRI_FLEET_ADMIN_TOKEN: 'docker-admin', JIBRI_FLEET_CALLBACK_SECRET: 'docker-secret',
        JIBRI_FLEET_HOUR_SECONDS: String(HOUR_SECONDS), JIBRI_FLEET_LOCATIONS: 'fra=docker', JIBRI_FLEET_DOCKER_IMAGE: IMAGE, JIBRI_FLEET_DEPLOY_TIMEOUT: '90',
        JIBRI_FLEET_SECRET_KEY: SECRET_KEY, JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${cb.port}`, JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
      }),
      createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }),
      { callbackBaseDelayMs: 200 },
    );

  beforeAll(async () => {
    execFileSync('bash', [`${ROOT}/scripts/dockerd.sh`], { stdio: 'inherit' });
    const images = await docker.listImages({ filters: { reference: [IMAGE] } });
    if (!images.length) throw new Error(`the image ${IMAGE} does not exist: build it with bash scripts/container-check.sh (npm test runs it before the specs)`);
    stack = await startBreweryStack(PW);
    ({ prosody, page, jicofo } = stack);
    cb = await startReceiver('/cb');
    fleet = await start();
  });

  afterAll(async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.fleet}=true`] } }).catch(() => [])) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await fleet?.stop();
    await stack?.stop();
    await cb?.close();
  });

  it('deploys a labelled, hardened container that joins the brewery; finds it after a restart; removes it at expiry', async () => {
    const { account_id, apiKey } = await (await fetch(`${fleet.url}/admin/accounts`, { method: 'POST', headers: { authorization: 'Bearer docker-admin', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'docker' }) })).json();
    fleet.admin.addBalance(account_id, 5);
    const set = await fleet.admin.setDomain(account_id, 'meet.test', {
      XMPP_SERVER: `127.0.0.1:${prosody.port}`, XMPP_DOMAIN: DOMAINS.xmpp, XMPP_AUTH_DOMAIN: DOMAINS.auth, XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc,
      XMPP_MUC_DOMAIN: DOMAINS.muc, XMPP_HIDDEN_DOMAIN: DOMAINS.hidden, JIBRI_BREWERY_MUC: 'jibribrewery', JIBRI_XMPP_USER: 'jibri', JIBRI_XMPP_PASSWORD: PW.jibri,
      JIBRI_RECORDER_USER: 'recorder', JIBRI_RECORDER_PASSWORD: PW.recorder, PUBLIC_URL: page.baseUrl,
    });
    expect(set.complete).toBe(true);
    const res = await fetch(`${fleet.url}/deploy-recorder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey, domain: 'meet.test', recorders: 1, duration: 1, location: 'fra', callback_url: cb.url }),
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    const id = body.deployment_id as string;
    const callback = await waitFor('the callback', () => cb.got.map((g) => g.body).find((c) => c.deployment_info?.deployment_id === id), 120000, 500);
    const recorderId = callback.deployment_info.recorders[0].recorder_id as string;
    expect((await jicofo.waitFor('the container in the brewery', () => jicofo.lastPresenceOf(`${BREWERY}/${recorderId}`), 10000)).busy).toBe('idle');

    const [c] = await docker.listContainers({ filters: { label: [`${LABELS.recorder}=${recorderId}`] } });
    expect(c).toBeDefined();
    expect(c!.Labels).toMatchObject({ [LABELS.fleet]: 'true', [LABELS.deployment]: id, [LABELS.recorder]: recorderId });
    expect(Date.parse(c!.Labels[LABELS.expires]!)).toBeGreaterThan(Date.now());
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.Config.Image).toBe(IMAGE);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Env).toEqual(expect.arrayContaining([`JIBRI_INSTANCE_ID=${recorderId}`, `XMPP_SERVER=127.0.0.1:${prosody.port}`, 'JIBRI_BREWERY_MUC=jibribrewery']));
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', ReadonlyRootfs: true, CapDrop: ['ALL'], Init: true });
    // Its secrets are read-only files, named by NAME_FILE: neither its environment nor `docker inspect` shows them.
    expect(info.Config.Env).toEqual(expect.arrayContaining(['JIBRI_XMPP_PASSWORD_FILE=/run/secrets/jibri/JIBRI_XMPP_PASSWORD', 'JIBRI_HTTP_API_TOKEN_FILE=/run/secrets/jibri/JIBRI_HTTP_API_TOKEN', 'JIBRI_HTTP_API_INTERNAL_AUTH=true']));
    expect(JSON.stringify(info)).not.toContain(PW.jibri);
    expect(JSON.stringify(info)).not.toContain(PW.recorder);
    expect(info.HostConfig.Binds).toEqual(expect.arrayContaining([expect.stringMatching(/secrets:\/run\/secrets\/jibri:ro$/)]));

    // A restart finds the container again through the database and the engine, and keeps the expiry.
    await fleet.stop();
    fleet = await start();
    expect(fleet.store.deployment(id)?.state).toBe('ready');
    expect(fleet.store.recorders(id).map((r) => r.state)).toEqual(['ready']);
    expect((await docker.getContainer(c!.Id).inspect()).State.Running).toBe(true);

    await waitFor('the container to be removed at expiry', async () => ((await docker.listContainers({ all: true, filters: { label: [`${LABELS.recorder}=${recorderId}`] } })).length === 0 ? true : undefined), HOUR_SECONDS * 1000 + 60000, 1000);
    await waitFor('the deployment to end', () => (fleet.store.deployment(id)?.state === 'ended' ? true : undefined), 10000, 200);
  });
});
