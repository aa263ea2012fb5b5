/**
 * Recorders as pods, through @kubernetes/client-node (loaded when the backend is first used: it is an
 * ES module, and nothing else needs it). One pod per recorder (kubernetes-pod.ts); it is reached on its
 * pod IP. At the paid end its sessions are stopped through its HTTP API (stopService, with its token:
 * the file is finalized) and the pod is deleted; its preStop hook (gracefulShutdown, then waiting while
 * busy) and the grace period JIBRI_FLEET_STOP_GRACE cover the finalizing. No cluster ran here: the pods this
 * builds are validated offline against the API schema (spec/fleet/kubernetes.spec.ts).
 */
import { fetchHealth, postStopService, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import { podManifest, secretManifest } from './kubernetes-pod';

interface PodHandle {
  name: string;
  namespace: string;
}

export interface KubernetesBackendOptions {
  image: string;
  namespace: string;
  /** Seconds a stopped recorder gets to finalize before Kubernetes kills it. */
  stopGraceSec: number;
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

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const lifetimeSec = Math.ceil((Date.parse(spec.expiresAt) - Date.now()) / 1000);
    const body = podManifest(spec, { image: this.opts.image, namespace: this.opts.namespace, lifetimeSec, stopGraceSec: this.opts.stopGraceSec });
    const core = await this.core();
    // The pod first (it waits for its secret volume), then the Secret owned by it: deleting the pod deletes the Secret.
    const pod = await core.createNamespacedPod({ namespace: this.opts.namespace, body });
    const owner = pod.metadata?.name && pod.metadata.uid ? { name: pod.metadata.name, uid: pod.metadata.uid } : undefined;
    await core.createNamespacedSecret({ namespace: this.opts.namespace, body: secretManifest(spec, this.opts.namespace, owner) });
    const handle: PodHandle = { name: `jibri-ts-${spec.recorderId}`, namespace: this.opts.namespace };
    return { handle: JSON.stringify(handle), ip: '' };
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

  async health(handle: string, token: string): Promise<RecorderHealth | undefined> {
    const p = await this.pod(handle);
    return p?.ip ? fetchHealth(`http://${p.ip}:2222/jibri/api/v1.0/health`, token) : undefined;
  }

  async running(handle: string): Promise<boolean> {
    return (await this.pod(handle))?.phase === 'Running';
  }

  /** Its sessions stop now (the pod's internal API is on its loopback; stopService is not), then the pod goes. */
  async shutdown(handle: string, token: string): Promise<void> {
    const p = await this.pod(handle);
    if (p?.ip) await postStopService(`http://${p.ip}:2222`, token);
    await this.remove(handle);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as PodHandle;
    await (await this.core()).deleteNamespacedPod({ ...h, gracePeriodSeconds: this.opts.stopGraceSec }).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
