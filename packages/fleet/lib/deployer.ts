/**
 * A deployment's life: reserve its cost and its capacity, create its recorders on the location's
 * backend, wait until each answers its health check and shows idle and healthy in the domain's brewery,
 * call back; at the paid end (expiry, or an early release) stop each recorder's sessions at once (they are
 * finalized as always, and the customer's Jicofo gets Jibri's "off") and remove it: paid time is never
 * exceeded for free, and a place is never held past it. Each recorder also knows the latest its paid end
 * can be (JIBRI_SHUTDOWN_AT, JIBRI_USAGE_TIMEOUT), so it stops by itself when the fleet is not there. A deploy that fails, times out, or was in flight when the fleet died is cleaned up and
 * refunded, never retried (so nothing is ever deployed twice); recorders that could not be deployed are
 * refunded. Every change of money or capacity is one store transaction with the change of state that
 * causes it (store.ts); this class does the work around them.
 */
import * as crypto from 'node:crypto';
import { registerSecret, type Logger } from '@jibri-ts/common';
import { NotAvailableError, type RecorderBackend } from './backends/backend';
import { BreweryWatch, pinnedXmppServers } from './brewery-watch';
import type { CallbackSender } from './callbacks';
import { priceOf, type FleetConfig } from './config';
import { allowedHostText } from './outbound-guard';
import type { DeployRequest } from './deploy-request';
import { recorderDelivery, type DeliveryConfig } from './delivery-config';
import type { DeliveryStore } from './delivery-store';
import { missingFields, SECRET_FIELDS, trustsAllCerts, type DomainConfig } from './domain-config';
import { deploymentCost } from './money';
import type { RecordingWatch } from './recording-watch';
import { InsufficientBalance, type Account, type Deployment, type FleetStore, type RecorderRow } from './store';

export { deploymentCost, proratedRefund } from './money';

export class FleetError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const NOT_AVAILABLE = 'recorders not available in specified location';

/** Beyond the deploy timeout, what one last round of health checks may take (a check times out after 3 s). */
const READY_ROUND_SLACK_SEC = 15;

export interface DeployerOptions {
  store: FleetStore;
  config: FleetConfig;
  backends: Partial<Record<string, RecorderBackend>>;
  callbacks: CallbackSender;
  log: Logger;
  /** Each domain's delivery settings (its recorders get only their own domain's). */
  deliveries?: DeliveryStore;
  /** Follows the recorders' recordings; with it, a removal waits for them to be delivered (JIBRI_FLEET_UPLOAD_WAIT). */
  recordings?: RecordingWatch;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh API token for one recorder: 256 random bits. */
export function newRecorderToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export class Deployer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  private stopped = false;
  /** While set, deploys are answered 503 (JIBRI_FLEET_MAINTENANCE, or the admin API). */
  maintenance: boolean;

  constructor(private readonly opts: DeployerOptions) {
    this.log = opts.log.child({ component: 'fleet' });
    this.maintenance = opts.config.maintenance;
  }

