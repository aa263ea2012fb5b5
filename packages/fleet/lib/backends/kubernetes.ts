/**
 * Recorders as pods, through @kubernetes/client-node (loaded when the backend is first used: it is an
 * ES module, and nothing else needs it). One pod per recorder (kubernetes-pod.ts); it is reached on its
 * pod IP over HTTPS only, with a certificate of the fleet's recorder CA that names the recorder (in its
 * Secret with its other secrets), as the swarm backend's recorders are. At the paid end its sessions are stopped through its HTTP API (stopService, with its token:
 * the file is finalized) and the pod is deleted; its preStop hook (gracefulShutdown, then waiting while
 * busy) and the grace period JIBRI_FLEET_STOP_GRACE cover the finalizing. No cluster ran here: the pods this
 * builds are validated offline against the API schema (packages/fleet/spec/integration/kubernetes.spec.ts).
 */
import type { CreatedRecorder, RecorderBackend, RecorderHealth, RecorderSpec } from './backend';
import { podManifest, podName, POD_API_PORT, recorderOfPod, secretManifest } from './kubernetes-pod';
import type { RecorderCa } from '../recorder-ca';
import { fetchHealth, postStopService, type RecorderAddress } from './recorder-api';

interface PodHandle {
  name: string;
  namespace: string;
}

export interface KubernetesBackendOptions {
  image: string;
  namespace: string;
  /** Seconds a stopped recorder gets to finalize before Kubernetes kills it. */
  stopGraceSec: number;
  /** Issues each recorder its certificate; the fleet reaches the pods over HTTPS trusting it alone. */
  ca: RecorderCa;
}

type CoreApi = {
  createNamespacedPod(a: { namespace: string; body: unknown }): Promise<{ metadata?: { name?: string; uid?: string }; status?: { podIP?: string } }>;
  createNamespacedSecret(a: { namespace: string; body: unknown }): Promise<unknown>;
  readNamespacedPod(a: { name: string; namespace: string }): Promise<{ status?: { phase?: string; podIP?: string } }>;
  deleteNamespacedPod(a: { name: string; namespace: string; gracePeriodSeconds?: number }): Promise<unknown>;
};

export class KubernetesBackend implements RecorderBackend {
  readonly kind = 'kubernetes';
  private api: Promise<CoreApi> | undefined;

  constructor(private readonly opts: KubernetesBackendOptions) {}

  private core(): Promise<CoreApi> {
    this.api ??= import('@kubernetes/client-node').then((k8s) => {
      const kc = new k8s.KubeConfig();
      kc.loadFromDefault();
      return kc.makeApiClient(k8s.CoreV1Api);
    });
    return this.api;
  }

  async create(given: RecorderSpec): Promise<CreatedRecorder> {
    const lifetimeSec = Math.ceil((Date.parse(given.expiresAt) - Date.now()) / 1000);
    // Its certificate and key go into its Secret with its other secrets: it serves its APIs over HTTPS only.
    const spec = { ...given, secrets: { ...given.secrets, ...(await this.opts.ca.issue(given.recorderId, new Date(given.expiresAt))) } };
    const body = podManifest(spec, { image: this.opts.image, namespace: this.opts.namespace, lifetimeSec, stopGraceSec: this.opts.stopGraceSec });
    const core = await this.core();
    // The pod first (it waits for its secret volume), then the Secret owned by it: deleting the pod deletes the Secret.
    const pod = await core.createNamespacedPod({ namespace: this.opts.namespace, body });
    const owner = pod.metadata?.name && pod.metadata.uid ? { name: pod.metadata.name, uid: pod.metadata.uid } : undefined;
    await core.createNamespacedSecret({ namespace: this.opts.namespace, body: secretManifest(spec, this.opts.namespace, owner) });
    const handle: PodHandle = { name: podName(spec.recorderId), namespace: this.opts.namespace };
    return { handle: JSON.stringify(handle), ip: '' };
  }

  /** The pod's API on its address, over HTTPS with the fleet's CA and the recorder's own identity. */
  private address(handle: string, ip: string): RecorderAddress {
    return { host: ip, port: POD_API_PORT, tls: { ca: this.opts.ca.cert, recorderId: recorderOfPod((JSON.parse(handle) as PodHandle).name) } };
  }

  private async pod(handle: string): Promise<{ phase?: string; ip?: string } | undefined> {
    const h = JSON.parse(handle) as PodHandle;
    try {
      const p = await (await this.core()).readNamespacedPod(h);
      return { ...(p.status?.phase ? { phase: p.status.phase } : {}), ...(p.status?.podIP ? { ip: p.status.podIP } : {}) };
    } catch {
      return undefined;
    }
  }

  async apiAddress(handle: string): Promise<RecorderAddress | undefined> {
    const p = await this.pod(handle);
    return p?.ip ? this.address(handle, p.ip) : undefined;
  }

  async health(handle: string, token: string): Promise<RecorderHealth | undefined> {
    const addr = await this.apiAddress(handle);
    return addr ? fetchHealth(addr, token) : undefined;
  }

  async running(handle: string): Promise<boolean> {
    return (await this.pod(handle))?.phase === 'Running';
  }

  /** Its sessions stop now (the pod's internal API is on its loopback; stopService is not), then the pod goes. */
  async shutdown(handle: string, token: string): Promise<void> {
    const addr = await this.apiAddress(handle);
    if (addr) await postStopService(addr, token);
    await this.remove(handle);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as PodHandle;
    await (await this.core()).deleteNamespacedPod({ ...h, gracePeriodSeconds: this.opts.stopGraceSec }).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
