/**
 * Wires the fleet server, in an order that keeps a mistaken second start harmless: it binds its port
 * first (a busy port is an error before anything else is touched), then takes the database's lock
 * (another fleet on the same database is an error before any recovery runs), then opens the store,
 * resumes after a restart (pending callbacks, deployments in flight, expiries) and serves.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { packageVersion, registerSecret, type Logger } from '@jibri-ts/common';
import { FleetAdmin } from './admin';
import type { RecorderBackend } from './backends/backend';
import { DockerBackend } from './backends/docker';
import { KubernetesBackend } from './backends/kubernetes';
import { LocalBackend } from './backends/local';
import { SwarmBackend } from './backends/swarm';
import { verifyDomain } from './brewery-watch';
import { CallbackSender } from './callbacks';
import { DeliveryAdmin } from './delivery-admin';
import { RecordingLinks } from './recording-links';
import { RecordingWatch } from './recording-watch';
import { publicUrlOf, type FleetConfig } from './config';
import { RecorderCa } from './recorder-ca';
import { Dashboard } from './dashboard/dashboard';
import { Deployer } from './deployer';
import { createFleetApp } from './http';
import { lockDatabase, type InstanceLock } from './instance-lock';
import { FleetMetrics } from './metrics';
import { SecretBox } from './secret-box';
import { FleetStore } from './store';

export interface FleetServer {
  url: string;
  store: FleetStore;
  deployer: Deployer;
  admin: FleetAdmin;
  backends: Partial<Record<string, RecorderBackend>>;
  /** Stops serving; recorders keep running (a restarted fleet finds them again). */
  stop(): Promise<void>;
}

export interface FleetServerOptions {
  /** Backends to use instead of the configured ones (benchmarks). */
  backends?: Partial<Record<string, RecorderBackend>>;
  callbackBaseDelayMs?: number;
}

/** The data folder is the fleet's alone: 0700, made so if an older fleet left it open. */
export function prepareDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { mode, uid } = fs.statSync(dir);
  if ((mode & 0o077) === 0) return;
  try {
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    throw new Error(`JIBRI_FLEET_DATA_DIR: ${dir} is open to other users (mode ${(mode & 0o777).toString(8)}) and this process (uid ${process.getuid?.()}) cannot close it (${(err as NodeJS.ErrnoException).code}; it belongs to uid ${uid}): make it 0700 and owned by the fleet's user, or choose another folder`, { cause: err });
  }
}

function listen(config: FleetConfig, handler: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const s = http.createServer(handler);
    s.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`the fleet API cannot listen on ${config.host}:${config.port} (${err.code}): set JIBRI_FLEET_PORT to a free port`, { cause: err })));
    s.listen(config.port, config.host, () => resolve(s));
  });
}

/** The callbacks' queue: each account's own signature, or the legacy fleet-wide one. */
function callbackSender(db: FleetStore, config: FleetConfig, log: Logger, baseDelayMs: number | undefined): CallbackSender {
  return new CallbackSender({
    store: db,
    ...(config.callbackSecret ? { secret: config.callbackSecret } : {}),
    accountSecretOf: (id) => {
      const d = db.deployment(id);
      return d ? db.callbackSecret(d.accountId) : undefined;
    },
    attempts: config.callbackAttempts,
    log,
    allowedHosts: config.callbackAllowedHosts,
    ...(baseDelayMs ? { baseDelayMs } : {}),
    urlOf: (id) => db.deployment(id)?.callbackUrl,
  });
}

/** The customers' recordings: each domain's delivery, the watch over the recorders' recordings, their links and API. */
function recordingParts(db: FleetStore, config: FleetConfig, backends: Partial<Record<string, RecorderBackend>>, callbacks: CallbackSender, log: Logger) {
  const { deliveries } = db;
  const deliveryAdmin = new DeliveryAdmin({ store: db, deliveries, config, log });
  const { recordings } = db;
  const links = new RecordingLinks({ secretKey: config.secretKey, publicUrl: config.publicUrl, deliveries });
  const watch = new RecordingWatch({ store: db, recordings, deliveries, backends, callbacks, links, config, log });
  return { deliveries, deliveryAdmin, watch, recordingsApi: { store: recordings, links, recordingsDir: config.recordingsDir, log } };
}

