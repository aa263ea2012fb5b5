/**
 * The fleet's state in SQLite: accounts and their key digests, the balance ledger, domain
 * configurations, deployments and their recorders, callbacks. SQLite here is synchronous (node:sqlite, sqlite.ts), so a
 * transaction is a plain function call, and every change of money is made in the same transaction as
 * the change of state that causes it:
 *   - a reservation checks the balance and the location's capacity, debits, and takes the capacity
 *     (`slots`) in one IMMEDIATE transaction, so concurrent deploys can neither overspend nor over-commit;
 *   - every refund is cut to what is left of the deployment's debit (`refunded` is kept beside it), so
 *     whatever the order of partial failure, release, expiry and restart, refunds never exceed the debit;
 *   - slots go back as recorders are removed, and all at once when a deployment fails or ends.
 * Secrets (customers' XMPP passwords, recorder tokens) are sealed with the operator's key (secret-box);
 * the file is 0600 in a 0700 folder. Schema changes are numbered migrations (store-migrations.ts, applied
 * by store-open.ts). The store holds the one connection and makes the owners of the other tables beside
 * it (users-store.ts, delivery-store.ts, recordings-store.ts); nothing else runs SQL on the database.
 */
import * as crypto from 'node:crypto';
import { Database } from './sqlite';
import type { Location } from './config';
import { DeliveryStore } from './delivery-store';
import { RecordingsStore } from './recordings-store';
import { domainSecretContext as secretContext, openFleetDatabase } from './store-open';
import { readTotals, type FleetTotals } from './store-totals';
import { UserStore } from './users-store';
import { SECRET_FIELDS, type DomainConfig } from './domain-config';
import { cappedRefund, deploymentCost, proratedRefund, toCents } from './money';
import { SecretBox } from './secret-box';


export type DeploymentState = 'deploying' | 'ready' | 'failed' | 'expiring' | 'ended';
/** `uploading`: its sessions stopped at the paid end; it runs on only to deliver its recordings, and holds no place. */
export type RecorderState = 'creating' | 'ready' | 'draining' | 'uploading' | 'removed' | 'failed';
const LIVE_RECORDER: readonly RecorderState[] = ['creating', 'ready', 'draining', 'uploading'];
const HOLDS_PLACE: readonly RecorderState[] = ['creating', 'ready', 'draining'];

export interface Account {
  id: string;
  name: string;
  balance: number;
}

export interface Deployment {
  id: string;
  accountId: string;
  domain: string;
  location: Location;
  backend: string;
  recorders: number;
  hours: number;
  price: number;
  /** What was debited (0 for a deployment that was never served). */
  reserved: number;
  /** What of it was refunded so far; never more than `reserved`. */
  refunded: number;
  /** Recorder places of its backend it holds. */
  slots: number;
  state: DeploymentState;
  callbackUrl: string;
  message?: string;
  createdAt: string;
  readyAt?: string;
  expiresAt?: string;
  endedAt?: string;
}

export interface RecorderRow {
  id: string;
  deploymentId: string;
  backend: string;
  /** What the backend needs to find it again (pid and ports, a container id). */
  handle?: string;
  ip?: string;
  state: RecorderState;
}

export class InsufficientBalance extends Error {}

const now = (): string => new Date().toISOString();

export class FleetStore {
  /** The one connection to the database: only the store and the owners of its tables (below) use it. */
  private readonly db: Database;
  /** How many plaintext secrets of an older fleet were sealed at this start. */
  readonly sealedAtStart: number;
  /** The dashboard's users, their invitations and sessions. */
  readonly users: UserStore;
  /** Where each customer domain's recordings go (its S3 bucket, sealed). */
  readonly deliveries: DeliveryStore;
  /** The customers' recordings the fleet follows, collects and keeps. */
  readonly recordings: RecordingsStore;

  constructor(
    /** The database file. */
    readonly file: string,
    private readonly box: SecretBox,
  ) {
    const opened = openFleetDatabase(file, box);
    this.db = opened.db;
    this.sealedAtStart = opened.sealedAtStart;
    this.users = new UserStore(this.db);
    this.deliveries = new DeliveryStore(this.db, box);
    this.recordings = new RecordingsStore(this.db);
  }

