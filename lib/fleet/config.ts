/**
 * The fleet server's own configuration (JIBRI_FLEET_*), read once and validated like the recorder's:
 * a bad value stops the start with the variable's name and what it expects.
 */
import * as path from 'node:path';
import { ConfigError, type Setting } from '../config';

/** The seed's eight locations. */
export const LOCATIONS = ['nyc', 'lon', 'ams', 'fra', 'tor', 'sgp', 'blr', 'sfo'] as const;
export type Location = (typeof LOCATIONS)[number];

export type BackendKind = 'local' | 'docker' | 'kubernetes';

export interface FleetConfig {
  host: string;
  port: number;
  /** The SQLite file that holds accounts, the ledger, domains and deployments. */
  databasePath: string;
  /** Where local recorders keep their recordings, one folder per recorder. */
  dataDir: string;
  adminToken?: string;
  /** Which backend serves a location; a location not listed is "not available". */
  locations: Partial<Record<Location, BackendKind>>;
  /** Price of one recorder-hour, per location (default for all: JIBRI_FLEET_PRICE). */
  prices: Partial<Record<Location, number>>;
  defaultPrice: number;
  /** Seconds in a billed "hour": 3600, shorter in tests. */
  hourSeconds: number;
  /** Most recorders the local backend runs at once. */
  localCapacity: number;
  /** How long a deployment may take to be healthy and in the brewery. */
  deployTimeoutSec: number;
  /** How long an expiring recorder that is busy may go on before it is stopped (its file is kept). */
  drainCapSec: number;
  /** Secret for the callbacks' HMAC-SHA256 signature. */
  callbackSecret: string;
  callbackAttempts: number;
  /** Maintenance: deploys get 503 while set. */
  maintenance: boolean;
  /** The image the docker and kubernetes backends run. */
  dockerImage: string;
  /** The namespace the kubernetes backend creates pods in (its kubeconfig or in-cluster account decides the cluster). */
  kubernetesNamespace: string;
  /** The recorder program the local backend runs. */
  recorderMain: string;
}