  /**
   * Checks and reserves; the recorders are created in the background. Throws FleetError (402, 406, 429).
   * A location without the capacity gets the seed's failure callback, and costs nothing.
   */
  deploy(account: Account, req: DeployRequest): { deployment: Deployment; balance: number } {
    const { store, config } = this.opts;
    const domain = store.domain(account.id, req.domain);
    if (!domain) throw new FleetError(406, `domain ${req.domain} is not configured for this account`);
    const missing = missingFields(domain.config);
    if (missing.length) throw new FleetError(406, `the configuration of ${req.domain} is incomplete: set ${missing.join(', ')}`);
    if (!domain.verifiedAt) throw new FleetError(406, `the configuration of ${req.domain} has not passed its test login${domain.verifyError ? ` (${domain.verifyError})` : ''}; verify it again`);
    // A deploy that fails costs the customer nothing but may still call back: past a few an hour, no more deploys.
    const failed = store.failedDeploymentsSince(account.id, new Date(Date.now() - 3600_000).toISOString());
    if (failed >= config.failedDeployLimit) {
      throw new FleetError(429, `${failed} deployments of this account failed in the last hour; see GET /deployments/:id for why, fix that, and deploy again later`);
    }
    const price = priceOf(config, req.location);
    const backend = config.locations[req.location] ?? 'none';
    let deployment: Deployment;
    try {
      deployment = store.reserveDeployment(
        {
          id: crypto.randomUUID(),
          accountId: account.id,
          domain: req.domain.toLowerCase(),
          location: req.location,
          backend,
          recorders: req.recorders,
          hours: req.durationHours,
          price,
          reserved: deploymentCost(req.recorders, req.durationHours, price),
          callbackUrl: req.callbackUrl,
        },
        this.opts.backends[backend] ? config.localCapacity : 0,
        NOT_AVAILABLE,
      );
    } catch (err) {
      if (err instanceof InsufficientBalance) throw new FleetError(402, err.message);
      throw err;
    }
    const balance = store.balance(account.id);
    if (deployment.state === 'failed') {
      this.log.warn(`deployment ${deployment.id}: ${req.recorders} recorder(s) in ${req.location}: ${NOT_AVAILABLE}; nothing debited`);
      this.opts.callbacks.send(deployment.id, { it: 'failed', message: NOT_AVAILABLE });
      return { deployment, balance };
    }
    this.log.info(`deployment ${deployment.id}: ${req.recorders} recorder(s) for ${req.domain} in ${req.location} for ${req.durationHours} h, ${deployment.reserved} reserved`);
    const delivery = this.opts.deliveries?.get(account.id, req.domain);
    registerSecret(delivery?.s3?.secretAccessKey);
    // The answer carries the balance after the reservation; the work starts after the answer is built.
    setImmediate(() => void this.run(deployment, domain.config, delivery).catch((err: unknown) => this.log.error(`deployment ${deployment.id} failed unexpectedly: ${String(err)}`)));
    return { deployment, balance };
  }

  private async run(d: Deployment, domain: DomainConfig, delivery: DeliveryConfig | undefined): Promise<void> {
    const backend = this.opts.backends[d.backend];
    const { store, config } = this.opts;
    if (!backend) return this.fail(d, NOT_AVAILABLE, []);
    const started = Date.now();
    const paidSec = d.hours * config.hourSeconds;
    // The latest the paid end can be: ready within the deploy timeout (and the last health round), then the paid time.
    const latestEnd = new Date(started + (paidSec + config.deployTimeoutSec + READY_ROUND_SLACK_SEC) * 1000);
    const expiresAt = latestEnd.toISOString();
    const rows: RecorderRow[] = [];
    const tokens = new Map<string, string>();
    const watch = new BreweryWatch(domain, config.xmppAllowedHosts);
    const deliver = recorderDelivery(delivery, config.uploadAllowedHosts, config.uploadWaitSec);
    try {
      await watch.start();
      for (let i = 0; i < d.recorders; i++) {
        if (this.stopped || store.deployment(d.id)?.state !== 'deploying') return;
        const row: RecorderRow = { id: crypto.randomUUID(), deploymentId: d.id, backend: backend.kind, state: 'creating' };
        const token = newRecorderToken();
        registerSecret(token);
        // Written before it exists: a fleet that dies now still knows to look for it.
        store.addRecorder(row, token);
        rows.push(row);
        tokens.set(row.id, token);
        const created = await backend.create({
          recorderId: row.id,
          deploymentId: d.id,
          location: d.location,
          expiresAt,
          env: { ...recorderEnv(domain, row.id, pinnedXmppServers(watch.servers)), ...paidEndEnv(latestEnd, paidSec), ...egressEnv(config), ...deliver.env },
          secrets: { ...recorderSecrets(domain, token), ...deliver.secrets },
        });
        row.handle = created.handle;
        row.ip = created.ip;
        store.setRecorderHandle(row.id, created.handle, created.ip);
      }
      // The deploy timeout counts from the start, creation included: the recorders' own end (above) relies on it.
      const until = started + config.deployTimeoutSec * 1000;
      const ready = new Set<string>();
      while (Date.now() < until && ready.size < rows.length && !this.stopped) {
        for (const r of rows) {
          if (ready.has(r.id) || !r.handle) continue;
          const health = await backend.health(r.handle, tokens.get(r.id)!);
          const seen = watch.status(r.id);
          if (health && !health.busy && health.healthy && seen?.present && !seen.busy && seen.healthy) ready.add(r.id);
        }
        if (ready.size < rows.length) await new Promise((res) => setTimeout(res, 500));
      }
      if (this.stopped) return;
      const good = rows.filter((r) => ready.has(r.id));
      const bad = rows.filter((r) => !ready.has(r.id));
      if (!good.length) return this.fail(d, `deployment failed: no recorder became healthy and idle in the brewery of ${d.domain} within ${config.deployTimeoutSec} s`, rows);
      for (const r of bad) await this.removeFromBackend(r);
      const readyAt = new Date();
      // Never later than the end the recorders were given (a slow last health round could pass it by a moment).
      const expires = new Date(Math.min(readyAt.getTime() + paidSec * 1000, latestEnd.getTime()));
      const refunded = store.settleReady(d.id, good.map((r) => r.id), bad.map((r) => r.id), readyAt, expires);
      if (refunded === undefined) return;
      this.log.info(`deployment ${d.id}: ${good.length} recorder(s) ready in the brewery, until ${expires.toISOString()}${bad.length ? `; ${bad.length} could not be deployed, ${refunded} refunded` : ''}`);
      this.opts.callbacks.send(d.id, {
        it: 'worked',
        message: 'deployment successful',
        deployment_info: { deployment_id: d.id, recorders: good.map((r) => ({ recorder_id: r.id, recorder_ip: r.ip ?? '' })) },
      });
      this.scheduleExpiry(d.id, expires.getTime());
    } catch (err) {
      if (err instanceof NotAvailableError) {
        // The operator's reason goes to the log; the customer gets the seed's answer.
        this.log.warn(`deployment ${d.id}: ${err.message}`);
        return this.fail(d, NOT_AVAILABLE, rows);
      }
      return this.fail(d, `deployment failed: ${(err as Error).message}`, rows);
    } finally {
      await watch.stop();
    }
  }

