/**
 * Recorders as Docker Swarm services, through the Docker Engine API of a manager (dockerode): one
 * service per recorder, one replica, never restarted, placed on the nodes whose label
 * `jibri-location` names the deployment's location (the mapping is JIBRI_FLEET_SWARM_LOCATIONS), so
 * one fleet spreads a location's recorders over its nodes. The container runs with the docker
 * backend's hardening (uid 1000, read-only root, tmpfs /tmp, no capabilities, an init) on the node's
 * host network, on two ports the fleet gives it from JIBRI_FLEET_SWARM_PORTS (unique across its
 * services, so unique on every node), bound to its node's own address (it gets the addresses of the
 * location's nodes and binds the one that is its node's), not to every interface, and speaking HTTPS only
 * with a certificate of the fleet's recorder CA that names the recorder (recorder-ca.ts); the fleet
 * trusts that CA alone and checks the name (recorder-api.ts). Its secrets (the certificate's key among
 * them) are Swarm secrets (encrypted in the managers' Raft log, mounted as 0400 files for uid 1000, never
 * in its environment) that go with the service. Its
 * recordings go to a named volume on its node, labelled like the service and kept after it: the fleet
 * never deletes a recording. A location where no node carries the label, or where Swarm finds no
 * node with room for the service's reservation, is "not available" (the seed's failure callback).
 */