/** Every variable the fleet reads, for .env.example (scripts/config-docs.js) and its checks. */
export const FLEET_SETTINGS: readonly Setting[] = [
  { name: 'JIBRI_FLEET_HOST', default: '127.0.0.1', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Address the fleet API binds to' },
  { name: 'JIBRI_FLEET_PORT', default: '3000', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Port of the fleet API' },
  { name: 'JIBRI_FLEET_DATA_DIR', default: 'fleet-data', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Folder of the database and of the local recorders' },
  { name: 'JIBRI_FLEET_DATABASE', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'SQLite file; defaults to fleet.sqlite in the data folder' },
  { name: 'JIBRI_FLEET_ADMIN_TOKEN', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Bearer token of the admin API (unset: the admin API is off)', secret: true },
  { name: 'JIBRI_FLEET_CALLBACK_SECRET', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Required: HMAC-SHA256 key that signs the callbacks', secret: true },
  { name: 'JIBRI_FLEET_CALLBACK_ATTEMPTS', default: '8', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Deliveries tried per callback, with doubling waits' },
  { name: 'JIBRI_FLEET_LOCATIONS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'location=backend pairs (local, docker, kubernetes); unset: every seed location on local' },
  { name: 'JIBRI_FLEET_PRICE', default: '1', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Price of a recorder-hour' },
  { name: 'JIBRI_FLEET_PRICES', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Per-location prices, e.g. lon=1.5,fra=2' },
  { name: 'JIBRI_FLEET_HOUR_SECONDS', default: '3600', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Length of a billed hour in seconds (tests shorten it)' },
  { name: 'JIBRI_FLEET_LOCAL_CAPACITY', default: '4', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Recorders a backend runs at once' },
  { name: 'JIBRI_FLEET_DEPLOY_TIMEOUT', default: '120', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds a deployment may take to be ready' },
  { name: 'JIBRI_FLEET_DRAIN_CAP', default: '14400', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds an expiring busy recorder may go on recording' },
  { name: 'JIBRI_FLEET_MAINTENANCE', default: 'false', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Deploys get 503' },
  { name: 'JIBRI_FLEET_DOCKER_IMAGE', default: 'jibri-ts:local', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Image of the docker and kubernetes backends' },
  { name: 'JIBRI_FLEET_K8S_NAMESPACE', default: 'jibri', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Namespace of the kubernetes backend\'s pods' },
  { name: 'JIBRI_FLEET_RECORDER_MAIN', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'The recorder program the local backend runs; defaults to this install\'s dist/lib/main.js' },
];

type Env = Record<string, string | undefined>;

export function loadFleetConfig(env: Env): FleetConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => (env[name]?.trim() ? env[name].trim() : undefined);
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };
  const price = (name: string, raw: string): number | undefined => {
    if (!/^\d+(\.\d+)?$/.test(raw)) {
      problems.push(`${name}: ${JSON.stringify(raw)} is not a price (e.g. 0.25)`);
      return undefined;
    }
    return Number(raw);
  };

  const locations: FleetConfig['locations'] = {};
  for (const entry of (get('JIBRI_FLEET_LOCATIONS') ?? 'nyc=local,lon=local,ams=local,fra=local,tor=local,sgp=local,blr=local,sfo=local').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [loc, backend] = entry.split('=').map((x) => x.trim());
    if (!LOCATIONS.includes(loc as Location)) problems.push(`JIBRI_FLEET_LOCATIONS: ${JSON.stringify(loc)} is not one of ${LOCATIONS.join(', ')}`);
    else if (backend !== 'local' && backend !== 'docker' && backend !== 'kubernetes') problems.push(`JIBRI_FLEET_LOCATIONS: ${loc}=${JSON.stringify(backend)}: the backend must be local, docker or kubernetes`);
    else locations[loc as Location] = backend;
  }
  const prices: FleetConfig['prices'] = {};
  for (const entry of (get('JIBRI_FLEET_PRICES') ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [loc, value] = entry.split('=').map((x) => x.trim());
    if (!LOCATIONS.includes(loc as Location)) problems.push(`JIBRI_FLEET_PRICES: ${JSON.stringify(loc)} is not a location`);
    else {
      const p = price('JIBRI_FLEET_PRICES', value ?? '');
      if (p !== undefined) prices[loc as Location] = p;
    }
  }
  const dataDir = path.resolve(get('JIBRI_FLEET_DATA_DIR') ?? 'fleet-data');
  const callbackSecret = get('JIBRI_FLEET_CALLBACK_SECRET');
  if (!callbackSecret) problems.push('JIBRI_FLEET_CALLBACK_SECRET is required: callbacks are signed with it (HMAC-SHA256), so receivers can check them');
  const config: FleetConfig = {
    host: get('JIBRI_FLEET_HOST') ?? '127.0.0.1',
    port: int('JIBRI_FLEET_PORT', 3000, 0, 65535),
    databasePath: path.resolve(get('JIBRI_FLEET_DATABASE') ?? path.join(dataDir, 'fleet.sqlite')),
    dataDir,
    ...(get('JIBRI_FLEET_ADMIN_TOKEN') ? { adminToken: get('JIBRI_FLEET_ADMIN_TOKEN')! } : {}),
    locations,
    prices,
    defaultPrice: price('JIBRI_FLEET_PRICE', get('JIBRI_FLEET_PRICE') ?? '1') ?? 1,
    hourSeconds: int('JIBRI_FLEET_HOUR_SECONDS', 3600, 1, 3600),
    localCapacity: int('JIBRI_FLEET_LOCAL_CAPACITY', 4, 0, 1000),
    deployTimeoutSec: int('JIBRI_FLEET_DEPLOY_TIMEOUT', 120, 5, 3600),
    drainCapSec: int('JIBRI_FLEET_DRAIN_CAP', 4 * 3600, 0, 7 * 24 * 3600),
    callbackSecret: callbackSecret ?? '',
    callbackAttempts: int('JIBRI_FLEET_CALLBACK_ATTEMPTS', 8, 1, 50),
    maintenance: ['1', 'true', 'yes', 'on'].includes((get('JIBRI_FLEET_MAINTENANCE') ?? '').toLowerCase()),
    dockerImage: get('JIBRI_FLEET_DOCKER_IMAGE') ?? 'jibri-ts:local',
    kubernetesNamespace: get('JIBRI_FLEET_K8S_NAMESPACE') ?? 'jibri',
    recorderMain: path.resolve(get('JIBRI_FLEET_RECORDER_MAIN') ?? path.join(__dirname, '..', 'main.js')),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

export function priceOf(config: FleetConfig, location: Location): number {
  return config.prices[location] ?? config.defaultPrice;
}
