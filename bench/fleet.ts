/**
 * The fleet server as users run it (`jibri-ts fleet`, its own process, the local backend, a real Prosody):
 * time from the deploy request to the success callback for 1 and for 4 recorders, and the fleet
 * server's memory (RSS) while it runs them.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDemoServer } from '../lib/demo/server';
import { DOMAINS, startProsody } from '../testkit/prosody';
import { startReceiver } from '../testkit/receiver';
import { freePort } from '../testkit/service';
import type { Json } from '../testkit/json';

export interface FleetBench {
  deployToCallbackMs: Record<string, number>;
  fleetRssMb: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function benchFleet(): Promise<FleetBench> {
  const prosody = await startProsody();
  const pw = { jibri: 'bench-fleet-jibri', recorder: 'bench-fleet-rec' };
  prosody.register('jibri', DOMAINS.auth, pw.jibri);
  prosody.register('recorder', DOMAINS.hidden, pw.recorder);
  const page = await startDemoServer();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-fleet-'));
  // Recorders may run under their own uids (a root fleet): they pass through the base folder.
  fs.chmodSync(base, 0o711);
  const dataDir = path.join(base, 'data');
  const recordersDir = path.join(base, 'recorders');
  const port = await freePort();
  const receiver = await startReceiver('/cb');
  const callbacks = receiver.got;
  const cbUrl = receiver.url;
  const fleet = spawn(process.execPath, [path.join(__dirname, '../lib/main.js'), 'fleet'], {
    env: {
      ...process.env,
      JIBRI_FLEET_PORT: String(port),
      JIBRI_FLEET_DATA_DIR: dataDir,
      JIBRI_FLEET_RECORDERS_DIR: recordersDir,
      JIBRI_FLEET_ADMIN_TOKEN: 'bench',
      JIBRI_FLEET_CALLBACK_SECRET: 'bench',
      JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      // The bench's receiver and Prosody are on loopback, which the fleet refuses unless allowed.
      JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
      JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
      JIBRI_FLEET_LOCATIONS: 'lon=local',
      JIBRI_FLEET_LOCAL_CAPACITY: '4',
      JIBRI_LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  const api = `http://127.0.0.1:${port}`;
  const admin = async (method: string, p: string, body?: unknown): Promise<Json> =>
    (await fetch(`${api}/admin${p}`, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })).json();
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${api}/balance`).then(() => true, () => false)) break;
      await sleep(100);
    }
    const { account_id, apiKey } = await admin('POST', '/accounts', { name: 'bench' });
    await admin('POST', `/accounts/${account_id}/balance`, { amount: 100 });
    await admin('PUT', `/accounts/${account_id}/domains/meet.test`, {
      XMPP_SERVER: `127.0.0.1:${prosody.port}`, XMPP_DOMAIN: DOMAINS.xmpp, XMPP_AUTH_DOMAIN: DOMAINS.auth, XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc,
      XMPP_MUC_DOMAIN: DOMAINS.muc, XMPP_HIDDEN_DOMAIN: DOMAINS.hidden, JIBRI_BREWERY_MUC: 'jibribrewery', JIBRI_XMPP_USER: 'jibri', JIBRI_XMPP_PASSWORD: pw.jibri,
      JIBRI_RECORDER_USER: 'recorder', JIBRI_RECORDER_PASSWORD: pw.recorder, PUBLIC_URL: page.baseUrl,
    });
    const out: FleetBench = { deployToCallbackMs: {}, fleetRssMb: 0 };
    for (const n of [1, 4]) {
      const t0 = Date.now();
      const res = await (await fetch(`${api}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey, domain: 'meet.test', recorders: String(n), duration: '1', location: 'lon', callback_url: cbUrl }) })).json();
      if (res.it !== 'worked') throw new Error(`deploy failed: ${res.message}`);
      let cb: { at: number; body: Json } | undefined;
      for (let i = 0; i < 1200 && !cb; i++) {
        cb = callbacks.find((c) => c.body.deployment_info?.deployment_id === res.deployment_id || (c.body.it === 'failed' && c.at >= t0));
        if (!cb) await sleep(100);
      }
      if (!cb || cb.body.it !== 'worked') throw new Error(`no success callback for ${n} recorder(s): ${JSON.stringify(cb?.body)}`);
      out.deployToCallbackMs[String(n)] = cb.at - t0;
      const status = fs.readFileSync(`/proc/${fleet.pid}/status`, 'utf8');
      out.fleetRssMb = Math.max(out.fleetRssMb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      const released = await fetch(`${api}/deployments/${res.deployment_id}`, { method: 'DELETE', headers: { 'x-api-key': apiKey } });
      if (!released.ok) throw new Error(`release failed: ${released.status}`);
      for (let i = 0; i < 300; i++) {
        const d = await (await fetch(`${api}/deployments/${res.deployment_id}`, { headers: { 'x-api-key': apiKey } })).json();
        if (d.deployment?.state === 'ended') break;
        await sleep(100);
      }
    }
    return out;
  } finally {
    fleet.kill('SIGINT');
    await new Promise((r) => (fleet.exitCode !== null ? r(undefined) : fleet.once('exit', r)));
    await receiver.close();
    await page.close();
    await prosody.stop();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

export function describeFleet(r: FleetBench): string {
  return `fleet (local backend): deploy request → success callback ${(r.deployToCallbackMs['1']! / 1000).toFixed(2)} s for 1 recorder, ${(r.deployToCallbackMs['4']! / 1000).toFixed(2)} s for 4; fleet server RSS ${r.fleetRssMb.toFixed(0)} MB`;
}