import Docker from 'dockerode';
import { NotAvailableError, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import type { PortRange } from '../config';
import type { RecorderCa } from '../recorder-ca';
import { fetchHealth, postShutdown, type RecorderAddress } from './recorder-api';
import { LABELS } from './docker';

/** The node label that names a node's location. */
export const LOCATION_LABEL = 'jibri-location';
/** Where the image keeps recordings (docker-jitsi-meet's layout); the per-recorder volume is mounted there. */
const RECORDINGS = '/storage/recordings';
/**
 * Labels beyond the docker backend's: the ports a service holds, the setting a secret holds, and the
 * mark of a recorder's /tmp volume (which never holds a recording, so pruning such volumes is safe).
 */
export const SWARM_LABELS = { ports: 'jibri-ts.ports', secret: 'jibri-ts.secret', tmp: 'jibri-ts.tmp' } as const;
/** A recorder gets this long to finalize its recording when its service is stopped. */
const STOP_GRACE_SEC = 60;
/** Task states after which the task never runs again. */
const TERMINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

export interface SwarmBackendOptions {
  image: string;
  /** Label value of each location's nodes (default: the location's name). */
  placement: Partial<Record<string, string>>;
  ports: PortRange;
  /** What Swarm reserves on a node for each recorder: a node without that much left gets none. */
  reserve: { nanoCpus: number; memoryBytes: number };
  /** How long a new service may take to be given a node. */
  scheduleTimeoutMs?: number;
  /** Issues each recorder its certificate; the fleet reaches the recorders over HTTPS trusting it alone. */
  ca: RecorderCa;
  docker?: Docker;
}

interface SwarmHandle {
  recorderId: string;
  service: string;
  /** The node's address, where the recorder's APIs listen. */
  ip: string;
  port: number;
  internalPort: number;
}

/** The service name of a recorder (its secrets and volume share the prefix). */
export function serviceName(recorderId: string): string {
  return `jibri-ts-${recorderId}`;
}

/** Pure: the location's label value, and the placement constraint it makes. */
export function placementFor(location: string, placement: Partial<Record<string, string>>): { value: string; constraint: string } {
  const value = placement[location] ?? location;
  return { value, constraint: `node.labels.${LOCATION_LABEL}==${value}` };
}

/** Pure: the lowest two ports of the range that neither a service nor a pending create holds. */
export function pickPorts(range: PortRange, used: ReadonlySet<number>): { port: number; internalPort: number } | undefined {
  const free: number[] = [];
  for (let p = range.first; p <= range.last && free.length < 2; p++) if (!used.has(p)) free.push(p);
  return free.length === 2 ? { port: free[0]!, internalPort: free[1]! } : undefined;
}

/** Pure: the ports a service's label holds. */
export function portsOfLabel(label: string | undefined): number[] {
  return (label ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/** Pure: whether Swarm says no node can take the task (no node with the label, or none with room). */
export function unschedulable(task: { Status?: { State?: string; Err?: string } }): boolean {
  return task.Status?.State === 'pending' && /no suitable node/.test(task.Status.Err ?? '');
}

/** Pure: a node's address as the other nodes reach it (a manager may report 0.0.0.0 as its Status.Addr). */
export function nodeAddress(node: { Status?: { Addr?: string }; ManagerStatus?: { Addr?: string } }): string | undefined {
  const addr = node.Status?.Addr;
  if (addr && addr !== '0.0.0.0') return addr;
  const manager = node.ManagerStatus?.Addr;
  return manager ? manager.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') : undefined;
}

/** Pure: the labels every object of a recorder carries (service, container, secrets, volume). */
export function recorderLabels(spec: Pick<RecorderSpec, 'recorderId' | 'deploymentId' | 'expiresAt'>): Record<string, string> {
  return { [LABELS.fleet]: 'true', [LABELS.deployment]: spec.deploymentId, [LABELS.recorder]: spec.recorderId, [LABELS.expires]: spec.expiresAt };
}

/** Pure: the service the manager is asked to create; `secrets` maps each secret setting to its Swarm secret. */
export function serviceSpec(
  opts: Pick<SwarmBackendOptions, 'image' | 'placement' | 'reserve'>,
  spec: RecorderSpec,
  ports: { port: number; internalPort: number },
  secrets: Record<string, { id: string; name: string }>,
  nodeAddresses: readonly string[],
): Docker.CreateServiceOptions {
  // The recorder binds the one of these that is its node's (the fleet reaches it there), not 0.0.0.0.
  const bindTo = nodeAddresses.join(',');
  const labels = recorderLabels(spec);
  const env = {
    ...spec.env,
    ...Object.fromEntries(Object.keys(secrets).map((name) => [`${name}_FILE`, `/run/secrets/${name}`])),
    // The fleet reaches both APIs on the node's address; both take only the recorder's own token.
    JIBRI_HTTP_API_EXTERNAL_HOST: bindTo,
    JIBRI_HTTP_API_EXTERNAL_PORT: String(ports.port),
    JIBRI_HTTP_API_INTERNAL_HOST: bindTo,
    JIBRI_HTTP_API_INTERNAL_PORT: String(ports.internalPort),
    JIBRI_RECORDING_DIR: RECORDINGS,
  };
  return {
    Name: serviceName(spec.recorderId),
    Labels: { ...labels, [SWARM_LABELS.ports]: `${ports.port},${ports.internalPort}` },
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: opts.image,
        Args: ['serve'],
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        // Not the fleet label: the docker backend finds its containers by that one, and this container is the service's.
        Labels: { [LABELS.deployment]: spec.deploymentId, [LABELS.recorder]: spec.recorderId },
        User: '1000:1000',
        ReadOnly: true,
        Init: true,
        CapabilityDrop: ['ALL'],
        // Engines from API 1.46 apply it; older ones ignore the field (no capability can be gained anyway: all are dropped).
        Privileges: { NoNewPrivileges: true } as Docker.Privileges,
        // SIGINT: stop and finalize what still records, then exit; the grace period lets the file be finalized.
        StopSignal: 'SIGINT',
        StopGracePeriod: STOP_GRACE_SEC * 1e9,
        Mounts: [
          // /tmp in memory, as the docker backend's, but with exec (the service runs a small wrapper script from
          // it): a service's own tmpfs mounts are noexec before API 1.46, a local tmpfs volume takes mount
          // options. Anonymous; engines before 23 keep it after the container, so removal prunes it.
          {
            Type: 'volume',
            Source: '',
            Target: '/tmp',
            VolumeOptions: { NoCopy: true, Labels: { [SWARM_LABELS.tmp]: 'true', [LABELS.recorder]: spec.recorderId }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'exec,mode=1777' } } },
          },
          // A new volume takes the image's folder (owned by uid 1000) as its first content.
          { Type: 'volume', Source: `${serviceName(spec.recorderId)}-recordings`, Target: RECORDINGS, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } } },
        ],
        Secrets: Object.entries(secrets).map(([name, s]) => ({ SecretID: s.id, SecretName: s.name, File: { Name: name, UID: '1000', GID: '1000', Mode: 0o400 } })),
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: [placementFor(spec.location, opts.placement).constraint] },
      Resources: { Reservations: { NanoCPUs: opts.reserve.nanoCpus, MemoryBytes: opts.reserve.memoryBytes } },
      Networks: [{ Target: 'host' }],
    },
  };
}

interface TaskInfo {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SwarmBackend implements RecorderBackend {
  readonly kind = 'swarm';
  private readonly docker: Docker;
  /** Ports handed to creates whose service does not exist yet. */
  private readonly pending = new Set<number>();
  private hostNetwork: Promise<string> | undefined;

  constructor(private readonly opts: SwarmBackendOptions) {
    this.docker = opts.docker ?? new Docker();
  }

