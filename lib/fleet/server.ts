/**
 * Wires the fleet server: store, backends, callback sender, deployer, HTTP API; resumes after a restart
 * (pending callbacks, deployments in flight, expiries) before it listens.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { registerSecret } from '../log';
import { FleetAdmin } from './admin';
import type { RecorderBackend } from './backends/backend';
import { DockerBackend } from './backends/docker';
import { KubernetesBackend } from './backends/kubernetes';
import { LocalBackend } from './backends/local';
import { CallbackSender } from './callbacks';
import type { FleetConfig } from './config';
import { Deployer } from './deployer';
import { createFleetApp } from './http';
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

export async function startFleetServer(config: FleetConfig, log: Logger, opts: FleetServerOptions = {}): Promise<FleetServer> {
  for (const s of [config.adminToken, config.callbackSecret]) registerSecret(s);
  const store = new FleetStore(config.databasePath);
  const used = new Set(Object.values(config.locations));
  const backends: Partial<Record<string, RecorderBackend>> = opts.backends ?? {
    ...(used.has('local') ? { local: new LocalBackend({ recorderMain: config.recorderMain, dataDir: config.dataDir, capacity: config.localCapacity }) } : {}),
    ...(used.has('docker') ? { docker: new DockerBackend({ image: config.dockerImage, dataDir: config.dataDir, capacity: config.localCapacity }) } : {}),
    ...(used.has('kubernetes')
      ? { kubernetes: new KubernetesBackend({ image: config.dockerImage, namespace: config.kubernetesNamespace, capacity: config.localCapacity, drainCapSec: config.drainCapSec }) }
      : {}),
  };
  const callbacks = new CallbackSender({
    store,
    secret: config.callbackSecret,
    attempts: config.callbackAttempts,
    log,
    ...(opts.callbackBaseDelayMs ? { baseDelayMs: opts.callbackBaseDelayMs } : {}),
    urlOf: (id) => store.deployment(id)?.callbackUrl,
  });
  const deployer = new Deployer({ store, config, backends, callbacks, log });
  const admin = new FleetAdmin(store);
  await deployer.resume();
  callbacks.resume();
  const app = createFleetApp({ config, store, deployer, admin, log });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`the fleet API cannot listen on ${config.host}:${config.port} (${err.code}): set JIBRI_FLEET_PORT to a free port`)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log.info(`fleet API listening on ${url}`, { component: 'fleet' });
  return {
    url,
    store,
    deployer,
    admin,
    backends,
    stop: async () => {
      deployer.stop();
      callbacks.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      store.close();
    },
  };
}
