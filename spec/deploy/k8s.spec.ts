/**
 * The Kubernetes manifests under deploy/k8s, checked offline. No cluster and no kubeconform here (Debian
 * does not package it, and its schemas would come from the network), so this holds a hand-written subset
 * of the Kubernetes API schema for the kinds and fields used: known apiVersion/kind pairs, required
 * fields, types, and no unknown fields (a misspelt `readinessProbe` fails). Then the cross-references:
 * probes hit the service's port and health path, Service/PDB/Deployment selectors match the pods,
 * referenced ConfigMap/Secret/ServiceAccount/volumes exist, resources parse as quantities with
 * requests <= limits, and the environment names are ones the service reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, loadConfig } from '../../lib/config';
import { parseQuantity, SCHEMAS, validate, type Schema } from '../../testkit/k8s-schema';
import { parseYaml, parseYamlAll } from '../../testkit/yaml';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'deploy/k8s');
const HEALTH_PATH = '/jibri/api/v1.0/health';

type Obj = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML; the checks below read it field by field

// ---- a JSON-schema subset: type, required, properties, additionalProperties, items, enum, pattern ----
// ---- the manifests ----
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const docs: Array<{ file: string; doc: Obj }> = files.flatMap((file) => parseYamlAll(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => ({ file, doc: doc as Obj })));
const byKind = (kind: string): Obj[] => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const one = (kind: string): Obj => {
  const found = byKind(kind);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('deploy/k8s manifests', () => {
  it('are all of known kinds and match the API schema subset', () => {
    expect(docs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const { file, doc } of docs) {
      const key = `${doc.apiVersion}/${doc.kind}`;
      const schema = SCHEMAS[key];
      if (!schema) problems.push(`${file}: unknown apiVersion/kind ${key}`);
      else validate(doc, schema, `${file} ${doc.kind}/${doc.metadata?.name}`, problems);
    }
    expect(problems).toEqual([]);
  });

  it('the schema subset catches mistakes (self-check)', () => {
    const problems: string[] = [];
    const bad = JSON.parse(JSON.stringify(one('Deployment')));
    bad.spec.template.spec.containers[0].readinesProbe = bad.spec.template.spec.containers[0].readinessProbe;
    bad.spec.template.spec.containers[0].resources.limits.memory = '2 GB';
    bad.spec.template.spec.terminationGracePeriodSeconds = '4h';
    validate(bad, SCHEMAS['apps/v1/Deployment'] as Schema, 'bad', problems);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('unknown field readinesProbe'),
      expect.stringContaining('"2 GB" does not match'),
      expect.stringContaining('terminationGracePeriodSeconds: expected an integer'),
    ]));
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1e3')).toBe(1000);
  });

  it('kustomization.yaml lists existing files, and every manifest but the CPU HPA alternative', () => {
    const k = parseYaml(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(k.kind).toBe('Kustomization');
    for (const r of k.resources) expect(fs.existsSync(path.join(dir, r))).toBe(true);
    expect([...k.resources].sort()).toEqual(files.filter((f) => f !== 'hpa-cpu.yaml').sort());
  });

  describe('the recorder Deployment', () => {
    const deployment = one('Deployment');
    const pod = deployment.spec.template.spec;
    const c = pod.containers.find((x: Obj) => x.name === 'jibri-ts');
    const configMap = one('ConfigMap');
    const port = Number(configMap.data.JIBRI_HTTP_API_EXTERNAL_PORT);

    it('selects its own pods', () => {
      for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    });

    it('has one container, named, whose probes hit the service port and the health path', () => {
      expect(pod.containers).toHaveLength(1);
      expect(c).toBeDefined();
      expect(port).toBe(2222);
      const portOf = (p: number | string): number => (typeof p === 'number' ? p : c.ports.find((x: Obj) => x.name === p)?.containerPort);
      for (const name of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const probe = c[name];
        expect([name, probe?.httpGet?.path, portOf(probe?.httpGet?.port)]).toEqual([name, HEALTH_PATH, port]);
      }
      // The image's health check (jibri-ts status --check) reads the same path.
      expect(fs.readFileSync(path.join(root, 'lib/cli/status.ts'), 'utf8')).toContain(HEALTH_PATH);
    });

    it('asks for a graceful shutdown before SIGTERM and leaves a recording hours to finish', () => {
      expect(c.lifecycle.preStop.exec.command).toEqual(['node', '/app/prestop.js']);
      const prestop = fs.readFileSync(path.join(root, 'deploy/docker/prestop.js'), 'utf8');
      expect(prestop).toContain('/jibri/api/internal/v1.0/gracefulShutdown');
      expect(prestop).toContain(HEALTH_PATH);
      expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^COPY .*deploy\/docker\/prestop\.js .*\/app\/$/m);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(4 * 3600);
    });

    it('requests about 1 CPU / 1 GiB and is limited to 2 CPU / 2 GiB', () => {
      const { requests, limits } = c.resources;
      expect(parseQuantity(requests.cpu)).toBe(1);
      expect(parseQuantity(requests.memory)).toBe(2 ** 30);
      expect(parseQuantity(limits.cpu)).toBe(2);
      expect(parseQuantity(limits.memory)).toBe(2 * 2 ** 30);
      for (const r of ['cpu', 'memory']) expect(parseQuantity(requests[r])).toBeLessThanOrEqual(parseQuantity(limits[r]));
    });

    it('runs unprivileged on a read-only root with writable /tmp and recordings', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      const volumes = new Set(pod.volumes.map((v: Obj) => v.name));
      for (const m of c.volumeMounts) expect(volumes.has(m.name)).toBe(true);
      const mounts = c.volumeMounts.map((m: Obj) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/tmp', configMap.data.JIBRI_RECORDING_DIR]));
    });

    it('keeps the scale-down annotation, and the account that may patch it', () => {
      expect(deployment.spec.template.metadata.annotations['controller.kubernetes.io/pod-deletion-cost']).toMatch(/^-?\d+$/);
      const sa = one('ServiceAccount');
      expect(pod.serviceAccountName).toBe(sa.metadata.name);
      const binding = one('RoleBinding');
      const role = one('Role');
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toContainEqual(expect.objectContaining({ kind: 'ServiceAccount', name: sa.metadata.name }));
      expect(role.rules).toContainEqual(expect.objectContaining({ apiGroups: [''], resources: ['pods'], verbs: expect.arrayContaining(['patch']) }));
    });

    it('takes its environment from the ConfigMap and the operator\'s Secret, with names the service reads', () => {
      const refs = c.envFrom.map((e: Obj) => e.configMapRef?.name ?? e.secretRef?.name);
      expect(refs).toEqual(expect.arrayContaining([configMap.metadata.name, 'jibri-ts-secrets']));
      // No Secret ships (a placeholder password or token would end up in clusters); the kustomization
      // says how to create it, with every secret the service reads on this address.
      expect(byKind('Secret')).toEqual([]);
      const kustomization = fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8');
      expect(kustomization).toContain('create secret generic jibri-ts-secrets');
      for (const name of ['JIBRI_XMPP_PASSWORD', 'JIBRI_RECORDER_PASSWORD', 'JIBRI_HTTP_API_TOKEN']) expect(kustomization).toContain(`--from-literal=${name}=`);
      expect(c.envFrom.find((e: Obj) => e.secretRef)?.secretRef.optional).toBeFalsy();
      const known = new Set([...SETTINGS.map((s) => s.name), 'TZ', 'POD_NAME', 'POD_NAMESPACE']);
      const names = [...Object.keys(configMap.data), ...c.env.map((e: Obj) => e.name)];
      expect(names.filter((n) => !known.has(n))).toEqual([]);
      // Passwords go in the Secret, never in the ConfigMap.
      for (const s of SETTINGS.filter((x) => x.secret)) expect(Object.keys(configMap.data)).not.toContain(s.name);
      expect(configMap.data.JIBRI_HTTP_API_EXTERNAL_HOST).toBe('0.0.0.0');
      // On that address the service starts only with the Secret's token.
      expect(() => loadConfig({ ...configMap.data, JIBRI_XMPP_PASSWORD: 'x' }, 'pod')).toThrow(/JIBRI_HTTP_API_TOKEN is not set/);
      expect(loadConfig({ ...configMap.data, JIBRI_XMPP_PASSWORD: 'x', JIBRI_HTTP_API_TOKEN: 'a-long-random-token' }, 'pod').http.host).toBe('0.0.0.0');
      // Each recorder needs its own brewery nickname.
      expect(c.env).toContainEqual({ name: 'JIBRI_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    });
  });

  it('the Service and the PodDisruptionBudget select the recorder pods, on the named API port', () => {
    const labels = one('Deployment').spec.template.metadata.labels;
    const service = one('Service');
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    for (const [k, v] of Object.entries(one('PodDisruptionBudget').spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    const ports = one('Deployment').spec.template.spec.containers[0].ports;
    for (const p of service.spec.ports) {
      expect(p.port).toBe(2222);
      expect(ports.some((cp: Obj) => cp.name === p.targetPort || cp.containerPort === p.targetPort)).toBe(true);
    }
  });

  it('both HPAs scale the Deployment', () => {
    const hpas = byKind('HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(2);
    for (const hpa of hpas) {
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: one('Deployment').metadata.name });
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    }
  });

  it('the listed HPA scales on the share of busy recorders, a metric the recorders export and Prometheus finds', () => {
    const hpa = docs.find((d) => d.file === 'hpa.yaml')!.doc;
    expect(hpa.spec.metrics).toEqual([{ type: 'Pods', pods: { metric: { name: 'jitsi_jibri_busy_ratio' }, target: { type: 'AverageValue', averageValue: '700m' } } }]);
    expect(one('ConfigMap').data.JIBRI_ENABLE_PROMETHEUS).toBe('true');
    const annotations = one('Deployment').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '2222', 'prometheus.io/path': '/metrics' });
    // The name is the one lib/status/metrics.ts registers.
    expect(fs.readFileSync(path.join(__dirname, '../../lib/status/metrics.ts'), 'utf8')).toContain("gauge('busy_ratio'");
  });
});
