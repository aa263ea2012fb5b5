/**
 * The fleet server's own configuration (JIBRI_FLEET_*), read once through the recorder's settings reader
 * (@jibri-ts/common): each default is written once, in FLEET_SETTINGS, and a bad value stops the start
 * with the variable's name and what it expects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ipaddr from 'ipaddr.js';
import { ConfigError, Reader, readAllowedHosts, readSecretFiles, withSecretFiles, type Setting } from '@jibri-ts/common';
import type { AllowedHost } from './outbound-guard';
import { parseSecretKey } from './secret-box';

/** The seed's eight locations. */
export const LOCATIONS = ['nyc', 'lon', 'ams', 'fra', 'tor', 'sgp', 'blr', 'sfo'] as const;
export type Location = (typeof LOCATIONS)[number];

export type BackendKind = 'local' | 'docker' | 'swarm' | 'kubernetes';
const BACKENDS: readonly string[] = ['local', 'docker', 'swarm', 'kubernetes'] satisfies BackendKind[];

/** A range of ports, first to last, both included. */
export interface PortRange {
  first: number;
  last: number;
}

/** A range of uids, first to last, both included. */
export interface UidRange {
  first: number;
  last: number;
}

export interface FleetConfig {
  host: string;
  port: number;
  /** The SQLite file that holds accounts, the ledger, domains and deployments. */
  databasePath: string;
  /** The fleet's own folder (the database, its lock): 0700. */
  dataDir: string;
  /** Where local and docker recorders get their folders (recordings, logs, secrets), one per recorder. */
  recordersDir: string;
  /** Local recorders each under a uid of this range; undefined: under the fleet's uid. */
  localUids?: UidRange;
  /** The operator accepted local recorders under the fleet's own uid (JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS). */
  recordersShareFleetUid: boolean;
  adminToken?: string;
  /** Bearer token of GET /metrics (Prometheus); the admin token is accepted too. */
  metricsToken?: string;
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
  /** How long a recorder whose paid time ended gets to stop and finalize before it is removed by force. */
  stopGraceSec: number;
  /** After that, how long it may stay, recording nothing, until its recordings are delivered (uploaded, or collected by the fleet). */
  uploadWaitSec: number;
  /** Where the fleet keeps the recordings of domains without a bucket (one folder per recording, 0700). */
  recordingsDir: string;
  /** How long it keeps them (from the end of each recording). */
  recordingsRetentionSec: number;
  /** The legacy fleet-wide key of the callbacks' signature, for accounts without a secret of their own; '' when unset. */
  callbackSecret: string;
  callbackAttempts: number;
  /** Maintenance: deploys get 503 while set. */
  maintenance: boolean;
  /** The image the docker, swarm and kubernetes backends run. */
  dockerImage: string;
  /** The swarm backend: each location's value of the node label jibri-location (default: the location's name). */
  swarmPlacement: Partial<Record<Location, string>>;
  /** Ports the swarm backend gives its recorders (two each, unique across its services). */
  swarmPorts: PortRange;
  /** What Swarm reserves on a node for each recorder. */
  swarmReserve: { nanoCpus: number; memoryBytes: number };
  /** The namespace the kubernetes backend creates pods in (its kubeconfig or in-cluster account decides the cluster). */
  kubernetesNamespace: string;
  /** The recorder program the local backend runs. */
  recorderMain: string;
  /** The Node.js the local backend runs it with. */
  recorderNode: string;
  /** AES-256-GCM key that seals customers' passwords and recorder tokens in the database. */
  secretKey: Buffer;
  /** Hosts callbacks may reach although they resolve to loopback or private addresses (the operator's exceptions). */
  callbackAllowedHosts: AllowedHost[];
  /** Likewise for customers' XMPP servers. */
  xmppAllowedHosts: AllowedHost[];
  /** Likewise for what recorders' browsers load (the meeting page and everything it loads); passed to each recorder. */
  browserAllowedHosts: AllowedHost[];
  /** Likewise for the RTMP ingests recorders stream to; passed to each recorder. */
  streamAllowedHosts: AllowedHost[];
  /** Likewise for customers' S3 endpoints: the fleet's delivery test and each recorder's uploads. */
  uploadAllowedHosts: AllowedHost[];
  /** Requests per minute from one client address to the public endpoints. */
  addressRateLimit: number;
  /** Requests per minute with one API key. */
  keyRateLimit: number;
  /** Deployments of one account that may fail per hour before its deploys get 429. */
  failedDeployLimit: number;
  /** Express's `trust proxy`: false, a number of hops, or addresses/CIDRs of the proxies in front. */
  trustProxy: boolean | number | string;
  /** Where people reach the fleet (invitation links; https: the dashboard's cookies are Secure); '' = its own address. */
  publicUrl: string;
  /** open: anyone may create an account on the dashboard; invite: only the operator invites. */
  signup: 'open' | 'invite';
  /** Failed sign-ins per 15 minutes from one address (and, separately, for one email) before 429. */
  loginRateLimit: number;
  /** How long a dashboard session lasts. */
  sessionHours: number;
  /** What the operator should know about the configuration, logged once at start. */
  warnings: string[];
}

