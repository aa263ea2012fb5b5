/**
 * The kubernetes backend's pods, validated offline against the Kubernetes API schema subset the
 * manifests are checked with (spec/support/k8s-schema.ts), with a certificate of a real fleet CA among
 * their secrets as the backend gives them. No cluster ran here.
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { podManifest, POD_API_PORT, POD_LABELS, recorderOfPod, secretManifest } from '../../lib/backends/kubernetes-pod';
import { RecorderCa } from '../../lib/recorder-ca';
import { ROOT, tempDir } from '../../../../testkit/service';
import { loadConfig } from '../../../../lib/config';
import { recorderEnv, recorderSecrets } from '../../lib/deployer';
import { SCHEMAS, validate } from '../../../../testkit/k8s-schema';
import { parseYaml } from '../../../../testkit/yaml';
import type { Json } from '../../../../testkit/json';

describe('the kubernetes backend pod', () => {
  const spec = {
    recorderId: '0b7f5c2e-1d2a-4c3b-8e9f-a1b2c3d4e5f6',
    deploymentId: 'd-1',
    location: 'fra',
    expiresAt: '2026-11-23T10:00:00.000Z',
    env: recorderEnv({ XMPP_SERVER: 'prosody.jitsi:5222', JIBRI_XMPP_PASSWORD: 'pw', PUBLIC_URL: 'https://meet.example.org' }, '0b7f5c2e-1d2a-4c3b-8e9f-a1b2c3d4e5f6'),
    secrets: recorderSecrets({ JIBRI_XMPP_PASSWORD: 'pw', JIBRI_RECORDER_PASSWORD: 'rpw' }, 'the-recorder-token'),
  };
  const pod = podManifest(spec, { image: 'registry.example/jibri-ts:1', namespace: 'jibri', lifetimeSec: 3600, stopGraceSec: 60 }) as Json;

  it('matches the API schema subset', () => {
    const problems: string[] = [];
    validate(pod, SCHEMAS['v1/Pod']!, 'pod', problems);
    expect(problems).toEqual([]);
  });

  it('is labelled, bounded in time, and given time to finish a recording', () => {
    expect(pod.metadata.labels).toMatchObject({ [POD_LABELS.fleet]: 'true', [POD_LABELS.deployment]: 'd-1', [POD_LABELS.recorder]: spec.recorderId });
    expect(pod.spec.activeDeadlineSeconds).toBe(3600 + 60);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(60);
    expect(pod.metadata.annotations['controller.kubernetes.io/pod-deletion-cost']).toBe('0');
    const c = pod.spec.containers[0];
    expect(c.lifecycle.preStop.exec.command).toEqual(['node', '/app/prestop.js']);
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'JIBRI_INSTANCE_ID', value: spec.recorderId },
      { name: 'XMPP_SERVER', value: 'prosody.jitsi:5222' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]));
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it("is a configuration the recorder starts with: its API on the pod's address, its token and passwords read from the Secret's files", () => {
    const env = Object.fromEntries(pod.spec.containers[0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_TOKEN_FILE: '/run/secrets/jibri/JIBRI_HTTP_API_TOKEN' });
    const files = (secretManifest(spec, 'jibri') as Json).stringData as Record<string, string>;
    const config = loadConfig(env, 'pod', { readSecretFile: (f) => files[path.basename(f)] ?? '' });
    expect(config.http).toMatchObject({ host: '0.0.0.0', token: 'the-recorder-token' });
    expect(config.lifecycle.internalToken).toBe('the-recorder-token');
  });

  it('gets its secrets as files from a Secret of its own, owned by the pod; no secret value is in the pod', () => {
    const secret = secretManifest(spec, 'jibri', { name: pod.metadata.name, uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }) as Json;
    const problems: string[] = [];
    validate(secret, SCHEMAS['v1/Secret']!, 'secret', problems);
    expect(problems).toEqual([]);
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }]);
    expect(secret.stringData).toEqual({ JIBRI_HTTP_API_TOKEN: 'the-recorder-token', JIBRI_XMPP_PASSWORD: 'pw', JIBRI_RECORDER_PASSWORD: 'rpw' });
    const c = pod.spec.containers[0];
    expect(pod.spec.volumes).toContainEqual({ name: 'secrets', secret: { secretName: secret.metadata.name, defaultMode: 0o400 } });
    expect(c.volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/run/secrets/jibri', readOnly: true });
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'JIBRI_HTTP_API_TOKEN_FILE', value: '/run/secrets/jibri/JIBRI_HTTP_API_TOKEN' },
      { name: 'JIBRI_XMPP_PASSWORD_FILE', value: '/run/secrets/jibri/JIBRI_XMPP_PASSWORD' },
      { name: 'JIBRI_HTTP_API_INTERNAL_AUTH', value: 'true' },
      { name: 'XMPP_TRUST_ALL_CERTS', value: 'false' },
    ]));
    const text = JSON.stringify(pod);
    for (const secretValue of ['the-recorder-token', '"pw"', 'rpw']) expect(text).not.toContain(secretValue);
  });

  it("with its certificate from the fleet's CA in its Secret, serves HTTPS only and is probed so", async () => {
    const ca = await RecorderCa.open(tempDir('jibri-ts-k8s-ca-'));
    const tls = await ca.issue(spec.recorderId, new Date(spec.expiresAt));
    const withTls = { ...spec, secrets: { ...spec.secrets, ...tls } };
    const tlsPod = podManifest(withTls, { image: 'registry.example/jibri-ts:1', namespace: 'jibri', lifetimeSec: 3600, stopGraceSec: 60 }) as Json;
    const problems: string[] = [];
    validate(tlsPod, SCHEMAS['v1/Pod']!, 'pod', problems);
    expect(problems).toEqual([]);
    const c = tlsPod.spec.containers[0];
    for (const probe of [c.startupProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/jibri/api/v1.0/health', port: 'http', scheme: 'HTTPS' });
    expect(pod.spec.containers[0].livenessProbe.httpGet.scheme).toBe('HTTP');
    const files = (secretManifest(withTls, 'jibri') as Json).stringData as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(['JIBRI_HTTP_API_TLS_CERT', 'JIBRI_HTTP_API_TLS_KEY', 'JIBRI_HTTP_API_TOKEN', 'JIBRI_RECORDER_PASSWORD', 'JIBRI_XMPP_PASSWORD']);
    const env = Object.fromEntries(c.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ JIBRI_HTTP_API_TLS_CERT_FILE: '/run/secrets/jibri/JIBRI_HTTP_API_TLS_CERT', JIBRI_HTTP_API_TLS_KEY_FILE: '/run/secrets/jibri/JIBRI_HTTP_API_TLS_KEY' });
    // The recorder takes them as its HTTPS certificate and key; the key is in no field of the pod.
    expect(loadConfig(env, 'pod', { readSecretFile: (f) => files[path.basename(f)] ?? '' }).http.tls).toEqual({ certFile: '/run/secrets/jibri/JIBRI_HTTP_API_TLS_CERT', keyFile: '/run/secrets/jibri/JIBRI_HTTP_API_TLS_KEY' });
    expect(JSON.stringify(tlsPod)).not.toContain('PRIVATE KEY');
    expect(recorderOfPod(tlsPod.metadata.name)).toBe(spec.recorderId);
  });

  it("the NetworkPolicy docs/FLEET.md gives operators is valid, selects the fleet's recorder pods and opens their API port alone", () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/FLEET.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^kind: NetworkPolicy$/m.test(b));
    expect(blocks).toHaveLength(1);
    const policy = parseYaml(blocks[0]!) as Json;
    const problems: string[] = [];
    validate(policy, SCHEMAS['networking.k8s.io/v1/NetworkPolicy']!, 'policy', problems);
    expect(problems).toEqual([]);
    expect(policy.metadata.namespace).toBe('jibri');
    // It selects every pod the backend makes, and lets in only TCP to the one port those pods open.
    expect(Object.keys(policy.spec.podSelector.matchLabels)).toEqual([POD_LABELS.fleet]);
    expect(pod.metadata.labels[POD_LABELS.fleet]).toBe(policy.spec.podSelector.matchLabels[POD_LABELS.fleet]);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: POD_API_PORT, protocol: 'TCP' }]);
    expect(pod.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: POD_API_PORT }]);
    expect(policy.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jibri-ts-fleet' } } }]);
  });

  it('the schema subset catches a wrong pod (self-check)', () => {
    const problems: string[] = [];
    validate({ ...pod, spec: { ...pod.spec, restartPolicy: 'Sometimes', activeDeadlineSeconds: '1h' } }, SCHEMAS['v1/Pod']!, 'bad', problems);
    expect(problems.join('\n')).toMatch(/restartPolicy/);
    expect(problems.join('\n')).toMatch(/activeDeadlineSeconds: expected an integer/);
  });
});