export async function startFleetServer(config: FleetConfig, log: Logger, opts: FleetServerOptions = {}): Promise<FleetServer> {
  for (const s of [config.adminToken, config.metricsToken, config.callbackSecret]) registerSecret(s);
  for (const w of config.warnings) log.warn(w, { component: 'fleet' });
  let serve: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ it: 'failed', message: 'the fleet is starting; try again in a moment' }));
  };
  const server = await listen(config, (req, res) => serve(req, res));
  let lock: InstanceLock | undefined;
  let store: FleetStore | undefined;
  try {
    prepareDataDir(config.dataDir);
    lock = lockDatabase(config.databasePath);
    store = new FleetStore(config.databasePath, new SecretBox(config.secretKey));
    if (store.sealedAtStart) log.warn(`sealed ${store.sealedAtStart} password(s) an older fleet had stored in clear`, { component: 'fleet' });
    const db = store;
    const used = new Set(Object.values(config.locations));
    // Recorders beyond this host are reached over HTTPS with certificates of the fleet's own CA.
    const ca = !opts.backends && (used.has('swarm') || used.has('kubernetes')) ? await RecorderCa.open(config.dataDir) : undefined;
    if (ca?.made) log.info(`made the fleet's recorder CA in ${ca.dir} (ca.pem, and its key ca.key, 0600): swarm and kubernetes recorders get certificates from it`, { component: 'fleet' });
    const backends: Partial<Record<string, RecorderBackend>> = opts.backends ?? {
      ...(used.has('local') ? { local: new LocalBackend({ recorderMain: config.recorderMain, node: config.recorderNode, dir: config.recordersDir, ...(config.localUids ? { uids: config.localUids } : {}) }) } : {}),
      ...(used.has('docker') ? { docker: new DockerBackend({ image: config.dockerImage, dir: config.recordersDir }) } : {}),
      ...(ca && used.has('swarm') ? { swarm: new SwarmBackend({ image: config.dockerImage, placement: config.swarmPlacement, ports: config.swarmPorts, reserve: config.swarmReserve, ca }) } : {}),
      ...(ca && used.has('kubernetes') ? { kubernetes: new KubernetesBackend({ image: config.dockerImage, namespace: config.kubernetesNamespace, stopGraceSec: config.stopGraceSec + config.uploadWaitSec, ca }) } : {}),
    };
    const legacy = db.accountsWithoutCallbackSecret();
    if (legacy && !config.callbackSecret) {
      throw new Error(`JIBRI_FLEET_CALLBACK_SECRET: ${legacy} account(s) have no callback signing secret of their own yet, and their callbacks are signed with this key; set it as before, or give each account its own secret (POST /admin/accounts/:id/callback-secret, or the dashboard's API key page)`);
    }
    if (legacy) log.warn(`${legacy} account(s) still get callbacks signed with the fleet-wide JIBRI_FLEET_CALLBACK_SECRET (any customer who knows it can forge theirs): each gets a secret of its own when it generates one (dashboard, API key page) or the operator does (POST /admin/accounts/:id/callback-secret)`, { component: 'fleet' });
    const callbacks = callbackSender(db, config, log, opts.callbackBaseDelayMs);
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const served = { ...config, publicUrl: publicUrlOf(config, url) };
    const { deliveries, deliveryAdmin, watch, recordingsApi } = recordingParts(db, served, backends, callbacks, log);
    const deployer = new Deployer({ store: db, config, backends, callbacks, log, deliveries, recordings: watch });
    const admin = new FleetAdmin(db, (c) => verifyDomain(c, config.xmppAllowedHosts), config.browserAllowedHosts, (line) => log.warn(line, { component: 'fleet-admin' }));
    watch.start();
    await deployer.resume();
    callbacks.resume();
    const metrics = new FleetMetrics(() => db.totals(), packageVersion('@jibri-ts/fleet', __dirname));
    const dashboard = new Dashboard({ config: served, store: db, deployer, admin, deliveries: deliveryAdmin, recordings: recordingsApi, log });
    const app = createFleetApp({ config: served, store: db, deployer, admin, log, dashboard, deliveries: deliveryAdmin, recordings: recordingsApi, metrics });
    serve = app;
    log.info(`fleet API listening on ${url}`, { component: 'fleet' });
    const held = lock;
    return {
      url,
      store: db,
      deployer,
      admin,
      backends,
      stop: async () => {
        watch.stop();
        deployer.stop();
        callbacks.stop();
        await dashboard.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        db.close();
        held.release();
      },
    };
  } catch (err) {
    store?.close();
    lock?.release();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
}
