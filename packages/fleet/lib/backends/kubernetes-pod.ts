/**
 * Pure: the pod the kubernetes backend creates for one recorder. The same hardening and probes as
 * deploy/k8s/deployment.yaml, labels that find it again, `activeDeadlineSeconds` so a pod never outlives
 * its deployment by more than the stop grace even if the fleet is gone (the recorder's own
 * JIBRI_SHUTDOWN_AT stops its sessions at the paid end before that), and a termination grace period
 * that lets a stopped recorder finalize its file after deletion. Its
 * secrets are a Secret of its own, mounted read-only at /run/secrets/jibri and named by NAME_FILE: the
 * pod's spec and environment carry no secret value.
 */
import { secretFileEnv, type RecorderSpec } from './backend';

export const POD_SECRETS_MOUNT = '/run/secrets/jibri';
/** The port of the recorder's HTTP API in its pod. */
export const POD_API_PORT = 2222;
const POD_PREFIX = 'jibri-ts-';

/** Pure: the name of a recorder's pod. */
export function podName(recorderId: string): string {
  return `${POD_PREFIX}${recorderId}`;
}

/** Pure: the recorder a pod of the fleet runs, from the pod's name. */
export function recorderOfPod(name: string): string {
  return name.startsWith(POD_PREFIX) ? name.slice(POD_PREFIX.length) : name;
}

/** The Secret's name for a recorder (the pod's name: one Secret per pod, removed with it). */
export function secretName(recorderId: string): string {
  return podName(recorderId);
}

/** Pure: the recorder's Secret; owned by its pod once that exists, so Kubernetes deletes both together. */
export function secretManifest(spec: RecorderSpec, namespace: string, owner?: { name: string; uid: string }): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(spec.recorderId),
      namespace,
      labels: { [POD_LABELS.fleet]: 'true', [POD_LABELS.recorder]: spec.recorderId },
      ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid }] } : {}),
    },
    type: 'Opaque',
    stringData: { ...spec.secrets },
  };
}

export const POD_LABELS = { app: 'app.kubernetes.io/name', fleet: 'jibri-ts.fleet', deployment: 'jibri-ts.deployment', recorder: 'jibri-ts.recorder' } as const;

export interface PodOptions {
  image: string;
  namespace: string;
  /** Seconds from creation until the deployment expires. */
  lifetimeSec: number;
  stopGraceSec: number;
}

export function podManifest(spec: RecorderSpec, o: PodOptions): Record<string, unknown> {
  const env = { ...spec.env, ...secretFileEnv(spec.secrets, POD_SECRETS_MOUNT), JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_EXTERNAL_PORT: String(POD_API_PORT), JIBRI_RECORDING_DIR: '/config/recordings' };
  // With its certificate among its secrets the recorder speaks HTTPS only; the kubelet's probes follow (they do not verify it).
  const scheme = 'JIBRI_HTTP_API_TLS_CERT' in spec.secrets ? 'HTTPS' : 'HTTP';
  const probe = { httpGet: { path: '/jibri/api/v1.0/health', port: 'http', scheme }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(spec.recorderId),
      namespace: o.namespace,
      labels: { [POD_LABELS.app]: 'jibri-ts', [POD_LABELS.fleet]: 'true', [POD_LABELS.deployment]: spec.deploymentId, [POD_LABELS.recorder]: spec.recorderId },
      annotations: { 'jibri-ts.expires': spec.expiresAt, 'controller.kubernetes.io/pod-deletion-cost': '0' },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: o.lifetimeSec + o.stopGraceSec,
      terminationGracePeriodSeconds: o.stopGraceSec,
      shareProcessNamespace: true,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'jibri-ts',
          image: o.image,
          args: ['serve'],
          ports: [{ name: 'http', containerPort: POD_API_PORT }],
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
            { name: 'secrets', mountPath: POD_SECRETS_MOUNT, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
        { name: 'recordings', emptyDir: { sizeLimit: '20Gi' } },
        // 0400: only the recorder's user (1000) reads its secrets.
        { name: 'secrets', secret: { secretName: secretName(spec.recorderId), defaultMode: 0o400 } },
      ],
    },
  };
}
