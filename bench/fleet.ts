/**
 * The fleet server as users run it (`jibri-ts fleet`, its own process, a real Prosody): time from the
 * deploy request to the success callback for 1 and for 4 recorders, on the local, docker and swarm
 * backends in the same run (medians of BENCH_FLEET_RUNS deploys each), and the fleet server's memory
 * (RSS) while it runs them. The docker and swarm backends run the jibri-ts image (IMAGE, default
 * jibri-ts:local, which `npm test` builds); without an engine or the image they are reported as not
 * measured, with the reason. The swarm is a single node on loopback (testkit/swarm.ts), made for
 * the run when the engine is in none and left after.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { LABELS } from '../packages/fleet/lib/backends/docker';
import { SWARM_LABELS, serviceName } from '../packages/fleet/lib/backends/swarm';
import { startDemoServer, type DemoServer } from '../lib/demo/server';
import { DOMAINS, fleetDomainConfig, startProsody, type ProsodyHandle } from '../testkit/prosody';
import { startReceiver, type Receiver } from '../testkit/receiver';
import { freePort } from '../testkit/service';
import { fleetBaseDir } from '../testkit/fleet-recorder';
import { startTestSwarm, type TestSwarm } from '../testkit/swarm';
import type { Json } from '../testkit/json';
import { median } from './proc-stats';

type Backend = 'local' | 'docker' | 'swarm';
const BACKENDS: Backend[] = ['local', 'docker', 'swarm'];
const SIZES = [1, 4];
const RUNS = Number(process.env.BENCH_FLEET_RUNS ?? 3);
const IMAGE = process.env.IMAGE ?? 'jibri-ts:local';

export interface FleetBench {
  /** Per backend, per recorder count: the median, and every run, in ms. */
  deployToCallbackMs: Partial<Record<Backend, Record<string, { median: number; runs: number[] }>>>;
  /** Backends not measured, and why. */
  notMeasured: Partial<Record<Backend, string>>;
  fleetRssMb: number;
  runs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Peers {
  prosody: ProsodyHandle;
  page: DemoServer;
  receiver: Receiver;
  pw: { jibri: string; recorder: string };
}

/** Why a container backend cannot be measured here, or undefined when it can. */
async function containerProblem(docker: Docker): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch {
    return 'no Docker engine answers (bash scripts/dockerd.sh starts one)';
  }
  if (!(await docker.listImages({ filters: { reference: [IMAGE] } })).length) return `the image ${IMAGE} is missing (bash scripts/container-check.sh builds it)`;
  return undefined;
}

