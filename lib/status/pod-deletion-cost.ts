/**
 * In Kubernetes, keeps `controller.kubernetes.io/pod-deletion-cost` on the recorder's own pod equal to
 * how much a deletion would cut: 0 while idle, 1000 per running session. A Deployment scaling down then
 * removes idle recorders first, and busy ones only when nothing idle is left (their preStop drain still
 * lets the recording finish). Active only inside a pod with POD_NAME and POD_NAMESPACE set (the
 * downward API, as deploy/k8s/deployment.yaml does) and the service account's token mounted.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { KubernetesConfig } from '../config';
import type { Logger } from '../log';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The merge patch for a pod running `sessions` sessions. */
export function deletionCostPatch(sessions: number): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [DELETION_COST_ANNOTATION]: String(Math.max(0, sessions) * 1000) } } };
}

export function podPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
}

export interface PodCostOptions {
  k8s: KubernetesConfig;
  log: Logger;
  /** Where the service account's token and CA are (tests of the request building point elsewhere). */
  serviceAccountDir?: string;
}

export class PodDeletionCost {
  private sent: number | undefined;
  private wanted = 0;
  private inFlight: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: PodCostOptions) {
    this.log = opts.log.child({ component: 'k8s' });
  }

  /** Whether this process runs in a pod where it can patch itself. */
  static applies(k8s: KubernetesConfig, dir = SERVICE_ACCOUNT_DIR): boolean {
    return Boolean(k8s.apiHost && k8s.podName && k8s.podNamespace && fs.existsSync(`${dir}/token`));
  }

  /** Records how many sessions run; the pod follows, one request at a time, the latest value winning. */
  update(sessions: number): void {
    this.wanted = sessions;
    if (this.wanted === this.sent || this.inFlight) return;
    this.inFlight = this.send(this.wanted).finally(() => {
      this.inFlight = undefined;
      if (this.wanted !== this.sent) setTimeout(() => this.update(this.wanted), 1000).unref();
    });
  }

  private async send(sessions: number): Promise<void> {
    const { k8s } = this.opts;
    const dir = this.opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const body = JSON.stringify(deletionCostPatch(sessions));
    try {
      // Bound service-account tokens rotate: read it for every request.
      const token = fs.readFileSync(`${dir}/token`, 'utf8').trim();
      const ca = fs.readFileSync(`${dir}/ca.crt`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request(
          {
            host: k8s.apiHost,
            port: k8s.apiPort,
            method: 'PATCH',
            path: podPath(k8s.podNamespace!, k8s.podName!),
            ca,
            timeout: 5000,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end(body);
      });
      if (status >= 200 && status < 300) {
        this.sent = sessions;
        this.log.info(`pod ${k8s.podName}: ${DELETION_COST_ANNOTATION}=${sessions * 1000}`);
      } else {
        this.log.warn(`pod ${k8s.podName}: the API server answered ${status} to the deletion-cost patch; check the Role in deploy/k8s/rbac.yaml (patch on pods)`);
      }
    } catch (err) {
      this.log.warn(`pod ${k8s.podName}: could not set ${DELETION_COST_ANNOTATION}: ${(err as Error).message}`);
    }
  }
}
