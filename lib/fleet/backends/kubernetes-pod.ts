/**
 * Pure: the pod the kubernetes backend creates for one recorder. The same hardening and probes as
 * deploy/k8s/deployment.yaml, labels that find it again, `activeDeadlineSeconds` so a pod never outlives
 * its deployment by more than the drain cap even if the fleet is gone, and a termination grace period
 * that lets a busy recorder finish its recording after deletion (its preStop hook drains it).
 */
import type { RecorderSpec } from './backend';

export const POD_LABELS = { app: 'app.kubernetes.io/name', fleet: 'jibri-ts.fleet', deployment: 'jibri-ts.deployment', recorder: 'jibri-ts.recorder' } as const;

export interface PodOptions {
  image: string;
  namespace: string;
  /** Seconds from creation until the deployment expires. */
  lifetimeSec: number;
  drainCapSec: number;
  /**
   * The recorder's JIBRI_HTTP_API_TOKEN. Its API listens on the pod's address (probes, the fleet's
   * health checks, which need no token), where the recorder does not start without one; nobody needs
   * it, since the brewery starts and stops the sessions, so it is random per pod.
   */
  apiToken: string;
}

export function podManifest(spec: RecorderSpec, o: PodOptions): Record<string, unknown> {
  const env = { ...spec.env, JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_EXTERNAL_PORT: '2222', JIBRI_HTTP_API_TOKEN: o.apiToken, JIBRI_RECORDING_DIR: '/config/recordings' };
  const probe = { httpGet: { path: '/jibri/api/v1.0/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `jibri-ts-${spec.recorderId}`,
      namespace: o.namespace,
      labels: { [POD_LABELS.app]: 'jibri-ts', [POD_LABELS.fleet]: 'true', [POD_LABELS.deployment]: spec.deploymentId, [POD_LABELS.recorder]: spec.recorderId },
      annotations: { 'jibri-ts.expires': spec.expiresAt, 'controller.kubernetes.io/pod-deletion-cost': '0' },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: o.lifetimeSec + o.drainCapSec,
      terminationGracePeriodSeconds: o.drainCapSec,
      shareProcessNamespace: true,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'jibri-ts',
          image: o.image,
          args: ['serve'],
          ports: [{ name: 'http', containerPort: 2222 }],
          env: [
            ...Object.entries(env).map(([name, value]) => ({ name, value })),
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
          startupProbe: { ...probe, periodSeconds: 2, failureThreshold: 30 },
          livenessProbe: probe,
          lifecycle: { preStop: { exec: { command: ['node', '/app/prestop.js'] } } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'recordings', mountPath: '/config/recordings' },
          ],
        },
      ],
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
        { name: 'recordings', emptyDir: { sizeLimit: '20Gi' } },
      ],
    },
  };
}