/** Every variable the fleet reads, for .env.example (scripts/config-docs.js) and its checks; each secret also as NAME_FILE. */
export const FLEET_SETTINGS: readonly Setting[] = withSecretFiles([
  { name: 'JIBRI_FLEET_HOST', default: '127.0.0.1', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Address the fleet API binds to' },
  { name: 'JIBRI_FLEET_PORT', default: '3000', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Port of the fleet API' },
  { name: 'JIBRI_FLEET_DATA_DIR', default: 'fleet-data', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'The fleet\'s own folder (0700): the database and its lock' },
  { name: 'JIBRI_FLEET_RECORDERS_DIR', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Folder of the local and docker recorders (recordings, logs), one sub-folder each; defaults to <data dir>-recorders' },
  { name: 'JIBRI_FLEET_LOCAL_UIDS', default: 'auto', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'first-last uid range: each local recorder runs under its own uid (needs root); auto = 1900000000-1900000999 when root, off = the fleet\'s uid' },
  { name: 'JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS', default: 'false', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'true: the local backend may run customers\' recorders (their browsers included) under the fleet\'s own uid when it cannot give each its own (the fleet is not root, or JIBRI_FLEET_LOCAL_UIDS=off); a page that breaks out of its browser can then read the fleet\'s database, JIBRI_FLEET_SECRET_KEY and every other customer\'s secrets. Without it the fleet refuses to start so' },
  { name: 'JIBRI_FLEET_DATABASE', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'SQLite file; defaults to fleet.sqlite in the data folder' },
  { name: 'JIBRI_FLEET_ADMIN_TOKEN', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Bearer token of the admin API (unset: the admin API is off)', secret: true },
  { name: 'JIBRI_FLEET_METRICS_TOKEN', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Bearer token Prometheus scrapes GET /metrics with (the admin token works too; with neither, /metrics is off)', secret: true },
  { name: 'JIBRI_FLEET_CALLBACK_SECRET', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Legacy: HMAC-SHA256 key that signs the callbacks of accounts created before each account had its own signing secret, until they generate one (required while such accounts exist)', secret: true },
  { name: 'JIBRI_FLEET_CALLBACK_ATTEMPTS', default: '8', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Deliveries tried per callback, with doubling waits' },
  { name: 'JIBRI_FLEET_LOCATIONS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'location=backend pairs (local, docker, swarm, kubernetes); unset: every seed location on local' },
  { name: 'JIBRI_FLEET_PRICE', default: '1', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Price of a recorder-hour' },
  { name: 'JIBRI_FLEET_PRICES', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Per-location prices, e.g. lon=1.5,fra=2' },
  { name: 'JIBRI_FLEET_HOUR_SECONDS', default: '3600', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Length of a billed hour in seconds (tests shorten it)' },
  { name: 'JIBRI_FLEET_LOCAL_CAPACITY', default: '4', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Recorders a backend runs at once' },
  { name: 'JIBRI_FLEET_DEPLOY_TIMEOUT', default: '120', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds a deployment may take to be ready' },
  { name: 'JIBRI_FLEET_STOP_GRACE', default: '60', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds a recorder whose paid time ended (expiry or release) gets to stop its sessions and finalize their files before it is removed by force' },
  { name: 'JIBRI_FLEET_UPLOAD_WAIT', default: '1800', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds a recorder may stay after its sessions were stopped at the paid end, recording nothing and holding no place, until its recordings are uploaded to the customer\'s bucket or collected by the fleet; then it is removed anyway, and the log and the ledger say what was left and why' },
  { name: 'JIBRI_FLEET_RECORDINGS_DIR', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Where the fleet keeps the recordings of domains that send them nowhere (0700); defaults to recordings in the data folder' },
  { name: 'JIBRI_FLEET_RECORDINGS_RETENTION', default: '604800', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Seconds the fleet keeps such a recording for its owner to download (from its end); then it is removed' },
  { name: 'JIBRI_FLEET_MAINTENANCE', default: 'false', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Deploys get 503' },
  { name: 'JIBRI_FLEET_DOCKER_IMAGE', default: 'jibri-ts:local', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Image of the docker, swarm and kubernetes backends' },
  { name: 'JIBRI_FLEET_SWARM_LOCATIONS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'location=label pairs for the swarm backend: a location\'s recorders run on the nodes whose label jibri-location has that value (e.g. fra=eu-central-1); unset for a location: its own name' },
  { name: 'JIBRI_FLEET_SWARM_PORTS', default: '42000-42999', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'first-last: host ports the swarm backend gives its recorders (two each) on their nodes' },
  { name: 'JIBRI_FLEET_SWARM_CPUS', default: '1', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'CPUs Swarm reserves on a node for each recorder (a location whose nodes have no room left is not available)' },
  { name: 'JIBRI_FLEET_SWARM_MEMORY_MB', default: '1024', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Memory in MB Swarm reserves on a node for each recorder' },
  { name: 'JIBRI_FLEET_K8S_NAMESPACE', default: 'jibri', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Namespace of the kubernetes backend\'s pods' },
  { name: 'JIBRI_FLEET_RECORDER_MAIN', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'The recorder program the local backend runs; defaults to this install\'s dist/lib/main.js' },
  { name: 'JIBRI_FLEET_RECORDER_NODE', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'The Node.js the local backend runs its recorders with (recorders under their own uids must be able to run it); defaults to the one that runs the fleet' },
  { name: 'JIBRI_FLEET_SECRET_KEY', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Required: 32 bytes, base64 or hex, that encrypt customers\' passwords and recorder tokens in the database (make one: openssl rand -base64 32)', secret: true },
  { name: 'JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'host or host:port list that callbacks may reach although it is loopback or private (callbacks never reach such addresses otherwise)' },
  { name: 'JIBRI_FLEET_BROWSER_ALLOWED_HOSTS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'host or host:port list that recorders\' browsers may load from although loopback or private (a PUBLIC_URL must be public or on this list; everything else the page loads is refused on such addresses)' },
  { name: 'JIBRI_FLEET_STREAM_ALLOWED_HOSTS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'host or host:port list of RTMP ingests recorders may stream to although loopback or private (every other stream goes to public addresses only)' },
  { name: 'JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'host or host:port list of customers\' S3 endpoints reached although loopback or private (the delivery test, and every recorder as JIBRI_UPLOAD_ALLOWED_HOSTS; every other store only on public addresses)' },
  { name: 'JIBRI_FLEET_XMPP_ALLOWED_HOSTS', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'host or host:port list of customers\' XMPP servers allowed although loopback or private' },
  { name: 'JIBRI_FLEET_ADDRESS_RATE_LIMIT', default: '120', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Requests per minute from one client address to the API (then 429)' },
  { name: 'JIBRI_FLEET_KEY_RATE_LIMIT', default: '60', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Requests per minute with one API key (then 429)' },
  { name: 'JIBRI_FLEET_FAILED_DEPLOY_LIMIT', default: '10', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Deployments of one account that may fail within an hour before its deploys get 429' },
  { name: 'JIBRI_FLEET_PUBLIC_URL', default: '', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Where people reach the fleet and its dashboard, e.g. https://jod.example.com (invitation links; https makes the dashboard\'s cookies Secure); defaults to http://host:port' },
  { name: 'JIBRI_FLEET_SIGNUP', default: 'invite', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'open: anyone may create an account on the dashboard; invite: only users the operator invites' },
  { name: 'JIBRI_FLEET_LOGIN_RATE_LIMIT', default: '10', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Failed dashboard sign-ins per 15 minutes from one address, and for one email from one address, before 429 (failures from elsewhere never lock an email\'s owner out)' },
  { name: 'JIBRI_FLEET_SESSION_HOURS', default: '12', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Hours a dashboard session lasts before signing in again' },
  { name: 'JIBRI_FLEET_TRUST_PROXY', default: 'false', group: 'Fleet server (jibri-ts fleet, docs/FLEET.md)', description: 'Proxies whose X-Forwarded-For names the client (for the per-address limit): false, a hop count, or addresses/CIDRs' },
]);

type Env = Record<string, string | undefined>;

/** The uids local recorders get by default when the fleet runs as root: far above any user's or container's. */
export const DEFAULT_LOCAL_UIDS: UidRange = { first: 1900000000, last: 1900000999 };

/** A price: a non-negative decimal, e.g. 0.25. */
function parsePrice(raw: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
}

export function loadFleetConfig(rawEnv: Env, host: { isRoot: boolean } = { isRoot: process.getuid?.() === 0 }): FleetConfig {
  const problems: string[] = [];
  // Secret settings may come from files (NAME_FILE, docker secrets), read once here.
  const r = new Reader(FLEET_SETTINGS, readSecretFiles(rawEnv, FLEET_SETTINGS, problems));
  const hosts = (name: string): AllowedHost[] => readAllowedHosts(r, name);
  const dataDir = path.resolve(r.text('JIBRI_FLEET_DATA_DIR'));
  const locations = readLocations(r);
  const localUids = parseUidRange(r.text('JIBRI_FLEET_LOCAL_UIDS'), host.isRoot, r.problems);
  const recordersShareFleetUid = r.bool('JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS');
  const adminToken = r.optional('JIBRI_FLEET_ADMIN_TOKEN');
  const metricsToken = r.optional('JIBRI_FLEET_METRICS_TOKEN');
  const recorderMain = r.optional('JIBRI_FLEET_RECORDER_MAIN');
  const config: FleetConfig = {
    host: r.text('JIBRI_FLEET_HOST'),
    port: r.int('JIBRI_FLEET_PORT', 0, 65535),
    databasePath: path.resolve(r.optional('JIBRI_FLEET_DATABASE') ?? path.join(dataDir, 'fleet.sqlite')),
    dataDir,
    recordersDir: path.resolve(r.optional('JIBRI_FLEET_RECORDERS_DIR') ?? `${dataDir}-recorders`),
    ...(localUids ? { localUids } : {}),
    recordersShareFleetUid,
    ...(adminToken ? { adminToken } : {}),
    ...(metricsToken ? { metricsToken } : {}),
    locations,
    prices: readPrices(r),
    defaultPrice: r.parsed('JIBRI_FLEET_PRICE', (raw) => {
      const p = parsePrice(raw);
      return p === undefined ? { ok: false, expected: 'expected a price (e.g. 0.25)' } : { ok: true, value: p };
    }),
    hourSeconds: r.int('JIBRI_FLEET_HOUR_SECONDS', 1, 3600),
    localCapacity: r.int('JIBRI_FLEET_LOCAL_CAPACITY', 0, 1000),
    deployTimeoutSec: r.int('JIBRI_FLEET_DEPLOY_TIMEOUT', 5, 3600),
    stopGraceSec: r.int('JIBRI_FLEET_STOP_GRACE', 5, 3600),
    uploadWaitSec: r.int('JIBRI_FLEET_UPLOAD_WAIT', 0, 7 * 24 * 3600),
    recordingsDir: path.resolve(r.optional('JIBRI_FLEET_RECORDINGS_DIR') ?? path.join(dataDir, 'recordings')),
    recordingsRetentionSec: r.int('JIBRI_FLEET_RECORDINGS_RETENTION', 10, 10 * 365 * 24 * 3600),
    callbackSecret: r.optional('JIBRI_FLEET_CALLBACK_SECRET') ?? '',
    callbackAttempts: r.int('JIBRI_FLEET_CALLBACK_ATTEMPTS', 1, 50),
    maintenance: r.bool('JIBRI_FLEET_MAINTENANCE'),
    dockerImage: r.text('JIBRI_FLEET_DOCKER_IMAGE'),
    swarmPlacement: parseSwarmPlacement(r.text('JIBRI_FLEET_SWARM_LOCATIONS'), r.problems),
    swarmPorts: parsePortRange(r.text('JIBRI_FLEET_SWARM_PORTS'), r.problems),
    swarmReserve: {
      nanoCpus: Math.round(r.decimal('JIBRI_FLEET_SWARM_CPUS', 0, 1024) * 1e9),
      memoryBytes: r.int('JIBRI_FLEET_SWARM_MEMORY_MB', 0, 1024 * 1024) * 1024 * 1024,
    },
    kubernetesNamespace: r.text('JIBRI_FLEET_K8S_NAMESPACE'),
    recorderMain: path.resolve(recorderMain ?? installedRecorderMain(__dirname) ?? ''),
    recorderNode: path.resolve(r.optional('JIBRI_FLEET_RECORDER_NODE') ?? process.execPath),
    secretKey: readSecretKey(r),
    callbackAllowedHosts: hosts('JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS'),
    xmppAllowedHosts: hosts('JIBRI_FLEET_XMPP_ALLOWED_HOSTS'),
    browserAllowedHosts: hosts('JIBRI_FLEET_BROWSER_ALLOWED_HOSTS'),
    streamAllowedHosts: hosts('JIBRI_FLEET_STREAM_ALLOWED_HOSTS'),
    uploadAllowedHosts: hosts('JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS'),
    addressRateLimit: r.int('JIBRI_FLEET_ADDRESS_RATE_LIMIT', 1, 1000000),
    keyRateLimit: r.int('JIBRI_FLEET_KEY_RATE_LIMIT', 1, 1000000),
    failedDeployLimit: r.int('JIBRI_FLEET_FAILED_DEPLOY_LIMIT', 1, 100000),
    trustProxy: parseTrustProxy(r.optional('JIBRI_FLEET_TRUST_PROXY'), r.problems),
    publicUrl: readPublicUrl(r),
    signup: r.parsed('JIBRI_FLEET_SIGNUP', (raw) => {
      const v = raw.toLowerCase();
      return v === 'open' || v === 'invite' ? { ok: true, value: v } : { ok: false, expected: 'expected open or invite' };
    }),
    loginRateLimit: r.int('JIBRI_FLEET_LOGIN_RATE_LIMIT', 1, 100000),
    sessionHours: r.int('JIBRI_FLEET_SESSION_HOURS', 1, 24 * 30),
    warnings: [],
  };
  checkLocalBackend(config, host.isRoot, r.problems);
  // Read only to say it is not: JIBRI_FLEET_STOP_GRACE replaced it.
  if (rawEnv.JIBRI_FLEET_DRAIN_CAP?.trim()) {
    config.warnings.push('JIBRI_FLEET_DRAIN_CAP is no longer read: a deployment\'s paid end is a hard end (its sessions are stopped and finalized then); JIBRI_FLEET_STOP_GRACE is how long the finalizing may take');
  }
  if (!recorderMain && !installedRecorderMain(__dirname) && Object.values(locations).includes('local')) {
    r.problems.push('JIBRI_FLEET_LOCATIONS: the local backend runs the recorder (the jibri-ts package) on this host, and none is installed beside the fleet: set JIBRI_FLEET_RECORDER_MAIN to its dist/lib/main.js, or put every location on docker or kubernetes (the fleet image carries no recorder; the fleet-local image does)');
  }
  problems.push(...r.problems);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** location=backend pairs; unset: every seed location on the local backend. */
function readLocations(r: Reader): FleetConfig['locations'] {
  const locations: FleetConfig['locations'] = {};
  const raw = r.optional('JIBRI_FLEET_LOCATIONS') ?? LOCATIONS.map((l) => `${l}=local`).join(',');
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [loc, backend] = entry.split('=').map((x) => x.trim());
    if (!LOCATIONS.includes(loc as Location)) r.problems.push(`JIBRI_FLEET_LOCATIONS: ${JSON.stringify(loc)} is not one of ${LOCATIONS.join(', ')}`);
    else if (!BACKENDS.includes(backend ?? '')) r.problems.push(`JIBRI_FLEET_LOCATIONS: ${loc}=${JSON.stringify(backend)}: the backend must be local, docker, swarm or kubernetes`);
    else locations[loc as Location] = backend as BackendKind;
  }
  return locations;
}

function readPrices(r: Reader): FleetConfig['prices'] {
  const prices: FleetConfig['prices'] = {};
  for (const entry of r.list('JIBRI_FLEET_PRICES')) {
    const [loc, value] = entry.split('=').map((x) => x.trim());
    const p = parsePrice(value ?? '');
    if (!LOCATIONS.includes(loc as Location)) r.problems.push(`JIBRI_FLEET_PRICES: ${JSON.stringify(loc)} is not a location`);
    else if (p === undefined) r.problems.push(`JIBRI_FLEET_PRICES: ${JSON.stringify(value ?? '')} is not a price (e.g. 0.25)`);
    else prices[loc as Location] = p;
  }
  return prices;
}

function readSecretKey(r: Reader): Buffer {
  const raw = r.optional('JIBRI_FLEET_SECRET_KEY');
  const key = raw ? parseSecretKey(raw) : undefined;
  if (!raw) {
    r.problems.push("JIBRI_FLEET_SECRET_KEY is required: it encrypts customers' XMPP passwords and recorder tokens in the database (AES-256-GCM). Make one with: openssl rand -base64 32 (keep it: the database cannot be read without it)");
  } else if (!key) r.problems.push('JIBRI_FLEET_SECRET_KEY: expected 32 bytes as base64 (44 characters) or hex (64); make one with: openssl rand -base64 32');
  return key ?? Buffer.alloc(32);
}

/** Where people reach the fleet, without a trailing slash; '' = its own address. */
function readPublicUrl(r: Reader): string {
  const publicUrl = r.optional('JIBRI_FLEET_PUBLIC_URL');
  if (publicUrl === undefined) return '';
  if (/^https?:\/\/[^/?#\s]+\/?$/.test(publicUrl)) return publicUrl.replace(/\/$/, '');
  r.problems.push(`JIBRI_FLEET_PUBLIC_URL=${JSON.stringify(publicUrl)}: expected the fleet's address as http(s)://host[:port], e.g. https://jod.example.com`);
  return '';
}

/** Local recorders under the fleet's own uid only when the operator accepted the risk by its name. */
function checkLocalBackend(config: FleetConfig, isRoot: boolean, problems: string[]): void {
  if (!Object.values(config.locations).includes('local') || config.localUids) return;
  if (config.recordersShareFleetUid) {
    config.warnings.push('JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true: local recorders run under the fleet\'s own uid; a meeting page that breaks out of its browser can read the fleet\'s database and JIBRI_FLEET_SECRET_KEY');
    return;
  }
  problems.push(
    `JIBRI_FLEET_LOCATIONS: the local backend would run customers' recorders, their browsers included, under the fleet's own uid (${isRoot ? 'JIBRI_FLEET_LOCAL_UIDS=off' : 'the fleet is not root'}): a meeting page that breaks out of its browser could read the fleet's database, JIBRI_FLEET_SECRET_KEY and every customer's secrets. ` +
      'Run the fleet as root (each recorder then gets a uid of its own, JIBRI_FLEET_LOCAL_UIDS), or put the locations on the docker, swarm or kubernetes backend; or, accepting that risk, set JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true',
  );
}

/** Pure: location=value pairs; a value is what a node label may hold and a placement constraint may name. */
export function parseSwarmPlacement(raw: string, problems: string[]): Partial<Record<Location, string>> {
  const out: Partial<Record<Location, string>> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const [loc, value] = at < 0 ? [entry, ''] : [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    if (!LOCATIONS.includes(loc as Location)) problems.push(`JIBRI_FLEET_SWARM_LOCATIONS: ${JSON.stringify(loc)} is not one of ${LOCATIONS.join(', ')}`);
    else if (!value || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) problems.push(`JIBRI_FLEET_SWARM_LOCATIONS: ${loc}=${JSON.stringify(value ?? '')}: the label value must be letters, digits, '.', '_' or '-' (at most 63)`);
    else out[loc as Location] = value;
  }
  return out;
}

/** Pure: `first-last`, a range of at least two ports. */
export function parsePortRange(raw: string, problems: string[]): PortRange {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw.trim());
  const [first, last] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || first < 1024 || last > 65535 || last <= first) {
    problems.push(`JIBRI_FLEET_SWARM_PORTS=${JSON.stringify(raw)}: expected first-last, two or more ports from 1024 to 65535, e.g. 42000-42999`);
    return { first: 42000, last: 42999 };
  }
  return { first, last };
}

/** Pure: `auto` (the default range when root), `off`, or `first-last` (root only). */
export function parseUidRange(raw: string, isRoot: boolean, problems: string[]): UidRange | undefined {
  const v = raw.toLowerCase();
  if (v === 'off') return undefined;
  if (v === 'auto') return isRoot ? DEFAULT_LOCAL_UIDS : undefined;
  const m = /^(\d{1,10})-(\d{1,10})$/.exec(v);
  const [first, last] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || first < 1000 || last < first || last > 4294967294) {
    problems.push(`JIBRI_FLEET_LOCAL_UIDS=${JSON.stringify(raw)}: expected auto, off, or a uid range first-last above 999, e.g. 1900000000-1900000999`);
    return undefined;
  }
  if (!isRoot) {
    problems.push('JIBRI_FLEET_LOCAL_UIDS: running recorders under their own uids needs the fleet to run as root; set it to off (or auto) otherwise');
    return undefined;
  }
  return { first, last };
}

/** Pure: `false`/`true`, a hop count, or a list of addresses, CIDRs and proxy-addr's names (loopback, linklocal, uniquelocal). */
export function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string {
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.find((e) => !['loopback', 'linklocal', 'uniquelocal'].includes(e) && !ipaddr.isValid(e) && !isCidr(e));
  if (bad !== undefined || !entries.length) {
    problems.push(`JIBRI_FLEET_TRUST_PROXY: ${JSON.stringify(bad ?? raw)} is not false, a hop count, an address, a CIDR, loopback, linklocal or uniquelocal`);
    return false;
  }
  return entries.join(',');
}

function isCidr(v: string): boolean {
  try {
    ipaddr.parseCIDR(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * The recorder program beside this fleet: the `jibri-ts` package that holds it (a checkout, where the fleet
 * is the workspace packages/fleet, or the fleet-local image), found upwards from the fleet's own folder.
 * undefined when the fleet is installed alone.
 */
export function installedRecorderMain(from: string): string | undefined {
  for (let dir = fs.realpathSync(from); ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'jibri-ts') return path.join(dir, 'dist', 'lib', 'main.js');
    } catch {
      // No package.json here, or not one we can read: look further up.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function priceOf(config: FleetConfig, location: Location): number {
  return config.prices[location] ?? config.defaultPrice;
}

/** Where people reach the fleet: JIBRI_FLEET_PUBLIC_URL, else the address it listens on. */
export function publicUrlOf(config: FleetConfig, listening?: string): string {
  return config.publicUrl || listening || `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
}
