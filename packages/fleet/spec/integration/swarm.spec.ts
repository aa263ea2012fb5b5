/**
 * The fleet's swarm backend on a real Docker Swarm: the engine scripts/dockerd.sh starts, made a
 * single-node swarm for the run when it is in none (and left again after), its node labelled with a
 * location of this run's own; the jibri-ts image that scripts/container-check.sh builds. The docker
 * backend's scenarios (spec/support/fleet-scenarios.ts) run on it: services placed by the node label,
 * hardened, their secrets as Swarm secrets that go with them; a location whose label no node carries
 * fails cleanly. The hop from the fleet to its recorders is TLS only: each recorder serves its APIs over
 * HTTPS with a certificate of the fleet's own CA (plain HTTP gets no answer), the fleet's health checks
 * and its shutdown at the paid end (the scenarios) go that way, and a recorder whose certificate another
 * CA issued, or one that is another recorder's, is refused by the fleet before its token is sent.
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tls from 'node:tls';
import Docker from 'dockerode';
import { LABELS } from '../../lib/backends/docker';
import { NotAvailableError } from '../../lib/backends/backend';
import { LOCATION_LABEL, portsOfLabel, SWARM_LABELS, SwarmBackend, serviceName } from '../../lib/backends/swarm';
import { CA_FOLDER, RecorderCa, recorderIdentity } from '../../lib/recorder-ca';
import { describeContainerFleet } from '../support/fleet-scenarios';
import { freePort, ROOT, tempDir, waitFor } from '../../../../testkit/service';
import { startTestSwarm, type TestSwarm } from '../../../../testkit/swarm';

const IMAGE = process.env.JIBRI_FLEET_DOCKER_IMAGE ?? 'jibri-ts:local';
const docker = new Docker();
// This run's own label value: the engine is shared, and nothing of another run is placed by it.
const LABEL_VALUE = `jibri-ts-swarm-spec-${crypto.randomBytes(4).toString('hex')}`;
let swarm: TestSwarm | undefined;
let firstPort = 0;
/** The image by its id: Swarm pulls an image named by a tag before it runs it, and no registry is reachable here. */
let imageId = '';

interface ServiceInfo {
  ID: string;
  Spec: Docker.ServiceSpec & { Labels: Record<string, string>; TaskTemplate: Docker.ContainerTaskSpec };
}
const serviceOf = async (recorderId: string): Promise<ServiceInfo | undefined> =>
  ((await docker.listServices({ filters: { label: [`${LABELS.recorder}=${recorderId}`] } })) as ServiceInfo[])[0];
const secretsOf = async (recorderId: string): Promise<Array<{ ID: string; Spec: { Name: string; Labels: Record<string, string> } }>> =>
  (await docker.listSecrets({ filters: { label: [`${LABELS.recorder}=${recorderId}`] } })) as unknown as Array<{ ID: string; Spec: { Name: string; Labels: Record<string, string> } }>;
const tasksOf = async (recorderId: string): Promise<Array<{ DesiredState: string; Status: { State: string } }>> =>
  docker.listTasks({ filters: { service: [serviceName(recorderId)] } }).catch(() => []);

/** Runs a command in a container and answers its output. */
async function execIn(containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  // The stream is multiplexed: 8-byte frame headers before each piece of output.
  const all = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= all.length; ) {
    const size = all.readUInt32BE(i + 4);
    out += all.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}

