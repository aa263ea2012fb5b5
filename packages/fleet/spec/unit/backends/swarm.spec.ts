import * as crypto from 'node:crypto';
import { loadFleetConfig, parsePortRange, parseSwarmPlacement } from '../../../lib/config';
import { nodeAddress, pickPorts, placementFor, portsOfLabel, serviceName, serviceSpec, unschedulable } from '../../../lib/backends/swarm';
import type { RecorderSpec } from '../../../lib/backends/backend';

const spec: RecorderSpec = {
  recorderId: '0b7a4e5c-5f0e-4a57-9d2f-2f0c2b0f9e11',
  deploymentId: 'd-1',
  location: 'fra',
  expiresAt: '2030-01-01T00:00:00.000Z',
  env: { XMPP_SERVER: 'xmpp.example.com:5222', JIBRI_INSTANCE_ID: '0b7a4e5c-5f0e-4a57-9d2f-2f0c2b0f9e11' },
  secrets: { JIBRI_HTTP_API_TOKEN: 'tok-secret', JIBRI_XMPP_PASSWORD: 'xmpp-secret' },
};
const opts = { image: 'jibri-ts:1.2', placement: { fra: 'eu-central-1' }, reserve: { nanoCpus: 1e9, memoryBytes: 1024 ** 3 } };
const secrets = { JIBRI_HTTP_API_TOKEN: { id: 's1', name: 'jibri-ts-x-0' }, JIBRI_XMPP_PASSWORD: { id: 's2', name: 'jibri-ts-x-1' } };