  /** The fleet's services, found by label (after a restart too). */
  async list(): Promise<Array<{ ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }>> {
    return this.docker.listServices({ filters: { label: [`${LABELS.fleet}=true`] } });
  }

  private async tasks(service: string): Promise<TaskInfo[]> {
    return (await this.docker.listTasks({ filters: { service: [service] } })) as TaskInfo[];
  }

  /** The addresses of a location's ready, active nodes. */
  async nodesOf(location: string): Promise<string[]> {
    const { value } = placementFor(location, this.opts.placement);
    const nodes = (await this.docker.listNodes({ filters: JSON.stringify({ 'node.label': [`${LOCATION_LABEL}=${value}`] }) })) as Array<Parameters<typeof nodeAddress>[0] & { Status?: { State?: string }; Spec?: { Availability?: string } }>;
    return nodes.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active').flatMap((n) => nodeAddress(n) ?? []);
  }

  /** A service names its networks by id: the engine's id of its host network (the manager maps it to the swarm's). */
  private hostNetworkId(): Promise<string> {
    this.hostNetwork ??= this.docker.listNetworks({ filters: { name: ['host'] } }).then((nets: Array<{ Id: string; Name: string }>) => {
      const host = nets.find((n) => n.Name === 'host');
      if (!host) throw new Error('the Docker engine has no host network');
      return host.Id;
    });
    this.hostNetwork.catch(() => (this.hostNetwork = undefined));
    return this.hostNetwork;
  }

  private async allocatePorts(): Promise<{ port: number; internalPort: number }> {
    const services = await this.list();
    // The pending ports are read after the await: a create that ran meanwhile has added its own.
    const used = new Set(this.pending);
    for (const s of services) for (const p of portsOfLabel(s.Spec?.Labels?.[SWARM_LABELS.ports])) used.add(p);
    const ports = pickPorts(this.opts.ports, used);
    if (!ports) throw new NotAvailableError(`every port of JIBRI_FLEET_SWARM_PORTS (${this.opts.ports.first}-${this.opts.ports.last}) is taken by a recorder`);
    this.pending.add(ports.port).add(ports.internalPort);
    return ports;
  }

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const { value } = placementFor(spec.location, this.opts.placement);
    const nodes = await this.nodesOf(spec.location);
    if (!nodes.length) throw new NotAvailableError(`no ready, active swarm node carries node.labels.${LOCATION_LABEL}=${value}`);
    const name = serviceName(spec.recorderId);
    const ports = await this.allocatePorts();
    try {
      const secrets: Record<string, { id: string; name: string }> = {};
      // Its certificate and key go with its other secrets: it serves both APIs over HTTPS only.
      const files = { ...spec.secrets, ...(await this.opts.ca.issue(spec.recorderId, new Date(spec.expiresAt))) };
      // Names stay within Swarm's 64 characters; the setting each one holds is in its label.
      for (const [i, [setting, data]] of Object.entries(files).entries()) {
        const secretName = `${name}-${i}`;
        const created = (await this.docker.createSecret({ Name: secretName, Labels: { ...recorderLabels(spec), [SWARM_LABELS.secret]: setting }, Data: Buffer.from(data).toString('base64') })) as { id: string };
        secrets[setting] = { id: created.id, name: secretName };
      }
      const body = serviceSpec(this.opts, spec, ports, secrets, nodes);
      body.TaskTemplate = { ...body.TaskTemplate, Networks: [{ Target: await this.hostNetworkId() }] };
      await this.docker.createService(body);
      const ip = await this.scheduled(name, value);
      const handle: SwarmHandle = { recorderId: spec.recorderId, service: name, ip, ...ports };
      return { handle: JSON.stringify(handle), ip };
    } catch (err) {
      await this.removeRecorder(spec.recorderId, name).catch(() => undefined);
      throw err;
    } finally {
      this.pending.delete(ports.port);
      this.pending.delete(ports.internalPort);
    }
  }

  /** Waits until Swarm gives the task a node, and answers that node's address. */
  private async scheduled(service: string, value: string): Promise<string> {
    const until = Date.now() + (this.opts.scheduleTimeoutMs ?? 30000);
    for (;;) {
      const [task] = await this.tasks(service);
      if (task && unschedulable(task)) throw new NotAvailableError(`no swarm node with node.labels.${LOCATION_LABEL}=${value} can take the recorder: ${task.Status!.Err}`);
      if (task && TERMINAL.has(task.Status?.State ?? '')) throw new Error(`the recorder's task ended at once (${task.Status!.State}: ${task.Status!.Err ?? 'no error given'})`);
      if (task?.NodeID) {
        const ip = nodeAddress((await this.docker.getNode(task.NodeID).inspect()) as Parameters<typeof nodeAddress>[0]);
        if (!ip) throw new Error(`swarm node ${task.NodeID} has no address`);
        return ip;
      }
      if (Date.now() > until) throw new Error(`swarm gave the recorder no node within ${Math.round((this.opts.scheduleTimeoutMs ?? 30000) / 1000)} s`);
      await sleep(200);
    }
  }

