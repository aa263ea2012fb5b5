/**
 * The fleet's docker backend against a real Docker engine (started by scripts/dockerd.sh when none
 * runs) and the jibri-ts image (built by scripts/container-check.sh, which `npm test` runs first):
 * containers with the right labels, environment and hardening; found again after a fleet restart; a
 * recording through one, delivered to the account's bucket on the run's S3 server before the container
 * goes; removed at expiry. The scenarios are shared with the swarm backend
 * (spec/support/fleet-scenarios.ts).
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import Docker from 'dockerode';
import { LABELS } from '../../lib/backends/docker';
import { describeContainerFleet } from '../support/fleet-scenarios';
import { ROOT } from '../../../../testkit/service';

const IMAGE = process.env.JIBRI_FLEET_DOCKER_IMAGE ?? 'jibri-ts:local';
const docker = new Docker();
const containerOf = async (recorderId: string): Promise<Docker.ContainerInfo | undefined> =>
  (await docker.listContainers({ all: true, filters: { label: [`${LABELS.recorder}=${recorderId}`] } }))[0];

describeContainerFleet('the fleet with the docker backend', {
  kind: 'docker',
  bucket: true,
  env: () => ({ JIBRI_FLEET_LOCATIONS: 'fra=docker', JIBRI_FLEET_DOCKER_IMAGE: IMAGE }),
  start: async () => {
    execFileSync('bash', [`${ROOT}/scripts/dockerd.sh`], { stdio: 'inherit' });
    const images = await docker.listImages({ filters: { reference: [IMAGE] } });
    if (!images.length) throw new Error(`the image ${IMAGE} does not exist: build it with bash scripts/container-check.sh (npm test runs it before the specs)`);
  },
  stop: async () => undefined,
  inspect: async ({ recorderId, deploymentId, xmppServer, passwords }) => {
    const c = await containerOf(recorderId);
    expect(c).toBeDefined();
    expect(c!.Labels).toMatchObject({ [LABELS.fleet]: 'true', [LABELS.deployment]: deploymentId, [LABELS.recorder]: recorderId });
    expect(Date.parse(c!.Labels[LABELS.expires]!)).toBeGreaterThan(Date.now());
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.Config.Image).toBe(IMAGE);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Env).toEqual(expect.arrayContaining([`JIBRI_INSTANCE_ID=${recorderId}`, `XMPP_SERVER=${xmppServer}`, 'JIBRI_BREWERY_MUC=jibribrewery']));
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', ReadonlyRootfs: true, CapDrop: ['ALL'], Init: true });
    // Its secrets are read-only files, named by NAME_FILE: neither its environment nor `docker inspect` shows them.
    expect(info.Config.Env).toEqual(expect.arrayContaining(['JIBRI_XMPP_PASSWORD_FILE=/run/secrets/jibri/JIBRI_XMPP_PASSWORD', 'JIBRI_HTTP_API_TOKEN_FILE=/run/secrets/jibri/JIBRI_HTTP_API_TOKEN', 'JIBRI_HTTP_API_INTERNAL_AUTH=true']));
    // The account's bucket, its secret key a file too; the recorder keeps each recording until the fleet has it.
    expect(info.Config.Env).toEqual(expect.arrayContaining(['JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY_FILE=/run/secrets/jibri/JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY', 'JIBRI_UPLOAD_PUBLIC_ONLY=true', 'JIBRI_RECORDINGS_HANDOFF=true']));
    for (const pw of passwords) expect(JSON.stringify(info)).not.toContain(pw);
    expect(info.HostConfig.Binds).toEqual(expect.arrayContaining([expect.stringMatching(/secrets:\/run\/secrets\/jibri:ro$/)]));
  },
  running: async (recorderId) => {
    const c = await containerOf(recorderId);
    return c ? (await docker.getContainer(c.Id).inspect()).State.Running : false;
  },
  exists: async (recorderId) => (await containerOf(recorderId)) !== undefined,
  sessionDir: async (handle, _recorderId, sessionId) => path.join((JSON.parse(handle) as { dir: string }).dir, 'recordings', sessionId),
  cleanup: async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.fleet}=true`] } }).catch(() => [])) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  },
});