/** One fleet process on one backend: RUNS deploys of each size, each released before the next. */
async function benchBackend(backend: Backend, peers: Peers, extraEnv: Record<string, string>, out: FleetBench): Promise<void> {
  const base = fleetBaseDir(`jibri-ts-bench-fleet-${backend}-`);
  const port = await freePort();
  const fleet = spawn(process.execPath, [path.join(__dirname, '../lib/main.js'), 'fleet'], {
    env: {
      ...process.env,
      JIBRI_FLEET_PORT: String(port),
      JIBRI_FLEET_DATA_DIR: path.join(base, 'data'),
      JIBRI_FLEET_RECORDERS_DIR: path.join(base, 'recorders'),
      JIBRI_FLEET_ADMIN_TOKEN: 'bench',
      JIBRI_FLEET_CALLBACK_SECRET: 'bench',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      // The bench's receiver and Prosody are on loopback, which the fleet refuses unless allowed.
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${peers.receiver.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${peers.prosody.port}`,
      JIBRI_FLEET_BROWSER_ALLOWED_HOSTS: new URL(peers.page.baseUrl).host,
      JIBRI_FLEET_LOCATIONS: `lon=${backend}`,
      JIBRI_FLEET_LOCAL_CAPACITY: '4',
      JIBRI_FLEET_DOCKER_IMAGE: IMAGE,
      JIBRI_LOG_LEVEL: 'error',
      ...extraEnv,
    },
    stdio: 'ignore',
  });
  const api = `http://127.0.0.1:${port}`;
  const admin = async (method: string, p: string, body?: unknown): Promise<Json> =>
    (await fetch(`${api}/admin${p}`, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })).json();
  const callbacks = peers.receiver.got;
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${api}/balance`).then(() => true, () => false)) break;
      await sleep(100);
    }
    const { account_id, apiKey } = await admin('POST', '/accounts', { name: `bench-${backend}` });
    await admin('POST', `/accounts/${account_id}/balance`, { amount: 1000 });
    await admin('PUT', `/accounts/${account_id}/domains/meet.test`, fleetDomainConfig({ prosodyPort: peers.prosody.port, jibriPassword: peers.pw.jibri, recorderPassword: peers.pw.recorder, publicUrl: peers.page.baseUrl }));
    const results: Record<string, { median: number; runs: number[] }> = {};
    for (const n of SIZES) {
      const runs: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const t0 = Date.now();
        const res = await (await fetch(`${api}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey, domain: 'meet.test', recorders: String(n), duration: '1', location: 'lon', callback_url: peers.receiver.url }) })).json();
        if (res.it !== 'worked') throw new Error(`${backend}: deploy failed: ${res.message}`);
        let cb: { at: number; body: Json } | undefined;
        for (let i = 0; i < 1800 && !cb; i++) {
          cb = callbacks.find((c) => c.body.deployment_info?.deployment_id === res.deployment_id || (c.body.it === 'failed' && c.at >= t0));
          if (!cb) await sleep(100);
        }
        if (!cb || cb.body.it !== 'worked') throw new Error(`${backend}: no success callback for ${n} recorder(s): ${JSON.stringify(cb?.body)}`);
        runs.push(cb.at - t0);
        const status = fs.readFileSync(`/proc/${fleet.pid}/status`, 'utf8');
        out.fleetRssMb = Math.max(out.fleetRssMb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
        const released = await fetch(`${api}/deployments/${res.deployment_id}`, { method: 'DELETE', headers: { 'x-api-key': apiKey } });
        if (!released.ok) throw new Error(`${backend}: release failed: ${released.status}`);
        let ended = false;
        for (let i = 0; i < 1200 && !ended; i++) {
          const d = await (await fetch(`${api}/deployments/${res.deployment_id}`, { headers: { 'x-api-key': apiKey } })).json();
          ended = d.deployment?.state === 'ended';
          if (!ended) await sleep(100);
        }
        if (!ended) throw new Error(`${backend}: the released deployment did not end within 120 s`);
      }
      results[String(n)] = { median: median(runs), runs };
    }
    out.deployToCallbackMs[backend] = results;
  } finally {
    fleet.kill('SIGINT');
    await new Promise((r) => (fleet.exitCode !== null ? r(undefined) : fleet.once('exit', r)));
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** Whatever a container backend of the bench left (a failed run): containers, services, secrets, volumes with the fleet's labels. */
async function removeLeftovers(docker: Docker, backend: Backend): Promise<void> {
  if (backend === 'docker') {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.fleet}=true`] } }).catch(() => [])) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
  if (backend === 'swarm') {
    const services = (await docker.listServices({ filters: { label: [`${LABELS.fleet}=true`] } }).catch(() => [])) as Array<{ ID: string }>;
    for (const s of services) await docker.getService(s.ID).remove().catch(() => undefined);
    const secrets = (await docker.listSecrets({ filters: { label: [`${LABELS.fleet}=true`] } }).catch(() => [])) as Array<{ ID: string }>;
    for (const s of secrets) await docker.getSecret(s.ID).remove().catch(() => undefined);
    for (const v of (await docker.listVolumes({ filters: { label: [`${SWARM_LABELS.tmp}=true`], dangling: ['true'] } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
}

export async function benchFleet(): Promise<FleetBench> {
  const prosody = await startProsody();
  const pw = { jibri: 'bench-fleet-jibri', recorder: 'bench-fleet-rec' };
  prosody.register('jibri', DOMAINS.auth, pw.jibri);
  prosody.register('recorder', DOMAINS.hidden, pw.recorder);
  const page = await startDemoServer();
  const receiver = await startReceiver('/cb');
  const docker = new Docker();
  const out: FleetBench = { deployToCallbackMs: {}, notMeasured: {}, fleetRssMb: 0, runs: RUNS };
  const peers: Peers = { prosody, page, receiver, pw };
  try {
    for (const backend of BACKENDS) {
      process.stderr.write(`fleet: ${backend} backend, ${RUNS} deploys each of ${SIZES.join(' and ')} recorder(s)...\n`);
      if (backend === 'local') {
        await benchBackend(backend, peers, {}, out);
        continue;
      }
      const problem = await containerProblem(docker);
      if (problem) {
        out.notMeasured[backend] = problem;
        continue;
      }
      let swarm: TestSwarm | undefined;
      const label = `jibri-ts-bench-${crypto.randomBytes(4).toString('hex')}`;
      const recorderIds = new Set<string>();
      try {
        let env: Record<string, string> = {};
        if (backend === 'swarm') {
          swarm = await startTestSwarm(docker, label);
          const first = await freePort();
          // Small reservations: four recorders fit on this one node.
          // The image by its id: Swarm pulls an image named by a tag first, and no registry is reachable here.
          env = { JIBRI_FLEET_DOCKER_IMAGE: (await docker.getImage(IMAGE).inspect()).Id, JIBRI_FLEET_SWARM_LOCATIONS: `lon=${label}`, JIBRI_FLEET_SWARM_PORTS: `${first}-${first + 19}`, JIBRI_FLEET_SWARM_CPUS: '0.1', JIBRI_FLEET_SWARM_MEMORY_MB: '128' };
        }
        await benchBackend(backend, peers, env, out);
        for (const c of receiver.got) for (const r of c.body.deployment_info?.recorders ?? []) recorderIds.add(r.recorder_id);
      } finally {
        await removeLeftovers(docker, backend);
        // The swarm's recordings volumes hold nothing here (no recording was made): they go.
        for (const id of backend === 'swarm' ? recorderIds : []) await docker.getVolume(`${serviceName(id)}-recordings`).remove().catch(() => undefined);
        await swarm?.release();
      }
    }
    return out;
  } finally {
    await receiver.close();
    await page.close();
    await prosody.stop();
  }
}

export function describeFleet(r: FleetBench): string {
  const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);
  const parts = BACKENDS.map((b) => {
    const m = r.deployToCallbackMs[b];
    return m ? `${b} ${s(m['1']?.median)} for 1, ${s(m['4']?.median)} for 4` : `${b} not measured (${r.notMeasured[b] ?? 'not run'})`;
  });
  return `fleet: deploy request → success callback, median of ${r.runs}: ${parts.join('; ')}; fleet server RSS ${r.fleetRssMb.toFixed(0)} MB`;
}