/** Removes a recorder's recordings volume (kept by the fleet) once its container is gone. */
async function removeRecordingsVolume(recorderId: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const err = await docker.getVolume(`${serviceName(recorderId)}-recordings`).remove().then(() => undefined, (e: { statusCode?: number }) => e);
    if (!err || err.statusCode === 404) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The addresses this host's TCP sockets listen on at a port (IPv4 as dotted quads; IPv6 as the kernel writes them). */
function listenersOn(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').slice(1)).map((l) => l.trim().split(/\s+/));
  return rows
    .filter((c) => c[3] === '0A' && c[1]?.endsWith(`:${hex}`))
    .map((c) => c[1]!.split(':')[0]!)
    .map((a) => (a.length === 8 ? (a.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.') : a));
}

/** What a plain HTTP request to a port gets: its status, or that no HTTP answer came. */
function plainHttp(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/jibri/api/v1.0/health', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`no HTTP answer (${err.code ?? err.message})`));
  });
}

/** The certificate a port presents to a client that trusts `ca` alone (the chain must verify). */
function peerCertificate(port: number, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, checkServerIdentity: () => undefined }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

describeContainerFleet('the fleet with the swarm backend', {
  kind: 'swarm',
  env: () => ({
    JIBRI_FLEET_LOCATIONS: 'fra=swarm,sgp=swarm',
    JIBRI_FLEET_SWARM_LOCATIONS: `fra=${LABEL_VALUE},sgp=${LABEL_VALUE}-nowhere`,
    JIBRI_FLEET_SWARM_PORTS: `${firstPort}-${firstPort + 19}`,
    // Two cores here: small reservations, so that the two recorders fit on the one node.
    JIBRI_FLEET_SWARM_CPUS: '0.25',
    JIBRI_FLEET_SWARM_MEMORY_MB: '256',
    JIBRI_FLEET_DOCKER_IMAGE: imageId,
  }),
  start: async () => {
    execFileSync('bash', [`${ROOT}/scripts/dockerd.sh`], { stdio: 'inherit' });
    const images = await docker.listImages({ filters: { reference: [IMAGE] } });
    if (!images.length) throw new Error(`the image ${IMAGE} does not exist: build it with bash scripts/container-check.sh (npm test runs it before the specs)`);
    imageId = (await docker.getImage(IMAGE).inspect()).Id;
    swarm = await startTestSwarm(docker, LABEL_VALUE);
    firstPort = await freePort();
  },
  stop: async () => {
    await swarm?.release();
  },
  inspect: async ({ recorderId, deploymentId, xmppServer, passwords, fleet, dataDir }) => {
    const s = await serviceOf(recorderId);
    expect(s).toBeDefined();
    expect(s!.Spec.Name).toBe(serviceName(recorderId));
    expect(s!.Spec.Labels).toMatchObject({ [LABELS.fleet]: 'true', [LABELS.deployment]: deploymentId, [LABELS.recorder]: recorderId });
    expect(Date.parse(s!.Spec.Labels[LABELS.expires]!)).toBeGreaterThan(Date.now());
    expect(s!.Spec.Labels[SWARM_LABELS.ports]).toMatch(/^\d+,\d+$/);
    expect(s!.Spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    const task = s!.Spec.TaskTemplate;
    expect(task.RestartPolicy).toMatchObject({ Condition: 'none' });
    expect(task.Placement?.Constraints).toEqual([`node.labels.${LOCATION_LABEL}==${LABEL_VALUE}`]);
    // One network, the swarm's id of the host network (the container's network mode below).
    expect(task.Networks).toHaveLength(1);
    const c = task.ContainerSpec!;
    expect(c.Image).toBe(imageId);
    expect(c).toMatchObject({ User: '1000:1000', ReadOnly: true, Init: true, CapabilityDrop: ['ALL'], StopSignal: 'SIGINT' });
    expect(c.Mounts).toEqual(expect.arrayContaining([expect.objectContaining({ Type: 'volume', Target: '/tmp' }), expect.objectContaining({ Type: 'volume', Target: '/storage/recordings' })]));
    expect(c.Env).toEqual(expect.arrayContaining([`JIBRI_INSTANCE_ID=${recorderId}`, `XMPP_SERVER=${xmppServer}`, 'JIBRI_BREWERY_MUC=jibribrewery', 'JIBRI_HTTP_API_INTERNAL_AUTH=true']));
    // Its APIs on the node's own address (this single-node swarm's is loopback), never on every interface.
    const hosts = (c.Env ?? []).filter((e) => /^JIBRI_HTTP_API_(EXTERNAL|INTERNAL)_HOST=/.test(e)).map((e) => e.split('=')[1]);
    expect(hosts).toEqual(['127.0.0.1', '127.0.0.1']);
    const ports = (s!.Spec?.Labels?.[SWARM_LABELS.ports] ?? '').split(',').map(Number);
    // Host network: the container's sockets are the host's; none of its ports listens on 0.0.0.0 or ::.
    for (const port of ports) expect(listenersOn(port)).toEqual(['127.0.0.1']);
    // Its secrets are Swarm secrets, files for uid 1000 named by NAME_FILE: neither its environment nor the service shows them.
    expect(c.Env).toEqual(expect.arrayContaining(['JIBRI_XMPP_PASSWORD_FILE=/run/secrets/JIBRI_XMPP_PASSWORD', 'JIBRI_RECORDER_PASSWORD_FILE=/run/secrets/JIBRI_RECORDER_PASSWORD', 'JIBRI_HTTP_API_TOKEN_FILE=/run/secrets/JIBRI_HTTP_API_TOKEN']));
    expect(c.Secrets?.map((x) => x.File)).toEqual(expect.arrayContaining([{ Name: 'JIBRI_XMPP_PASSWORD', UID: '1000', GID: '1000', Mode: 0o400 }]));
    expect((await secretsOf(recorderId)).map((x) => x.Spec.Labels[SWARM_LABELS.secret]).sort()).toEqual(['JIBRI_HTTP_API_TLS_CERT', 'JIBRI_HTTP_API_TLS_KEY', 'JIBRI_HTTP_API_TOKEN', 'JIBRI_RECORDER_PASSWORD', 'JIBRI_XMPP_PASSWORD']);
    // Its certificate and key from the fleet's CA are two more of them: it serves both APIs over HTTPS only.
    expect(c.Env).toEqual(expect.arrayContaining(['JIBRI_HTTP_API_TLS_CERT_FILE=/run/secrets/JIBRI_HTTP_API_TLS_CERT', 'JIBRI_HTTP_API_TLS_KEY_FILE=/run/secrets/JIBRI_HTTP_API_TLS_KEY']));
    expect(JSON.stringify(s)).not.toContain('PRIVATE KEY');
    const caPem = fs.readFileSync(path.join(dataDir, CA_FOLDER, 'ca.pem'), 'utf8');
    const caName = new crypto.X509Certificate(caPem).subject.replace(/^CN=/, '');
    for (const port of ports) {
      // Plain HTTP gets no HTTP answer on either port: nothing can be asked, nor a token sent, in clear.
      expect(await plainHttp(port)).toMatch(/^no HTTP answer/);
      // Over TLS, trusting the fleet's CA alone, the certificate verifies and names this recorder, not an address.
      const peer = await peerCertificate(port, caPem);
      expect(peer.subjectaltname).toBe(`DNS:${recorderIdentity(recorderId)}`);
      expect(peer.issuer.CN).toBe(caName);
    }
    // The fleet's own call goes over TLS and is answered; the same address with another recorder's identity is refused.
    const handle = fleet.store.recorders(deploymentId).find((r) => r.id === recorderId)?.handle;
    const token = fleet.store.recorderToken(recorderId) ?? '';
    expect(await fleet.backends.swarm!.apiAddress(handle!)).toEqual({ host: '127.0.0.1', port: ports[0], tls: { ca: caPem, recorderId } });
    expect(await fleet.backends.swarm!.health(handle!, token)).toEqual({ busy: false, healthy: true });
    expect(await fleet.backends.swarm!.health(JSON.stringify({ ...JSON.parse(handle!), recorderId: crypto.randomUUID() }), token)).toBeUndefined();
    for (const pw of passwords) expect(JSON.stringify(s)).not.toContain(pw);
    // The container Swarm made for it has the hardening too, on the host network.
    const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.id=${s!.ID}`] } });
    const info = await docker.getContainer(container!.Id).inspect();
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', ReadonlyRootfs: true, CapDrop: ['ALL'], Init: true });
    for (const pw of passwords) expect(JSON.stringify(info)).not.toContain(pw);
    // /tmp is a tmpfs that allows exec; the secrets are 0400 files of uid 1000.
    const tmp = await execIn(container!.Id, ['sh', '-c', 'grep " /tmp " /proc/mounts; stat -c "%a %u" /run/secrets/JIBRI_XMPP_PASSWORD /run/secrets/JIBRI_HTTP_API_TLS_KEY']);
    expect(tmp).toMatch(/^tmpfs \/tmp tmpfs (?![^ ]*noexec)[^ ]* /m);
    expect(tmp.match(/^400 1000$/gm)).toHaveLength(2);
    // The image's health check follows the recorder onto HTTPS (Swarm replaces a container whose check fails).
    expect(await execIn(container!.Id, ['sh', '-c', 'jibri-ts status --check && echo healthcheck-passed'])).toContain('healthcheck-passed');
  },
  // 'starting' too: Swarm says so until the image's HEALTHCHECK first passed (after its 30 s interval).
  running: async (recorderId) => (await tasksOf(recorderId)).some((t) => t.DesiredState === 'running' && ['starting', 'running'].includes(t.Status.State)),
  exists: async (recorderId) =>
    (await serviceOf(recorderId)) !== undefined ||
    (await secretsOf(recorderId)).length > 0 ||
    ((await docker.listVolumes({ filters: { label: [`${SWARM_LABELS.tmp}=true`, `${LABELS.recorder}=${recorderId}`] } })).Volumes ?? []).length > 0,
  sessionDir: async (_handle, recorderId, sessionId) => {
    const volume = (await docker.getVolume(`${serviceName(recorderId)}-recordings`).inspect()) as { Mountpoint: string };
    return path.join(volume.Mountpoint, sessionId);
  },
  cleanup: async (fleet) => {
    const ids = new Set<string>();
    for (const d of fleet?.store.deploymentsIn(['deploying', 'ready', 'expiring', 'ended', 'failed']) ?? []) for (const r of fleet!.store.recorders(d.id)) ids.add(r.id);
    for (const id of ids) {
      await docker.getService(serviceName(id)).remove().catch(() => undefined);
      for (const s of await secretsOf(id)) await docker.getSecret(s.ID).remove().catch(() => undefined);
    }
    for (const v of (await docker.listVolumes({ filters: { label: [`${SWARM_LABELS.tmp}=true`], dangling: ['true'] } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    // The recordings' volumes are kept by the fleet; this run's go once their containers are gone.
    for (const id of ids) await removeRecordingsVolume(id);
  },
  unplacedLocation: 'sgp',
  more: (ctx) => {
    it("a recorder of another CA is refused by the fleet; a recorder binds the one of its listed addresses that is its node's; its own checks follow it onto HTTPS", async () => {
      // Another fleet's CA, as an impostor on a recorder's address would have at best; and a location of two
      // nodes, the first an address that is not this node's (a documentation address).
      class TwoNodes extends SwarmBackend {
        override async nodesOf(location: string): Promise<string[]> {
          return ['192.0.2.10', ...(await super.nodesOf(location))];
        }
      }
      const other = new TwoNodes({ image: imageId, placement: { fra: LABEL_VALUE }, ports: { first: firstPort + 30, last: firstPort + 39 }, reserve: { nanoCpus: 0.25e9, memoryBytes: 256 * 2 ** 20 }, ca: await RecorderCa.open(tempDir('jibri-ts-other-ca-')) });
      const recorderId = crypto.randomUUID();
      const token = crypto.randomBytes(32).toString('base64url');
      const env = { JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', ENABLE_STATS_D: 'false', JIBRI_INSTANCE_ID: recorderId, JIBRI_HTTP_API_INTERNAL_AUTH: 'true' };
      const { handle } = await other.create({ recorderId, deploymentId: 'other-ca', location: 'fra', expiresAt: new Date(Date.now() + 600000).toISOString(), env, secrets: { JIBRI_HTTP_API_TOKEN: token } });
      try {
        // It runs, and answers whoever trusts its own CA.
        expect(await waitFor('the recorder of the other CA', () => other.health(handle, token), 90000, 500)).toMatchObject({ busy: false });
        const s = await serviceOf(recorderId);
        expect(s!.Spec.TaskTemplate.ContainerSpec!.Env).toEqual(expect.arrayContaining(['JIBRI_HTTP_API_EXTERNAL_HOST=192.0.2.10,127.0.0.1', 'JIBRI_HTTP_API_INTERNAL_HOST=192.0.2.10,127.0.0.1']));
        // The health that answered came through the external API; the internal one binds just after it.
        for (const port of portsOfLabel(s!.Spec.Labels[SWARM_LABELS.ports])) {
          expect(await waitFor(`a listener on port ${port}`, () => (listenersOn(port).length ? listenersOn(port) : undefined), 15000, 100)).toEqual(['127.0.0.1']);
        }
        // The fleet trusts its own CA alone: no health, and its shutdown never reaches the recorder.
        const fleetSwarm = ctx.fleet().backends.swarm!;
        expect(await fleetSwarm.health(handle, token)).toBeUndefined();
        await fleetSwarm.shutdown(handle, token);
        await new Promise((r) => setTimeout(r, 2000));
        expect(await other.running(handle)).toBe(true);
        expect(await other.health(handle, token)).toMatchObject({ busy: false });
        // Inside, the image's health check and the preStop hook find the listed address that is theirs, over
        // HTTPS: the health check passes; the hook's gracefulShutdown (with the token) is taken, the recorder exits.
        const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.id=${s!.ID}`] } });
        expect(await execIn(container!.Id, ['sh', '-c', 'jibri-ts status --check && echo healthcheck-passed'])).toContain('healthcheck-passed');
        expect(await execIn(container!.Id, ['node', '/app/prestop.js'])).toContain('gracefulShutdown answered 200');
        await waitFor('the drained recorder to exit', async () => !(await other.running(handle)) || undefined, 30000, 500);
      } finally {
        await other.remove(handle);
        await removeRecordingsVolume(recorderId);
      }
      expect(await serviceOf(recorderId)).toBeUndefined();
    });

    it("a location whose nodes have no room for the recorder's reservation is not available, and nothing of it is left", async () => {
      const backend = new SwarmBackend({ image: imageId, placement: { fra: LABEL_VALUE }, ports: { first: firstPort + 20, last: firstPort + 29 }, reserve: { nanoCpus: 1000e9, memoryBytes: 0 }, ca: await RecorderCa.open(ctx.dataDir) });
      const recorderId = crypto.randomUUID();
      const created = backend.create({ recorderId, deploymentId: 'no-room', location: 'fra', expiresAt: new Date(Date.now() + 60000).toISOString(), env: {}, secrets: { JIBRI_HTTP_API_TOKEN: 'no-room-token' } });
      await expect(created).rejects.toThrow(NotAvailableError);
      await expect(created).rejects.toThrow(/no suitable node \(insufficient resources on 1 node\)/);
      expect(await serviceOf(recorderId)).toBeUndefined();
      expect(await secretsOf(recorderId)).toEqual([]);
    });
  },
});
