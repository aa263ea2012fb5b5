/**
 * Recorders as pods, through @kubernetes/client-node (loaded when the backend is first used: it is an
 * ES module, and nothing else needs it). One pod per recorder (kubernetes-pod.ts); it is reached on its
 * pod IP; draining and removal are a pod deletion, whose preStop hook (gracefulShutdown, then waiting
 * while busy) lets a recording finish within the grace period. No cluster ran here: the pods this
 * builds are validated offline against the API schema (spec/fleet/kubernetes.spec.ts).
 */
import * as crypto from 'node:crypto';
import { fetchHealth, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import { POD_LABELS, podManifest } from './kubernetes-pod';

interface PodHandle {
  name: string;
  namespace: string;
}

export interface KubernetesBackendOptions {
  image: string;
  namespace: string;
  capacity: number;
  drainCapSec: number;
}

type CoreApi = {
  createNamespacedPod(a: { namespace: string; body: unknown }): Promise<{ status?: { podIP?: string } }>;
  readNamespacedPod(a: { name: string; namespace: string }): Promise<{ status?: { phase?: string; podIP?: string } }>;
  deleteNamespacedPod(a: { name: string; namespace: string; gracePeriodSeconds?: number }): Promise<unknown>;
  listNamespacedPod(a: { namespace: string; labelSelector?: string }): Promise<{ items: Array<{ metadata?: { name?: string; labels?: Record<string, string> }; status?: { phase?: string } }> }>;
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

  async freeCapacity(): Promise<number> {
    const pods = await (await this.core()).listNamespacedPod({ namespace: this.opts.namespace, labelSelector: `${POD_LABELS.fleet}=true` });
    return Math.max(0, this.opts.capacity - pods.items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length);
  }

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const lifetimeSec = Math.ceil((Date.parse(spec.expiresAt) - Date.now()) / 1000);
    const apiToken = crypto.randomBytes(32).toString('hex');
    const body = podManifest(spec, { image: this.opts.image, namespace: this.opts.namespace, lifetimeSec, drainCapSec: this.opts.drainCapSec, apiToken });
    await (await this.core()).createNamespacedPod({ namespace: this.opts.namespace, body });
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

  async health(handle: string): Promise<RecorderHealth | undefined> {
    const p = await this.pod(handle);
    return p?.ip ? fetchHealth(`http://${p.ip}:2222/jibri/api/v1.0/health`) : undefined;
  }

  async running(handle: string): Promise<boolean> {
    return (await this.pod(handle))?.phase === 'Running';
  }

  /** Deletion runs the pod's preStop drain; the grace period is the drain cap. */
  async drain(handle: string): Promise<void> {
    await this.remove(handle);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as PodHandle;
    await (await this.core()).deleteNamespacedPod({ ...h, gracePeriodSeconds: this.opts.drainCapSec }).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