  /** Removes what was created, refunds what is left of the debit, calls back with the seed's failure body. */
  private async fail(d: Deployment, message: string, rows: RecorderRow[]): Promise<void> {
    for (const r of rows) await this.removeFromBackend(r);
    const refunded = this.opts.store.failDeployment(d.id, message);
    if (refunded === undefined) return;
    this.log.warn(`deployment ${d.id}: ${message}; ${refunded} refunded`);
    this.opts.callbacks.send(d.id, { it: 'failed', message });
  }

  private async removeFromBackend(r: RecorderRow): Promise<void> {
    const backend = this.opts.backends[r.backend];
    // A recorder left on the engine still holds the account's secrets and the host's resources: an operator must know.
    if (r.handle && backend) await backend.remove(r.handle).catch((err: unknown) => this.log.error(`recorder ${r.id} could not be removed from ${backend.kind}, remove it by hand: ${String(err)}`));
  }

  private scheduleExpiry(id: string, at: number): void {
    const t = setTimeout(() => void this.expire(id), Math.max(0, at - Date.now()));
    t.unref();
    this.timers.set(id, t);
  }

  /**
   * The paid end (expiry or release): every recorder is asked for Jibri's shutdown (its sessions stop now
   * and are finalized, Jicofo gets "off"), gets JIBRI_FLEET_STOP_GRACE to stop recording, then delivers
   * its recordings (JIBRI_FLEET_UPLOAD_WAIT at most, recording nothing and holding no place), and is removed;
   * what was left is said in the log and the ledger.
   */
  async expire(id: string): Promise<void> {
    this.timers.delete(id);
    const { store } = this.opts;
    const d = store.deployment(id);
    if (!d || (d.state !== 'ready' && d.state !== 'expiring')) return;
    store.markExpiring(id);
    this.log.info(`deployment ${id}: its paid time has ended; stopping its recorders`);
    const grace = Date.now() + this.opts.config.stopGraceSec * 1000;
    await Promise.all(store.recorders(id).filter((r) => r.state === 'ready' || r.state === 'draining' || r.state === 'uploading').map((r) => this.endRecorder(d, r, grace)));
    if (this.stopped) return;
    store.endDeployment(id);
  }

