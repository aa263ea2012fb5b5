/**
 * Recorders as containers of the jibri-ts image, through the Docker Engine API (dockerode): one
 * container per recorder, labelled with its deployment, recorder id and expiry, so that a restarted
 * fleet finds them by label. Host networking (each container gets its own ports) and the hardened run
 * options of docs/DEPLOY.md: read-only root, tmpfs /tmp, no capabilities, uid 1000, an init. Its
 * secrets are files (0400, uid 1000) in a folder bind-mounted read-only at /run/secrets/jibri, named by
 * NAME_FILE: neither `docker inspect` nor the container's environment shows them. The engine is this
 * host's, and the recorder's APIs are on its loopback, in plain HTTP: that traffic never leaves the host
 * (swarm and kubernetes recorders, reached over a network, get certificates: recorder-api.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { secretFileEnv, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import { fetchHealth, postShutdown, type RecorderAddress } from './recorder-api';
import { freePort } from './ports';

/** Where a container finds its secret files. */
export const SECRETS_MOUNT = '/run/secrets/jibri';

export const LABELS = { fleet: 'jibri-ts.fleet', deployment: 'jibri-ts.deployment', recorder: 'jibri-ts.recorder', expires: 'jibri-ts.expires' } as const;

interface DockerHandle {
  containerId: string;
  port: number;
  internalPort: number;
  /** The recorder's folder on this host (recordings, secrets); absent for strays. */
  dir?: string;
}

export interface DockerBackendOptions {
  image: string;
  /** Where each recorder gets its folder (recordings, secrets) on this host. */
  dir: string;
  docker?: Docker;
}

/** Pure: the container the Engine is asked to create. */
export function containerSpec(image: string, spec: RecorderSpec, ports: { port: number; internalPort: number }, dirs: { recordings: string; secrets: string }): Docker.ContainerCreateOptions {
  const env = {
    ...spec.env,
    ...secretFileEnv(spec.secrets, SECRETS_MOUNT),
    JIBRI_HTTP_API_EXTERNAL_HOST: '127.0.0.1',
    JIBRI_HTTP_API_EXTERNAL_PORT: String(ports.port),
    JIBRI_HTTP_API_INTERNAL_PORT: String(ports.internalPort),
    // Where the bind below puts the recordings (the image's default is docker-jitsi-meet's /storage/recordings).
    JIBRI_RECORDING_DIR: '/config/recordings',
  };
  return {
    name: `jibri-ts-${spec.recorderId}`,
    Image: image,
    Cmd: ['serve'],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    User: '1000:1000',
    Labels: { [LABELS.fleet]: 'true', [LABELS.deployment]: spec.deploymentId, [LABELS.recorder]: spec.recorderId, [LABELS.expires]: spec.expiresAt },
    HostConfig: {
      NetworkMode: 'host',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'exec,mode=1777' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      Binds: [`${dirs.recordings}:/config/recordings`, `${dirs.secrets}:${SECRETS_MOUNT}:ro`],
      RestartPolicy: { Name: 'no' },
    },
  };
}

export class DockerBackend implements RecorderBackend {
  readonly kind = 'docker';
  private readonly docker: Docker;

  constructor(private readonly opts: DockerBackendOptions) {
    this.docker = opts.docker ?? new Docker();
  }

  /** The fleet's containers, found by label (after a restart too). */
  async list(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABELS.fleet}=true`] } });
  }

  async strays(known: ReadonlySet<string>): Promise<string[]> {
    return (await this.list())
      .filter((c) => !known.has(c.Labels[LABELS.recorder] ?? ''))
      .map((c) => JSON.stringify({ containerId: c.Id, port: 0, internalPort: 0 } satisfies DockerHandle));
  }

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const dir = path.join(this.opts.dir, spec.recorderId);
    const recordings = path.join(dir, 'recordings');
    fs.mkdirSync(recordings, { recursive: true, mode: 0o700 });
    fs.chownSync(recordings, 1000, 1000);
    const secrets = path.join(dir, 'secrets');
    fs.mkdirSync(secrets, { mode: 0o700 });
    for (const [name, value] of Object.entries(spec.secrets)) {
      fs.writeFileSync(path.join(secrets, name), value, { mode: 0o400, flag: 'wx' });
      fs.chownSync(path.join(secrets, name), 1000, 1000);
    }
    fs.chownSync(secrets, 1000, 1000);
    const ports = { port: await freePort(), internalPort: await freePort() };
    const container = await this.docker.createContainer(containerSpec(this.opts.image, spec, ports, { recordings, secrets }));
    await container.start();
    const handle: DockerHandle = { containerId: container.id, ...ports, dir };
    return { handle: JSON.stringify(handle), ip: '127.0.0.1' };
  }

  async apiAddress(handle: string): Promise<RecorderAddress> {
    return { host: '127.0.0.1', port: (JSON.parse(handle) as DockerHandle).port };
  }

  async health(handle: string, token: string): Promise<RecorderHealth | undefined> {
    return fetchHealth(await this.apiAddress(handle), token);
  }

  async running(handle: string): Promise<boolean> {
    const h = JSON.parse(handle) as DockerHandle;
    try {
      return (await this.docker.getContainer(h.containerId).inspect()).State.Running;
    } catch {
      return false;
    }
  }

  async shutdown(handle: string, token: string): Promise<void> {
    const h = JSON.parse(handle) as DockerHandle;
    await postShutdown({ host: '127.0.0.1', port: h.internalPort }, token);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as DockerHandle;
    const c = this.docker.getContainer(h.containerId);
    try {
      if ((await c.inspect()).State.Running) {
        // SIGINT: stop and finalize whatever still records, then exit. A recorder whose uploads are done
        // exits by itself, maybe between the look and the signal: the engine then answers 409 (not
        // running), and the container must still be removed, not left behind.
        await c.kill({ signal: 'SIGINT' }).catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        });
        await Promise.race([c.wait(), new Promise((r) => setTimeout(r, 60000))]);
      }
      await c.remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (h.dir) fs.rmSync(path.join(h.dir, 'secrets'), { recursive: true, force: true });
  }
}
