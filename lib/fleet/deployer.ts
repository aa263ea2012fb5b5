/**
 * A deployment's life: reserve its cost, create its recorders on the location's backend, wait until
 * each answers its health check and shows idle and healthy in the domain's brewery, call back; at expiry
 * drain each recorder (a busy one finishes its recording, up to the drain cap) and remove it. A deploy
 * that fails, times out, or was in flight when the fleet died is cleaned up and refunded, never retried
 * (so nothing is ever deployed twice); recorders that could not be deployed are refunded.
 */
import * as crypto from 'node:crypto';
import type { Logger } from '../log';
import type { RecorderBackend } from './backends/backend';
import { BreweryWatch } from './brewery-watch';
import type { CallbackSender } from './callbacks';
import { priceOf, type FleetConfig } from './config';
import type { DeployRequest } from './deploy-request';
import { missingFields, type DomainConfig } from './domain-config';
import { InsufficientBalance, type Account, type Deployment, type FleetStore, type RecorderRow } from './store';

export class FleetError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const NOT_AVAILABLE = 'recorders not available in specified location';

/** Pure: the cost of recorders × hours at a price, rounded to cents. */
export function deploymentCost(recorders: number, hours: number, price: number): number {
  return Math.round(recorders * hours * price * 100) / 100;
}

/** Pure: what an early release gives back, in proportion to the time not used. */
export function proratedRefund(reserved: number, readyAt: number, expiresAt: number, now: number): number {
  if (now >= expiresAt) return 0;
  const share = Math.min(1, (expiresAt - Math.max(now, readyAt)) / (expiresAt - readyAt));
  return Math.floor(reserved * share * 100) / 100;
}

export interface DeployerOptions {
  store: FleetStore;
  config: FleetConfig;
  backends: Partial<Record<string, RecorderBackend>>;
  callbacks: CallbackSender;
  log: Logger;
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

  /** Checks and reserves; the recorders are created in the background. Throws FleetError (402, 406). */
  deploy(account: Account, req: DeployRequest): { deployment: Deployment; balance: number } {
    const { store, config } = this.opts;
    const domain = store.domain(account.id, req.domain);
    if (!domain) throw new FleetError(406, `domain ${req.domain} is not configured for this account`);
    const missing = missingFields(domain.config);
    if (missing.length) throw new FleetError(406, `the configuration of ${req.domain} is incomplete: set ${missing.join(', ')}`);
    if (!domain.verifiedAt) throw new FleetError(406, `the configuration of ${req.domain} has not passed its test login${domain.verifyError ? ` (${domain.verifyError})` : ''}; verify it again`);
    const price = priceOf(config, req.location);
    let deployment: Deployment;
    try {
      deployment = store.reserveDeployment({
        id: crypto.randomUUID(),
        accountId: account.id,
        domain: req.domain.toLowerCase(),
        location: req.location,
        backend: config.locations[req.location] ?? 'none',
        recorders: req.recorders,
        hours: req.durationHours,
        price,
        reserved: deploymentCost(req.recorders, req.durationHours, price),
        callbackUrl: req.callbackUrl,
      });
    } catch (err) {
      if (err instanceof InsufficientBalance) throw new FleetError(402, err.message);
      throw err;
    }
    this.log.info(`deployment ${deployment.id}: ${req.recorders} recorder(s) for ${req.domain} in ${req.location} for ${req.durationHours} h, ${deployment.reserved} reserved`);
    // The answer carries the balance after the reservation; the work starts after the answer is built.
    const balance = store.balance(account.id);
    setImmediate(() => void this.run(deployment, domain.config).catch((err: unknown) => this.log.error(`deployment ${deployment.id} failed unexpectedly: ${String(err)}`)));
    return { deployment, balance };
  }