  /** Whether the recorder still records (or cannot say so: then it counts as recording). */
  private async stillRecording(r: RecorderRow, watch: RecordingWatch): Promise<boolean> {
    const entries = await watch.poll(r);
    return entries === undefined || entries.some((e) => e.state === 'recording');
  }

  private async endRecorder(d: Deployment, r: RecorderRow, grace: number): Promise<void> {
    const { store, config } = this.opts;
    const backend = this.opts.backends[r.backend];
    if (!backend || !r.handle) return store.recorderGone(r.id, 'removed');
    const watch = this.opts.recordings;
    const handle = r.handle;
    let why: string | undefined;
    let state = r.state;
    if (state !== 'uploading') {
      store.setRecorderDraining(r.id);
      await backend.shutdown(handle, store.recorderToken(r.id) ?? '');
      // The hard end: its sessions stop within the grace, whatever they deliver afterwards.
      while (Date.now() < grace && !this.stopped && (await backend.running(handle)) && (!watch || (await this.stillRecording(r, watch)))) await sleep(250);
      if (this.stopped) return;
      if (watch && (await backend.running(handle))) {
        if (await this.stillRecording(r, watch)) why = `it was still recording ${config.stopGraceSec} s after the paid end, so it was stopped by force`;
        else if (store.recorderUploading(r.id)) {
          state = 'uploading';
          this.log.info(`recorder ${r.id} of ${d.id}: its sessions are stopped and its place is free; it delivers its recordings for ${config.uploadWaitSec} s at most`);
        }
      }
    }
    if (watch && state === 'uploading') {
      const until = Date.parse(store.uploadingSince(r.id) ?? new Date().toISOString()) + config.uploadWaitSec * 1000;
      // Until everything is taken (the recorder then exits by itself), or the cap.
      while (Date.now() < until && !this.stopped && (await backend.running(handle))) {
        const entries = await watch.poll(r);
        if (entries?.length === 0) break;
        await sleep(1000);
      }
      if (this.stopped) return;
      why ??= `its uploads were not done ${config.uploadWaitSec} s after its sessions stopped, the longest the service waits`;
    }
    if (watch && (await backend.running(handle))) await watch.poll(r);
    await this.removeFromBackend(r);
    // A removal can take a while (a swarm service is stopped first): the store may be closed by now.
    if (this.stopped) return;
    watch?.leftBehind(r, d.accountId, why ?? 'it stopped before its uploads were done');
    store.recorderGone(r.id, 'removed');
    this.log.info(`recorder ${r.id} of ${d.id}: removed`);
  }

  /** DELETE /deployments/:id: refunds the unused share of what is still paid and ends it now, as an expiry does. */
  async release(d: Deployment): Promise<number | undefined> {
    const refund = this.opts.store.releaseDeployment(d.id);
    if (refund === undefined) return undefined;
    const t = this.timers.get(d.id);
    if (t) clearTimeout(t);
    this.log.info(`deployment ${d.id}: released early; ${refund} refunded`);
    void this.expire(d.id);
    return refund;
  }

