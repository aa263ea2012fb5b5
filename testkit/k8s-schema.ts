/**
 * A hand-written subset of the Kubernetes API schema, for the kinds and fields the project's manifests
 * and the fleet's pods use: known apiVersion/kind pairs, required fields, types, unknown fields
 * rejected, quantities parsed. kubeconform is not in Debian and would fetch its schemas from the
 * network; no cluster runs here.
 */
export interface Schema {
  type?: 'object' | 'string' | 'integer' | 'boolean' | 'array' | 'int-or-string';
  required?: string[];
  properties?: Record<string, Schema>;
  /** false: no other keys; a Schema: every other value matches it; absent: other keys allowed. */
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  pattern?: RegExp;
}

export function validate(value: unknown, schema: Schema, where: string, problems: string[]): void {
  const t = schema.type;
  if (t === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) return void problems.push(`${where}: expected an object`);
  if (t === 'array' && !Array.isArray(value)) return void problems.push(`${where}: expected a list`);
  if (t === 'string' && typeof value !== 'string') return void problems.push(`${where}: expected a string, got ${JSON.stringify(value)}`);
  if (t === 'integer' && !Number.isInteger(value)) return void problems.push(`${where}: expected an integer, got ${JSON.stringify(value)}`);
  if (t === 'boolean' && typeof value !== 'boolean') return void problems.push(`${where}: expected true or false`);
  if (t === 'int-or-string' && !Number.isInteger(value) && typeof value !== 'string') return void problems.push(`${where}: expected a number or a name`);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  if (schema.pattern && typeof value === 'string' && !schema.pattern.test(value)) problems.push(`${where}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => validate(v, schema.items as Schema, `${where}[${i}]`, problems));
  if (t === 'object' && value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in o)) problems.push(`${where}: ${r} is required`);
    for (const [k, v] of Object.entries(o)) {
      const p = schema.properties?.[k];
      if (p) validate(v, p, `${where}.${k}`, problems);
      else if (schema.additionalProperties === false) problems.push(`${where}: unknown field ${k}`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') validate(v, schema.additionalProperties, `${where}.${k}`, problems);
    }
  }
}

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const obj = (properties: Record<string, Schema>, required: string[] = [], additionalProperties: boolean | Schema = false): Schema => ({ type: 'object', properties, required, additionalProperties });
const list = (items: Schema): Schema => ({ type: 'array', items });
const strMap: Schema = { type: 'object', additionalProperties: str };

const ownerReference = obj({ apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool }, ['apiVersion', 'kind', 'name', 'uid']);
const metadata = obj({ name: { type: 'string', pattern: DNS_SUBDOMAIN }, namespace: str, labels: strMap, annotations: strMap, ownerReferences: list(ownerReference) }, ['name']);
const templateMetadata = obj({ labels: strMap, annotations: strMap, name: str });
const labelSelector = obj({ matchLabels: strMap }, ['matchLabels']);
const quantity: Schema = { type: 'string', pattern: QUANTITY };
const resourceList = obj({ cpu: quantity, memory: quantity, 'ephemeral-storage': quantity });
const httpGet = obj({ path: str, port: { type: 'int-or-string' }, scheme: { type: 'string', enum: ['HTTP', 'HTTPS'] } }, ['port']);
const probe = obj({ httpGet, initialDelaySeconds: int, periodSeconds: int, timeoutSeconds: int, failureThreshold: int, successThreshold: int });
const execAction = obj({ command: list(str) }, ['command']);
const handler = obj({ exec: execAction, httpGet });
const keyRef = obj({ name: str, key: str, optional: bool }, ['key']);
const envVar = obj({ name: { type: 'string', pattern: ENV_NAME }, value: str, valueFrom: obj({ fieldRef: obj({ fieldPath: str, apiVersion: str }, ['fieldPath']), configMapKeyRef: keyRef, secretKeyRef: keyRef }) }, ['name']);
const container = obj({
  name: { type: 'string', pattern: DNS_LABEL },
  image: str,
  imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
  command: list(str),
  args: list(str),
  ports: list(obj({ name: { type: 'string', pattern: /^[a-z0-9-]{1,15}$/ }, containerPort: int, protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] } }, ['containerPort'])),
  env: list(envVar),
  envFrom: list(obj({ configMapRef: obj({ name: str, optional: bool }, ['name']), secretRef: obj({ name: str, optional: bool }, ['name']), prefix: str })),
  resources: obj({ requests: resourceList, limits: resourceList }),
  startupProbe: probe,
  livenessProbe: probe,
  readinessProbe: probe,
  lifecycle: obj({ preStop: handler, postStart: handler }),
  securityContext: obj({
    allowPrivilegeEscalation: bool,
    readOnlyRootFilesystem: bool,
    privileged: bool,
    runAsNonRoot: bool,
    runAsUser: int,
    runAsGroup: int,
    capabilities: obj({ drop: list(str), add: list(str) }),
  }),
  volumeMounts: list(obj({ name: str, mountPath: str, readOnly: bool, subPath: str }, ['name', 'mountPath'])),
}, ['name', 'image']);
const volume = obj({
  name: { type: 'string', pattern: DNS_LABEL },
  emptyDir: obj({ medium: { type: 'string', enum: ['', 'Memory'] }, sizeLimit: quantity }),
  persistentVolumeClaim: obj({ claimName: str, readOnly: bool }, ['claimName']),
  configMap: obj({ name: str, defaultMode: int }, ['name']),
  secret: obj({ secretName: str, defaultMode: int }, ['secretName']),
}, ['name']);
const podSpec = obj({
  restartPolicy: { type: 'string', enum: ['Always', 'OnFailure', 'Never'] },
  activeDeadlineSeconds: int,
  serviceAccountName: str,
  automountServiceAccountToken: bool,
  terminationGracePeriodSeconds: int,
  shareProcessNamespace: bool,
  securityContext: obj({ runAsNonRoot: bool, runAsUser: int, runAsGroup: int, fsGroup: int, seccompProfile: obj({ type: { type: 'string', enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] } }, ['type']) }),
  containers: list(container),
  volumes: list(volume),
  nodeSelector: strMap,
}, ['containers']);

const metricTarget = obj({ type: { type: 'string', enum: ['Utilization', 'AverageValue', 'Value'] }, averageUtilization: int, averageValue: quantity, value: quantity }, ['type']);

export const SCHEMAS: Record<string, Schema> = {
  'v1/Pod': obj({ apiVersion: str, kind: str, metadata, spec: podSpec }, ['apiVersion', 'kind', 'metadata', 'spec']),
  'v1/ConfigMap': obj({ apiVersion: str, kind: str, metadata, data: { type: 'object', additionalProperties: str } }, ['apiVersion', 'kind', 'metadata']),
  'v1/Secret': obj({ apiVersion: str, kind: str, metadata, type: str, stringData: { type: 'object', additionalProperties: str }, data: strMap }, ['apiVersion', 'kind', 'metadata']),
  'v1/ServiceAccount': obj({ apiVersion: str, kind: str, metadata, automountServiceAccountToken: bool }, ['apiVersion', 'kind', 'metadata']),
  'v1/Service': obj({
    apiVersion: str, kind: str, metadata,
    spec: obj({
      type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
      clusterIP: str,
      selector: strMap,
      publishNotReadyAddresses: bool,
      ports: list(obj({ name: str, port: int, targetPort: { type: 'int-or-string' }, protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] } }, ['port'])),
    }, ['ports']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  'apps/v1/Deployment': obj({
    apiVersion: str, kind: str, metadata,
    spec: obj({
      replicas: int,
      revisionHistoryLimit: int,
      selector: labelSelector,
      strategy: obj({ type: { type: 'string', enum: ['RollingUpdate', 'Recreate'] }, rollingUpdate: obj({ maxSurge: { type: 'int-or-string' }, maxUnavailable: { type: 'int-or-string' } }) }),
      template: obj({ metadata: templateMetadata, spec: podSpec }, ['spec']),
    }, ['selector', 'template']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  'rbac.authorization.k8s.io/v1/Role': obj({
    apiVersion: str, kind: str, metadata,
    rules: list(obj({ apiGroups: list(str), resources: list(str), verbs: list({ type: 'string', enum: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] }), resourceNames: list(str) }, ['verbs'])),
  }, ['apiVersion', 'kind', 'metadata']),
  'rbac.authorization.k8s.io/v1/RoleBinding': obj({
    apiVersion: str, kind: str, metadata,
    roleRef: obj({ apiGroup: { type: 'string', enum: ['rbac.authorization.k8s.io'] }, kind: { type: 'string', enum: ['Role', 'ClusterRole'] }, name: str }, ['apiGroup', 'kind', 'name']),
    subjects: list(obj({ kind: { type: 'string', enum: ['ServiceAccount', 'User', 'Group'] }, name: str, namespace: str, apiGroup: str }, ['kind', 'name'])),
  }, ['apiVersion', 'kind', 'metadata', 'roleRef']),
  'policy/v1/PodDisruptionBudget': obj({
    apiVersion: str, kind: str, metadata,
    spec: obj({ maxUnavailable: { type: 'int-or-string' }, minAvailable: { type: 'int-or-string' }, selector: labelSelector }, ['selector']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  'networking.k8s.io/v1/NetworkPolicy': obj({
    apiVersion: str, kind: str, metadata,
    spec: obj({
      podSelector: obj({ matchLabels: strMap }),
      policyTypes: list({ type: 'string', enum: ['Ingress', 'Egress'] }),
      ingress: list(obj({
        from: list(obj({ podSelector: obj({ matchLabels: strMap }), namespaceSelector: obj({ matchLabels: strMap }), ipBlock: obj({ cidr: str, except: list(str) }, ['cidr']) })),
        ports: list(obj({ port: { type: 'int-or-string' }, endPort: int, protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] } })),
      })),
    }, ['podSelector']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  'autoscaling/v2/HorizontalPodAutoscaler': obj({
    apiVersion: str, kind: str, metadata,
    spec: obj({
      scaleTargetRef: obj({ apiVersion: str, kind: str, name: str }, ['kind', 'name']),
      minReplicas: int,
      maxReplicas: int,
      metrics: list(obj({
        type: { type: 'string', enum: ['Resource', 'Pods', 'Object', 'External', 'ContainerResource'] },
        resource: obj({ name: str, target: metricTarget }, ['name', 'target']),
        pods: obj({ metric: obj({ name: str, selector: labelSelector }, ['name']), target: metricTarget }, ['metric', 'target']),
      }, ['type'])),
      behavior: { type: 'object' },
    }, ['scaleTargetRef', 'maxReplicas']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
};

/** A Kubernetes quantity in base units (cores, bytes). */
export function parseQuantity(q: string): number {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(q);
  if (!m || !QUANTITY.test(q)) throw new Error(`not a quantity: ${q}`);
  const suffix = m[2] ?? '';
  if (/^[eE][+-]?\d+$/.test(suffix)) return Number(q);
  const factors: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (factors[suffix] ?? NaN);
}