  private async run(d: Deployment, domain: DomainConfig): Promise<void> {
    const backend = this.opts.backends[d.backend];
    if (!backend || (await backend.freeCapacity()) < d.recorders) {
      return this.fail(d, NOT_AVAILABLE, []);
    }
    const expiresAt = new Date(Date.now() + (d.hours * this.opts.config.hourSeconds + this.opts.config.deployTimeoutSec) * 1000).toISOString();
    const rows: RecorderRow[] = [];
    const watch = new BreweryWatch(domain);
    try {
      await watch.start();
      for (let i = 0; i < d.recorders; i++) {
        const row: RecorderRow = { id: crypto.randomUUID(), deploymentId: d.id, backend: backend.kind, state: 'creating' };
        // Written before it exists: a fleet that dies now still knows to look for it.
        this.opts.store.addRecorder(row);
        rows.push(row);
        const created = await backend.create({ recorderId: row.id, deploymentId: d.id, expiresAt, env: recorderEnv(domain, row.id) });
        row.handle = created.handle;
        row.ip = created.ip;
        this.opts.store.updateRecorder(row.id, { handle: created.handle, ip: created.ip });
      }
      const until = Date.now() + this.opts.config.deployTimeoutSec * 1000;
      const ready = new Set<string>();
      while (Date.now() < until && ready.size < rows.length && !this.stopped) {
        for (const r of rows) {
          if (ready.has(r.id) || !r.handle) continue;
          const health = await backend.health(r.handle);
          const seen = watch.status(r.id);
          if (health && !health.busy && health.healthy && seen?.present && !seen.busy && seen.healthy) ready.add(r.id);
        }
        if (ready.size < rows.length) await new Promise((res) => setTimeout(res, 500));
      }
      if (this.stopped) return;
      const good = rows.filter((r) => ready.has(r.id));
      const bad = rows.filter((r) => !ready.has(r.id));
      if (!good.length) return this.fail(d, `deployment failed: no recorder became healthy and idle in the brewery of ${d.domain} within ${this.opts.config.deployTimeoutSec} s`, rows);
      for (const r of bad) await this.removeRecorder(r, 'failed');
      for (const r of good) this.opts.store.updateRecorder(r.id, { state: 'ready' });
      const readyAt = new Date();
      const expires = new Date(readyAt.getTime() + d.hours * this.opts.config.hourSeconds * 1000);
      this.opts.store.db.transaction(() => {
        if (bad.length) this.opts.store.addLedger(d.accountId, deploymentCost(bad.length, d.hours, d.price), `refund: ${bad.length} recorder(s) could not be deployed`, d.id);
        this.opts.store.updateDeployment(d.id, { state: 'ready', readyAt: readyAt.toISOString(), expiresAt: expires.toISOString(), ...(bad.length ? { message: `${bad.length} recorder(s) refunded` } : {}) });
      })();
      this.log.info(`deployment ${d.id}: ${good.length} recorder(s) ready in the brewery, until ${expires.toISOString()}`);
      this.opts.callbacks.send(d.id, {
        it: 'worked',
        message: 'deployment successful',
        deployment_info: { deployment_id: d.id, recorders: good.map((r) => ({ recorder_id: r.id, recorder_ip: r.ip ?? '' })) },
      });
      this.scheduleExpiry(d.id, expires.getTime());
    } catch (err) {
      return this.fail(d, `deployment failed: ${(err as Error).message}`, rows);
    } finally {
      await watch.stop();
    }
  }

  /** Removes what was created, refunds everything, calls back with the seed's failure body. */
  private async fail(d: Deployment, message: string, rows: RecorderRow[]): Promise<void> {
    for (const r of rows) await this.removeRecorder(r, 'failed');
    const refunded = this.opts.store.db.transaction((): boolean => {
      const current = this.opts.store.deployment(d.id);
      if (!current || current.state !== 'deploying') return false;
      this.opts.store.addLedger(d.accountId, d.reserved, `refund: ${message}`, d.id);
      this.opts.store.updateDeployment(d.id, { state: 'failed', message, endedAt: new Date().toISOString() });
      return true;
    })();
    if (!refunded) return;
    this.log.warn(`deployment ${d.id}: ${message}; ${d.reserved} refunded`);
    this.opts.callbacks.send(d.id, { it: 'failed', message });
  }