  /**
   * After a restart: a deploy that was in flight is cleaned up and refunded (never redone); ready ones
   * get their expiry back (one that passed while the fleet was down ends now); expiring ones are stopped again. Recorders that are gone are marked so, and
   * their places go back.
   */
  async resume(): Promise<void> {
    const { store } = this.opts;
    // Labelled recorders no deployment knows of: their creation outran the database. They go.
    const known = new Set(store.liveRecorders().map((r) => r.id));
    for (const backend of Object.values(this.opts.backends)) {
      for (const handle of (await backend?.strays?.(known).catch(() => [])) ?? []) {
        this.log.warn(`removing a ${backend!.kind} recorder that no deployment knows of`);
        await backend!.remove(handle).catch(() => undefined);
      }
    }
    for (const d of store.deploymentsIn(['deploying'])) {
      this.log.warn(`deployment ${d.id} was in flight when the fleet stopped; removing what it created and refunding`);
      await this.fail(d, 'deployment failed: the fleet restarted during the deployment', store.recorders(d.id).filter((r) => r.state !== 'removed' && r.state !== 'failed'));
    }
    for (const d of store.deploymentsIn(['ready', 'expiring'])) {
      for (const r of store.recorders(d.id)) {
        const backend = this.opts.backends[r.backend];
        if ((r.state === 'ready' || r.state === 'draining' || r.state === 'uploading') && (!backend || !r.handle || !(await backend.running(r.handle)))) {
          this.opts.recordings?.leftBehind(r, d.accountId, 'it stopped while the service was down');
          // Stopped is not gone: an exited container keeps its secrets folder and its name.
          await this.removeFromBackend(r);
          store.recorderGone(r.id, 'removed');
        }
      }
      if (d.state === 'expiring') void this.expire(d.id);
      else this.scheduleExpiry(d.id, Date.parse(d.expiresAt ?? new Date().toISOString()));
    }
  }

  /** Whether this fleet runs the backend (a location on one it does not run is not available). */
  serves(kind: string): boolean {
    return Boolean(this.opts.backends[kind]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Pure: the environment of a recorder of this domain: the domain's configuration without its
 * passwords, its own nickname, the XMPP servers as the fleet checked them, certificate checks unless the
 * domain opted out, and the internal API behind its token. The host's own jibri.conf and StatsD are not
 * the customer's: a host finalize script, webhook subscriber or counter must never see another
 * customer's recordings.
 */
export function recorderEnv(domain: DomainConfig, recorderId: string, xmppServers?: string): Record<string, string> {
  const env: Record<string, string> = { JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', ENABLE_STATS_D: 'false' };
  for (const [k, v] of Object.entries(domain)) if (v && !(SECRET_FIELDS as readonly string[]).includes(k)) env[k] = v;
  if (xmppServers) env.XMPP_SERVER = xmppServers;
  env.XMPP_TRUST_ALL_CERTS = trustsAllCerts(domain) ? 'true' : 'false';
  env.JIBRI_INSTANCE_ID = recorderId;
  env.JIBRI_HTTP_API_INTERNAL_AUTH = 'true';
  return env;
}

/**
 * Pure: how a recorder knows its paid end without the fleet: JIBRI_SHUTDOWN_AT, the latest its deployment's
 * paid time can end (it stops and finalizes its sessions then, and exits), and a usage timeout of the paid
 * time (no session outlasts what was bought).
 */
export function paidEndEnv(latestEnd: Date, paidSec: number): Record<string, string> {
  // With its unit: a bare number is milliseconds to Jibri's usage-timeout, and it counts in whole minutes.
  return { JIBRI_SHUTDOWN_AT: latestEnd.toISOString(), JIBRI_USAGE_TIMEOUT: `${paidSec} seconds` };
}

/**
 * Pure: what a customer's recorder may reach: its browser and its streams only public addresses (the
 * browser through the recorder's filtering proxy), and the hosts the operator allowed for each.
 */
export function egressEnv(config: Pick<FleetConfig, 'browserAllowedHosts' | 'streamAllowedHosts'>): Record<string, string> {
  return {
    JIBRI_BROWSER_PUBLIC_ONLY: 'true',
    ...(config.browserAllowedHosts.length ? { JIBRI_BROWSER_ALLOWED_HOSTS: config.browserAllowedHosts.map(allowedHostText).join(',') } : {}),
    JIBRI_STREAMING_PUBLIC_ONLY: 'true',
    ...(config.streamAllowedHosts.length ? { JIBRI_STREAMING_ALLOWED_HOSTS: config.streamAllowedHosts.map(allowedHostText).join(',') } : {}),
  };
}

/** Pure: what a recorder gets as secret files: the domain's two passwords and its own API token. */
export function recorderSecrets(domain: DomainConfig, token: string): Record<string, string> {
  const secrets: Record<string, string> = { JIBRI_HTTP_API_TOKEN: token };
  for (const f of SECRET_FIELDS) if (domain[f]) secrets[f] = domain[f]!;
  return secrets;
}