  /** The totals /metrics shows, read now. */
  totals(): FleetTotals {
    return readTotals(this.db);
  }

  close(): void {
    this.db.close();
  }

  // ---- accounts and money ----

  createAccount(name: string): Account {
    const id = crypto.randomUUID();
    this.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now());
    return { id, name, balance: 0 };
  }

  /** Replaces the account's key digest: the old key stops working in the same statement. `hint`: its last characters, to show it masked. */
  setKeyHash(accountId: string, keyHash: string, hint?: string): boolean {
    return this.db.prepare('UPDATE accounts SET key_hash = ?, key_hint = ? WHERE id = ?').run(keyHash, hint ?? null, accountId).changes === 1;
  }

  /** The key's last characters, or undefined when the account has no key (or one from before hints). */
  keyHint(accountId: string): string | undefined {
    const row = this.db.prepare('SELECT key_hint AS hint FROM accounts WHERE id = ? AND key_hash IS NOT NULL').get(accountId) as { hint: string | null } | undefined;
    return row?.hint ?? (row ? '' : undefined);
  }

  /** The account's callback signing secret, sealed; replaces the previous one at once. */
  setCallbackSecret(accountId: string, secret: string): boolean {
    return this.db.prepare('UPDATE accounts SET callback_secret = ? WHERE id = ?').run(this.box.seal(secret, `account:${accountId}:callback_secret`), accountId).changes === 1;
  }

  /** The account's own callback signing secret, or undefined for an account from before them (the legacy signature). */
  callbackSecret(accountId: string): string | undefined {
    const row = this.db.prepare('SELECT callback_secret AS s FROM accounts WHERE id = ?').get(accountId) as { s: string | null } | undefined;
    return row?.s ? this.box.open(row.s, `account:${accountId}:callback_secret`) : undefined;
  }

  /** Accounts that have no callback secret of their own yet. */
  accountsWithoutCallbackSecret(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM accounts WHERE callback_secret IS NULL').get() as { n: number }).n;
  }

  accounts(): Account[] {
    return (this.db.prepare('SELECT id, name FROM accounts ORDER BY created_at, id').all() as Array<{ id: string; name: string }>).map((r) => ({ ...r, balance: this.balance(r.id) }));
  }

  accountByKeyHash(keyHash: string): Account | undefined {
    const row = this.db.prepare('SELECT id, name FROM accounts WHERE key_hash = ?').get(keyHash) as { id: string; name: string } | undefined;
    return row ? { ...row, balance: this.balance(row.id) } : undefined;
  }

  account(id: string): Account | undefined {
    const row = this.db.prepare('SELECT id, name FROM accounts WHERE id = ?').get(id) as { id: string; name: string } | undefined;
    return row ? { ...row, balance: this.balance(row.id) } : undefined;
  }

  balance(accountId: string): number {
    const row = this.db.prepare('SELECT COALESCE(SUM(delta), 0) AS b FROM ledger WHERE account_id = ?').get(accountId) as { b: number };
    return toCents(row.b) / 100;
  }

  /** A line of the ledger that moves no money: what happened to a deployment that the customer must know (recordings left). */
  noteInLedger(accountId: string, deploymentId: string, text: string): void {
    this.ledgerEntry(accountId, 0, text, deploymentId);
  }

  /** A top-up or an operator's correction: not tied to a deployment. */
  adjustBalance(accountId: string, delta: number, reason: string): void {
    this.ledgerEntry(accountId, delta, reason);
  }

  private ledgerEntry(accountId: string, delta: number, reason: string, deploymentId?: string): void {
    this.db.prepare('INSERT INTO ledger (account_id, delta, reason, deployment_id, at) VALUES (?, ?, ?, ?, ?)').run(accountId, delta, reason, deploymentId ?? null, now());
  }

  ledger(accountId: string): Array<{ delta: number; reason: string; deploymentId: string | null; at: string }> {
    return this.db.prepare('SELECT delta, reason, deployment_id AS deploymentId, at FROM ledger WHERE account_id = ? ORDER BY id').all(accountId) as never;
  }

  // ---- domains ----

  setDomain(accountId: string, domain: string, config: DomainConfig): void {
    const d = domain.toLowerCase();
    const stored: Record<string, string | undefined> = { ...config };
    for (const f of SECRET_FIELDS) {
      const v = stored[f];
      if (v) stored[f] = this.box.seal(v, secretContext(accountId, d, f));
    }
    this.db
      .prepare('INSERT INTO domains (account_id, domain, config) VALUES (?, ?, ?) ON CONFLICT (account_id, domain) DO UPDATE SET config = excluded.config, verified_at = NULL, verify_error = NULL')
      .run(accountId, d, JSON.stringify(stored));
  }

  domain(accountId: string, domain: string): { config: DomainConfig; verifiedAt?: string; verifyError?: string } | undefined {
    const d = domain.toLowerCase();
    const row = this.db.prepare('SELECT config, verified_at, verify_error FROM domains WHERE account_id = ? AND domain = ?').get(accountId, d) as
      | { config: string; verified_at: string | null; verify_error: string | null }
      | undefined;
    if (!row) return undefined;
    const config = JSON.parse(row.config) as DomainConfig;
    for (const f of SECRET_FIELDS) {
      const v = config[f];
      if (v) config[f] = this.box.open(v, secretContext(accountId, d, f));
    }
    return { config, ...(row.verified_at ? { verifiedAt: row.verified_at } : {}), ...(row.verify_error ? { verifyError: row.verify_error } : {}) };
  }

  /** An account's domains, with whether each passed its test login. */
  domains(accountId: string): Array<{ domain: string; verifiedAt?: string; verifyError?: string }> {
    return (this.db.prepare('SELECT domain, verified_at, verify_error FROM domains WHERE account_id = ? ORDER BY domain').all(accountId) as Array<{ domain: string; verified_at: string | null; verify_error: string | null }>).map((r) => ({
      domain: r.domain,
      ...(r.verified_at ? { verifiedAt: r.verified_at } : {}),
      ...(r.verify_error ? { verifyError: r.verify_error } : {}),
    }));
  }

  setDomainVerification(accountId: string, domain: string, error: string | undefined): void {
    this.db.prepare('UPDATE domains SET verified_at = ?, verify_error = ? WHERE account_id = ? AND domain = ?').run(error ? null : now(), error ?? null, accountId, domain.toLowerCase());
  }

  // ---- deployments: every change of money and capacity with the change of state that causes it ----

  /**
   * Debits the cost and takes `d.recorders` places of the backend's `capacity`, in one IMMEDIATE
   * transaction (the write lock is taken before anything is read). Not enough balance: throws
   * InsufficientBalance and writes nothing. Not enough capacity: the deployment is written as failed
   * with `notAvailable` as its message, and nothing is debited.
   */
  reserveDeployment(d: Omit<Deployment, 'state' | 'createdAt' | 'refunded' | 'slots'>, capacity: number, notAvailable: string): Deployment {
    const run = this.db.transaction((): Deployment => {
      const balance = this.balance(d.accountId);
      if (toCents(balance) < toCents(d.reserved)) throw new InsufficientBalance(`not enough balance: ${d.reserved} needed, ${balance} available`);
      const used = (this.db.prepare('SELECT COALESCE(SUM(slots), 0) AS n FROM deployments WHERE backend = ?').get(d.backend) as { n: number }).n;
      const created = now();
      const insert = this.db.prepare(
        'INSERT INTO deployments (id, account_id, domain, location, backend, recorders, hours, price, reserved, refunded, slots, state, callback_url, message, created_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)',
      );
      if (used + d.recorders > capacity) {
        insert.run(d.id, d.accountId, d.domain, d.location, d.backend, d.recorders, d.hours, d.price, 0, 0, 'failed', d.callbackUrl, notAvailable, created, created);
        return { ...d, reserved: 0, refunded: 0, slots: 0, state: 'failed', message: notAvailable, createdAt: created, endedAt: created };
      }
      insert.run(d.id, d.accountId, d.domain, d.location, d.backend, d.recorders, d.hours, d.price, d.reserved, d.recorders, 'deploying', d.callbackUrl, null, created, null);
      this.ledgerEntry(d.accountId, -d.reserved, `deploy ${d.recorders} recorder(s) x ${d.hours} h in ${d.location}`, d.id);
      return { ...d, refunded: 0, slots: d.recorders, state: 'deploying', createdAt: created };
    });
    return run.immediate();
  }

  /** Deployments of an account that failed since `sinceIso` (a deploy that fails costs the fleet, not the customer). */
  failedDeploymentsSince(accountId: string, sinceIso: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM deployments WHERE account_id = ? AND state = 'failed' AND ended_at >= ?").get(accountId, sinceIso) as { n: number }).n;
  }

  /** A refund of at most what is left of the debit, with the change of state that causes it (inside a transaction). */
  private refund(d: Deployment, wanted: number, reason: string): number {
    const amount = cappedRefund(wanted, d.reserved, d.refunded);
    if (amount > 0) {
      this.ledgerEntry(d.accountId, amount, reason, d.id);
      this.db.prepare('UPDATE deployments SET refunded = refunded + ? WHERE id = ?').run(amount, d.id);
    }
    return amount;
  }

  /**
   * The deployment is ready with `good`; `bad` could not be deployed and are refunded, and their
   * places go back. Only from `deploying`: undefined when another change came first.
   */
  settleReady(id: string, good: readonly string[], bad: readonly string[], readyAt: Date, expiresAt: Date): number | undefined {
    return this.db.transaction((): number | undefined => {
      const d = this.deployment(id);
      if (!d || d.state !== 'deploying') return undefined;
      const refunded = bad.length ? this.refund(d, deploymentCost(bad.length, d.hours, d.price), `refund: ${bad.length} recorder(s) could not be deployed`) : 0;
      for (const r of good) this.db.prepare("UPDATE recorders SET state = 'ready' WHERE id = ? AND deployment_id = ?").run(r, id);
      for (const r of bad) this.db.prepare("UPDATE recorders SET state = 'failed', removed_at = ? WHERE id = ? AND deployment_id = ?").run(now(), r, id);
      this.db
        .prepare("UPDATE deployments SET state = 'ready', slots = ?, ready_at = ?, expires_at = ?, message = ? WHERE id = ?")
        .run(good.length, readyAt.toISOString(), expiresAt.toISOString(), bad.length ? `${bad.length} recorder(s) refunded` : null, id);
      return refunded;
    }).immediate();
  }

  /** A deployment that could not be served: all that is left of its debit back, its places free. Only from `deploying`. */
  failDeployment(id: string, message: string): number | undefined {
    return this.db.transaction((): number | undefined => {
      const d = this.deployment(id);
      if (!d || d.state !== 'deploying') return undefined;
      const refunded = this.refund(d, d.reserved, `refund: ${message}`);
      this.db.prepare("UPDATE recorders SET state = 'failed', removed_at = ? WHERE deployment_id = ? AND state IN ('creating', 'ready', 'draining')").run(now(), id);
      this.db.prepare("UPDATE deployments SET state = 'failed', slots = 0, message = ?, ended_at = ? WHERE id = ?").run(message, now(), id);
      return refunded;
    }).immediate();
  }

  /** DELETE /deployments/:id: the unused share of what is still paid goes back, and it starts expiring. Only from `ready`. */
  releaseDeployment(id: string, nowMs = Date.now()): number | undefined {
    return this.db.transaction((): number | undefined => {
      const d = this.deployment(id);
      if (!d || d.state !== 'ready' || !d.readyAt || !d.expiresAt) return undefined;
      const paid = d.reserved - d.refunded;
      const refunded = this.refund(d, proratedRefund(paid, Date.parse(d.readyAt), Date.parse(d.expiresAt), nowMs), 'refund: released early');
      this.db.prepare("UPDATE deployments SET state = 'expiring' WHERE id = ?").run(id);
      return refunded;
    }).immediate();
  }

  /** At expiry: no money changes hands. */
  markExpiring(id: string): boolean {
    return this.db.prepare("UPDATE deployments SET state = 'expiring' WHERE id = ? AND state = 'ready'").run(id).changes === 1;
  }

  /** Every recorder is gone: the deployment ends and holds no place. */
  endDeployment(id: string): boolean {
    return this.db.prepare("UPDATE deployments SET state = 'ended', slots = 0, ended_at = ? WHERE id = ? AND state = 'expiring'").run(now(), id).changes === 1;
  }

  deployment(id: string): Deployment | undefined {
    const r = this.db.prepare('SELECT * FROM deployments WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? rowToDeployment(r) : undefined;
  }

  /** An account's deployments, newest first. */
  deploymentsOf(accountId: string, limit = 100): Deployment[] {
    return (this.db.prepare('SELECT * FROM deployments WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ?').all(accountId, limit) as Array<Record<string, unknown>>).map(rowToDeployment);
  }

  /** Recorder places of a backend that deployments hold now. */
  slotsUsed(backend: string): number {
    return (this.db.prepare('SELECT COALESCE(SUM(slots), 0) AS n FROM deployments WHERE backend = ?').get(backend) as { n: number }).n;
  }

  deploymentsIn(states: DeploymentState[]): Deployment[] {
    return (this.db.prepare(`SELECT * FROM deployments WHERE state IN (${states.map(() => '?').join(',')})`).all(...states) as Array<Record<string, unknown>>).map(rowToDeployment);
  }

  // ---- recorders ----

  /** Written before the recorder exists, with its API token sealed. */
  addRecorder(r: RecorderRow, token: string): void {
    this.db
      .prepare('INSERT INTO recorders (id, deployment_id, backend, handle, ip, state, created_at, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.deploymentId, r.backend, r.handle ?? null, r.ip ?? null, r.state, now(), this.box.seal(token, `recorder:${r.id}`));
  }

  recorderToken(id: string): string | undefined {
    const row = this.db.prepare('SELECT token FROM recorders WHERE id = ?').get(id) as { token: string | null } | undefined;
    return row?.token ? this.box.open(row.token, `recorder:${id}`) : undefined;
  }

  setRecorderHandle(id: string, handle: string, ip: string): void {
    this.db.prepare('UPDATE recorders SET handle = ?, ip = ? WHERE id = ?').run(handle, ip, id);
  }

  setRecorderDraining(id: string): void {
    this.db.prepare("UPDATE recorders SET state = 'draining' WHERE id = ? AND state = 'ready'").run(id);
  }

  /** A recorder is gone: its place goes back (once) if its deployment holds one for it. */
  recorderGone(id: string, state: 'removed' | 'failed'): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT deployment_id AS deploymentId, state FROM recorders WHERE id = ?').get(id) as { deploymentId: string; state: RecorderState } | undefined;
      if (!row || !LIVE_RECORDER.includes(row.state)) return;
      this.db.prepare('UPDATE recorders SET state = ?, removed_at = ? WHERE id = ?').run(state, now(), id);
      if (HOLDS_PLACE.includes(row.state)) this.db.prepare("UPDATE deployments SET slots = slots - 1 WHERE id = ? AND slots > 0 AND state IN ('ready', 'expiring')").run(row.deploymentId);
    }).immediate();
  }

  /**
   * Its sessions are stopped and finalized (paid end): it records nothing any more and runs on only to
   * deliver its recordings, so its place goes back now, in the same transaction. Only from ready or draining.
   */
  recorderUploading(id: string): boolean {
    return this.db.transaction((): boolean => {
      const row = this.db.prepare('SELECT deployment_id AS deploymentId, state FROM recorders WHERE id = ?').get(id) as { deploymentId: string; state: RecorderState } | undefined;
      if (!row || (row.state !== 'ready' && row.state !== 'draining')) return false;
      this.db.prepare("UPDATE recorders SET state = 'uploading', uploading_since = ? WHERE id = ?").run(now(), id);
      this.db.prepare("UPDATE deployments SET slots = slots - 1 WHERE id = ? AND slots > 0 AND state IN ('ready', 'expiring')").run(row.deploymentId);
      return true;
    }).immediate();
  }

  /** When an uploading recorder stopped recording (its wait for deliveries counts from then). */
  uploadingSince(id: string): string | undefined {
    return (this.db.prepare('SELECT uploading_since AS s FROM recorders WHERE id = ?').get(id) as { s: string | null } | undefined)?.s ?? undefined;
  }

  recorders(deploymentId: string): RecorderRow[] {
    return (this.db.prepare('SELECT id, deployment_id AS deploymentId, backend, handle, ip, state FROM recorders WHERE deployment_id = ? ORDER BY created_at, id').all(deploymentId) as RecorderDbRow[]).map(rowToRecorder);
  }

  /** Recorders of every backend that are not gone: what the fleet must find again after a restart. */
  liveRecorders(): RecorderRow[] {
    return (this.db.prepare("SELECT id, deployment_id AS deploymentId, backend, handle, ip, state FROM recorders WHERE state NOT IN ('removed', 'failed')").all() as RecorderDbRow[]).map(rowToRecorder);
  }

  // ---- callbacks ----

  /** `url`: where it goes when not to the deployment's callback_url (a domain's recordings webhook). */
  queueCallback(deploymentId: string, body: string, url?: string): number {
    return Number(this.db.prepare('INSERT INTO callbacks (deployment_id, body, url) VALUES (?, ?, ?)').run(deploymentId, body, url ?? null).lastInsertRowid);
  }

  pendingCallbacks(): Array<{ id: number; deploymentId: string; body: string; attempts: number; url: string | null }> {
    return this.db.prepare('SELECT id, deployment_id AS deploymentId, body, attempts, url FROM callbacks WHERE delivered_at IS NULL AND abandoned = 0').all() as never;
  }

  callbackAttempt(id: number, delivered: boolean, error?: string): void {
    this.db.prepare('UPDATE callbacks SET attempts = attempts + 1, delivered_at = ?, last_error = ? WHERE id = ?').run(delivered ? now() : null, error ?? null, id);
  }

  /** The destination was refused: no more attempts, now or after a restart. */
  callbackAbandoned(id: number, error: string): void {
    this.db.prepare('UPDATE callbacks SET abandoned = 1, last_error = ? WHERE id = ?').run(error, id);
  }
}