  /** Where one of the recorder's APIs is: its node's address, over HTTPS with the fleet's CA and its own identity. */
  private address(h: SwarmHandle, port: number): RecorderAddress {
    return { host: h.ip, port, tls: { ca: this.opts.ca.cert, recorderId: h.recorderId } };
  }

  async apiAddress(handle: string): Promise<RecorderAddress> {
    const h = JSON.parse(handle) as SwarmHandle;
    return this.address(h, h.port);
  }

  async health(handle: string, token: string): Promise<RecorderHealth | undefined> {
    return fetchHealth(await this.apiAddress(handle), token);
  }

  async running(handle: string): Promise<boolean> {
    const h = JSON.parse(handle) as SwarmHandle;
    try {
      return (await this.tasks(h.service)).some((t) => t.DesiredState === 'running' && !TERMINAL.has(t.Status?.State ?? ''));
    } catch {
      return false;
    }
  }

  async shutdown(handle: string, token: string): Promise<void> {
    const h = JSON.parse(handle) as SwarmHandle;
    await postShutdown(this.address(h, h.internalPort), token);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as SwarmHandle;
    await this.removeRecorder(h.recorderId, h.service);
  }

  /**
   * Scales the service to 0 first, so its container gets SIGINT and the grace period to finalize a
   * recording, waits for that, then removes the service, its secrets and its /tmp; the recordings volume stays.
   */
  private async removeRecorder(recorderId: string, name: string): Promise<void> {
    const service = this.docker.getService(name);
    try {
      const info = (await service.inspect()) as { Version: { Index: number }; Spec: Docker.ServiceSpec };
      if ((await this.tasks(name)).some((t) => !TERMINAL.has(t.Status?.State ?? ''))) {
        // docker-modem sends _query as the query string and _body as the body.
        await service.update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Mode: { Replicated: { Replicas: 0 } } } });
        const until = Date.now() + (STOP_GRACE_SEC + 10) * 1000;
        while (Date.now() < until && (await this.tasks(name)).some((t) => !TERMINAL.has(t.Status?.State ?? ''))) await sleep(250);
      }
      await service.remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    const secrets = (await this.docker.listSecrets({ filters: { label: [`${LABELS.recorder}=${recorderId}`] } })) as Array<{ ID: string }>;
    for (const s of secrets) {
      await this.docker.getSecret(s.ID).remove().catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    }
    await this.pruneTmp(recorderId);
  }

  /**
   * Removes the /tmp volumes no container uses any more, waiting (briefly) for this recorder's: Swarm
   * removes the container a moment after the service. Only this engine's volumes are seen: on other
   * nodes, engines before 23 keep them (empty, in memory) until a prune there.
   */
  private async pruneTmp(recorderId: string): Promise<void> {
    const until = Date.now() + 10000;
    for (;;) {
      // One by one: Docker 20.10's volume prune passes over them.
      const unused = (await this.docker.listVolumes({ filters: { label: [`${SWARM_LABELS.tmp}=true`], dangling: ['true'] } })).Volumes ?? [];
      for (const v of unused) await this.docker.getVolume(v.Name).remove().catch(() => undefined);
      const left = ((await this.docker.listVolumes({ filters: { label: [`${SWARM_LABELS.tmp}=true`, `${LABELS.recorder}=${recorderId}`] } })).Volumes ?? []).length;
      if (!left || Date.now() > until) return;
      await sleep(500);
    }
  }

  /** Services and secrets of recorders the fleet does not know (created just before a crash). */
  async strays(known: ReadonlySet<string>): Promise<string[]> {
    const ids = new Set<string>();
    for (const s of await this.list()) ids.add(s.Spec?.Labels?.[LABELS.recorder] ?? '');
    for (const s of (await this.docker.listSecrets({ filters: { label: [`${LABELS.fleet}=true`] } })) as Array<{ Spec?: { Labels?: Record<string, string> } }>) ids.add(s.Spec?.Labels?.[LABELS.recorder] ?? '');
    ids.delete('');
    return [...ids].filter((id) => !known.has(id)).map((id) => JSON.stringify({ recorderId: id, service: serviceName(id), ip: '', port: 0, internalPort: 0 } satisfies SwarmHandle));
  }
}