  private async removeRecorder(r: RecorderRow, state: 'removed' | 'failed'): Promise<void> {
    const backend = this.opts.backends[r.backend];
    if (r.handle && backend) await backend.remove(r.handle).catch((err: unknown) => this.log.warn(`removing recorder ${r.id}: ${String(err)}`));
    this.opts.store.updateRecorder(r.id, { state });
  }

  private scheduleExpiry(id: string, at: number): void {
    const t = setTimeout(() => void this.expire(id), Math.max(0, at - Date.now()));
    t.unref();
    this.timers.set(id, t);
  }

  /** Drains every recorder: an idle one exits at once, a busy one after its recording (capped), then it is removed. */
  async expire(id: string): Promise<void> {
    this.timers.delete(id);
    const d = this.opts.store.deployment(id);
    if (!d || (d.state !== 'ready' && d.state !== 'expiring')) return;
    this.opts.store.updateDeployment(id, { state: 'expiring' });
    this.log.info(`deployment ${id}: expired; draining its recorders`);
    const cap = Date.now() + this.opts.config.drainCapSec * 1000;
    await Promise.all(
      this.opts.store.recorders(id).filter((r) => r.state === 'ready' || r.state === 'draining').map(async (r) => {
        const backend = this.opts.backends[r.backend];
        if (!backend || !r.handle) return this.opts.store.updateRecorder(r.id, { state: 'removed' });
        this.opts.store.updateRecorder(r.id, { state: 'draining' });
        await backend.drain(r.handle);
        while (Date.now() < cap && !this.stopped && (await backend.running(r.handle))) await new Promise((res) => setTimeout(res, 500));
        if (this.stopped) return;
        await this.removeRecorder(r, 'removed');
        this.log.info(`recorder ${r.id} of ${id}: removed`);
      }),
    );
    if (this.stopped) return;
    this.opts.store.updateDeployment(id, { state: 'ended', endedAt: new Date().toISOString() });
  }

  /** DELETE /deployments/:id: refunds the unused share and expires it now. */
  async release(d: Deployment): Promise<number> {
    let refund = 0;
    if (d.state === 'ready' && d.readyAt && d.expiresAt) {
      refund = proratedRefund(d.reserved, Date.parse(d.readyAt), Date.parse(d.expiresAt), Date.now());
      if (refund > 0) this.opts.store.addLedger(d.accountId, refund, 'refund: released early', d.id);
      const t = this.timers.get(d.id);
      if (t) clearTimeout(t);
      void this.expire(d.id);
    }
    return refund;
  }

  /**
   * After a restart: a deploy that was in flight is cleaned up and refunded (never redone); ready ones
   * get their expiry back; expiring ones go on draining. Recorders that are gone are marked so.
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
      await this.fail(d, 'deployment failed: the fleet restarted during the deployment', store.recorders(d.id).filter((r) => r.state !== 'removed'));
    }
    for (const d of store.deploymentsIn(['ready', 'expiring'])) {
      for (const r of store.recorders(d.id)) {
        const backend = this.opts.backends[r.backend];
        if ((r.state === 'ready' || r.state === 'draining') && (!backend || !r.handle || !(await backend.running(r.handle)))) store.updateRecorder(r.id, { state: 'removed' });
      }
      if (d.state === 'expiring') void this.expire(d.id);
      else this.scheduleExpiry(d.id, Date.parse(d.expiresAt ?? new Date().toISOString()));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * What a recorder of this domain is started with: the domain's configuration and its own nickname. The
 * host's own jibri.conf and StatsD are not the customer's: a host finalize script, webhook subscriber or
 * counter must never see another customer's recordings.
 */
export function recorderEnv(domain: DomainConfig, recorderId: string): Record<string, string> {
  const env: Record<string, string> = { JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', ENABLE_STATS_D: 'false' };
  for (const [k, v] of Object.entries(domain)) if (v) env[k] = v;
  env.JIBRI_INSTANCE_ID = recorderId;
  return env;
}