/** Where a sealed domain secret belongs: it opens there and nowhere else. */

function rowToRecorder(r: RecorderDbRow): RecorderRow {
  return { id: r.id, deploymentId: r.deploymentId, backend: r.backend, state: r.state as RecorderState, ...(r.handle ? { handle: r.handle } : {}), ...(r.ip ? { ip: r.ip } : {}) };
}

/** A recorders row as the SELECTs above name its columns. */
interface RecorderDbRow { id: string; deploymentId: string; backend: string; handle: string | null; ip: string | null; state: string }

function rowToDeployment(r: Record<string, unknown>): Deployment {
  const opt = (k: string): string | undefined => {
    const v = r[k] as string | number | null | undefined; // SQLite TEXT, INTEGER or NULL
    return v === null || v === undefined ? undefined : String(v);
  };
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    domain: String(r.domain),
    location: r.location as Location,
    backend: String(r.backend),
    recorders: Number(r.recorders),
    hours: Number(r.hours),
    price: Number(r.price),
    reserved: Number(r.reserved),
    refunded: Number(r.refunded),
    slots: Number(r.slots),
    state: r.state as DeploymentState,
    callbackUrl: String(r.callback_url),
    createdAt: String(r.created_at),
    ...(opt('message') ? { message: opt('message')! } : {}),
    ...(opt('ready_at') ? { readyAt: opt('ready_at')! } : {}),
    ...(opt('expires_at') ? { expiresAt: opt('expires_at')! } : {}),
    ...(opt('ended_at') ? { endedAt: opt('ended_at')! } : {}),
  };
}