describe('fleet: the swarm backend', () => {
  it('builds one hardened, never restarted replica on the host network, placed by the location label, with its secrets as files', () => {
    const s = serviceSpec(opts, spec, { port: 42000, internalPort: 42001 }, secrets, ['10.0.0.5', '10.0.0.6']);
    expect(s.Name).toBe(`jibri-ts-${spec.recorderId}`);
    expect(s.Labels).toMatchObject({ 'jibri-ts.fleet': 'true', 'jibri-ts.deployment': 'd-1', 'jibri-ts.recorder': spec.recorderId, 'jibri-ts.expires': spec.expiresAt, 'jibri-ts.ports': '42000,42001' });
    expect(s.Mode).toEqual({ Replicated: { Replicas: 1 } });
    const t = s.TaskTemplate as { ContainerSpec: Record<string, unknown>; RestartPolicy: unknown; Placement: unknown; Resources: unknown; Networks: unknown };
    expect(t.RestartPolicy).toEqual({ Condition: 'none', MaxAttempts: 0 });
    expect(t.Placement).toEqual({ Constraints: ['node.labels.jibri-location==eu-central-1'] });
    expect(t.Resources).toEqual({ Reservations: { NanoCPUs: 1e9, MemoryBytes: 1024 ** 3 } });
    expect(t.Networks).toEqual([{ Target: 'host' }]);
    expect(t.ContainerSpec).toMatchObject({ Image: 'jibri-ts:1.2', Args: ['serve'], User: '1000:1000', ReadOnly: true, Init: true, CapabilityDrop: ['ALL'], StopSignal: 'SIGINT' });
    // The container is not labelled as the fleet's: the docker backend's label search must not find it.
    expect(t.ContainerSpec.Labels).not.toHaveProperty('jibri-ts.fleet');
    const env = t.ContainerSpec.Env as string[];
    expect(env).toEqual(expect.arrayContaining([
      'JIBRI_HTTP_API_TOKEN_FILE=/run/secrets/JIBRI_HTTP_API_TOKEN', 'JIBRI_XMPP_PASSWORD_FILE=/run/secrets/JIBRI_XMPP_PASSWORD',
      'JIBRI_HTTP_API_EXTERNAL_PORT=42000', 'JIBRI_HTTP_API_INTERNAL_PORT=42001', // The addresses of the location's nodes: the recorder binds its own node's, never 0.0.0.0.
      'JIBRI_HTTP_API_EXTERNAL_HOST=10.0.0.5,10.0.0.6', 'JIBRI_HTTP_API_INTERNAL_HOST=10.0.0.5,10.0.0.6',
      'XMPP_SERVER=xmpp.example.com:5222',
    ]));
    expect(t.ContainerSpec.Secrets).toEqual([
      { SecretID: 's1', SecretName: 'jibri-ts-x-0', File: { Name: 'JIBRI_HTTP_API_TOKEN', UID: '1000', GID: '1000', Mode: 0o400 } },
      { SecretID: 's2', SecretName: 'jibri-ts-x-1', File: { Name: 'JIBRI_XMPP_PASSWORD', UID: '1000', GID: '1000', Mode: 0o400 } },
    ]);
    expect(JSON.stringify(s)).not.toMatch(/tok-secret|xmpp-secret/);
    expect(t.ContainerSpec.Mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Source: '', Target: '/tmp', VolumeOptions: expect.objectContaining({ Labels: { 'jibri-ts.tmp': 'true', 'jibri-ts.recorder': spec.recorderId }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'exec,mode=1777' } } }) }),
      expect.objectContaining({ Type: 'volume', Source: `jibri-ts-${spec.recorderId}-recordings`, Target: '/storage/recordings' }),
    ]);
  });

  it('names fit Swarm: services within 63 characters, secrets within 64', () => {
    expect(serviceName(crypto.randomUUID()).length).toBeLessThanOrEqual(63);
    expect(`${serviceName(crypto.randomUUID())}-9`.length).toBeLessThanOrEqual(64);
  });

  it("places a location by its mapped label value, or by its own name", () => {
    expect(placementFor('fra', { fra: 'eu-central-1' })).toEqual({ value: 'eu-central-1', constraint: 'node.labels.jibri-location==eu-central-1' });
    expect(placementFor('lon', { fra: 'eu-central-1' }).constraint).toBe('node.labels.jibri-location==lon');
  });

  it('gives the lowest two ports no service or pending create holds, and none when the range is full', () => {
    expect(pickPorts({ first: 100, last: 105 }, new Set([100, 102]))).toEqual({ port: 101, internalPort: 103 });
    expect(pickPorts({ first: 100, last: 102 }, new Set([100, 102]))).toBeUndefined();
    expect(portsOfLabel('42000,42001')).toEqual([42000, 42001]);
    expect(portsOfLabel(undefined)).toEqual([]);
    expect(portsOfLabel('x,-1')).toEqual([]);
  });

  it("tells a task Swarm cannot place (no node with the label, or none with room) from one that waits", () => {
    expect(unschedulable({ Status: { State: 'pending', Err: 'no suitable node (scheduling constraints not satisfied on 1 node)' } })).toBe(true);
    expect(unschedulable({ Status: { State: 'pending', Err: 'no suitable node (insufficient resources on 2 nodes)' } })).toBe(true);
    expect(unschedulable({ Status: { State: 'pending' } })).toBe(false);
    expect(unschedulable({ Status: { State: 'running' } })).toBe(false);
  });

  it("reaches a node on its address, a manager that reports 0.0.0.0 on its manager address", () => {
    expect(nodeAddress({ Status: { Addr: '10.0.0.5' } })).toBe('10.0.0.5');
    expect(nodeAddress({ Status: { Addr: '0.0.0.0' }, ManagerStatus: { Addr: '10.0.0.1:2377' } })).toBe('10.0.0.1');
    expect(nodeAddress({ Status: { Addr: '0.0.0.0' }, ManagerStatus: { Addr: '[fd00::1]:2377' } })).toBe('fd00::1');
    expect(nodeAddress({})).toBeUndefined();
  });

  it('reads its settings, and names the variable of a bad one', () => {
    const base = { JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64') };
    const c = loadFleetConfig({ ...base, JIBRI_FLEET_LOCATIONS: 'fra=swarm', JIBRI_FLEET_SWARM_LOCATIONS: 'fra=eu-central-1', JIBRI_FLEET_SWARM_CPUS: '0.5', JIBRI_FLEET_SWARM_MEMORY_MB: '512' }, { isRoot: false });
    expect(c.locations).toEqual({ fra: 'swarm' });
    expect(c.swarmPlacement).toEqual({ fra: 'eu-central-1' });
    expect(c.swarmPorts).toEqual({ first: 42000, last: 42999 });
    expect(c.swarmReserve).toEqual({ nanoCpus: 5e8, memoryBytes: 512 * 1024 * 1024 });
    const problems: string[] = [];
    expect(parseSwarmPlacement('fra=a==b', problems)).toEqual({});
    expect(parseSwarmPlacement('mars=x', problems)).toEqual({});
    expect(parsePortRange('80-81', problems)).toEqual({ first: 42000, last: 42999 });
    expect(parsePortRange('5000-5000', problems)).toEqual({ first: 42000, last: 42999 });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^JIBRI_FLEET_SWARM_LOCATIONS: fra=/);
    expect(() => loadFleetConfig({ ...base, JIBRI_FLEET_LOCATIONS: 'fra=nomad' }, { isRoot: false })).toThrow(/local, docker, swarm or kubernetes/);
  });
});
