/**
 * The fleet's state in SQLite: accounts and their key digests, the balance ledger, domain
 * configurations, deployments and their recorders. better-sqlite3 is synchronous, so a transaction is
 * a plain function call: two deploys can never both spend the same balance (SQLite serializes writers,
 * and the balance check and the debit are one transaction). Schema changes are numbered migrations.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Location } from './config';
import type { DomainConfig } from './domain-config';

const MIGRATIONS: string[] = [
  `CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT, created_at TEXT NOT NULL);
   CREATE UNIQUE INDEX accounts_key ON accounts(key_hash);
   CREATE TABLE ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL REFERENCES accounts(id), delta REAL NOT NULL,
     reason TEXT NOT NULL, deployment_id TEXT, at TEXT NOT NULL);
   CREATE TABLE domains (account_id TEXT NOT NULL REFERENCES accounts(id), domain TEXT NOT NULL, config TEXT NOT NULL,
     verified_at TEXT, verify_error TEXT, PRIMARY KEY (account_id, domain));
   CREATE TABLE deployments (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), domain TEXT NOT NULL,
     location TEXT NOT NULL, backend TEXT NOT NULL, recorders INTEGER NOT NULL, hours INTEGER NOT NULL, price REAL NOT NULL,
     reserved REAL NOT NULL, state TEXT NOT NULL, callback_url TEXT NOT NULL, message TEXT,
     created_at TEXT NOT NULL, ready_at TEXT, expires_at TEXT, ended_at TEXT);
   CREATE TABLE recorders (id TEXT PRIMARY KEY, deployment_id TEXT NOT NULL REFERENCES deployments(id), backend TEXT NOT NULL,
     handle TEXT, ip TEXT, state TEXT NOT NULL, created_at TEXT NOT NULL, removed_at TEXT);
   CREATE TABLE callbacks (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment_id TEXT NOT NULL, body TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, delivered_at TEXT, last_error TEXT);`,
];

export type DeploymentState = 'deploying' | 'ready' | 'failed' | 'expiring' | 'ended';
export type RecorderState = 'creating' | 'ready' | 'draining' | 'removed' | 'failed';

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
  reserved: number;
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
  readonly db: Database.Database;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL: readers never wait for the writer, and a killed process loses no committed transaction.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    let version = row?.version ?? 0;
    if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    for (; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]!);
        this.db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  createAccount(name: string): Account {
    const id = crypto.randomUUID();
    this.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now());
    return { id, name, balance: 0 };
  }

  /** Replaces the account's key digest: the old key stops working in the same statement. */
  setKeyHash(accountId: string, keyHash: string): boolean {
    return this.db.prepare('UPDATE accounts SET key_hash = ? WHERE id = ?').run(keyHash, accountId).changes === 1;
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
    return Math.round(row.b * 1e6) / 1e6;
  }

  addLedger(accountId: string, delta: number, reason: string, deploymentId?: string): void {
    this.db.prepare('INSERT INTO ledger (account_id, delta, reason, deployment_id, at) VALUES (?, ?, ?, ?, ?)').run(accountId, delta, reason, deploymentId ?? null, now());
  }

  ledger(accountId: string): Array<{ delta: number; reason: string; deploymentId: string | null; at: string }> {
    return this.db.prepare('SELECT delta, reason, deployment_id AS deploymentId, at FROM ledger WHERE account_id = ? ORDER BY id').all(accountId) as never;
  }

  setDomain(accountId: string, domain: string, config: DomainConfig): void {
    this.db
      .prepare('INSERT INTO domains (account_id, domain, config) VALUES (?, ?, ?) ON CONFLICT (account_id, domain) DO UPDATE SET config = excluded.config, verified_at = NULL, verify_error = NULL')
      .run(accountId, domain.toLowerCase(), JSON.stringify(config));
  }

  domain(accountId: string, domain: string): { config: DomainConfig; verifiedAt?: string; verifyError?: string } | undefined {
    const row = this.db.prepare('SELECT config, verified_at, verify_error FROM domains WHERE account_id = ? AND domain = ?').get(accountId, domain.toLowerCase()) as
      | { config: string; verified_at: string | null; verify_error: string | null }
      | undefined;
    if (!row) return undefined;
    return { config: JSON.parse(row.config) as DomainConfig, ...(row.verified_at ? { verifiedAt: row.verified_at } : {}), ...(row.verify_error ? { verifyError: row.verify_error } : {}) };
  }

  setDomainVerification(accountId: string, domain: string, error: string | undefined): void {
    this.db.prepare('UPDATE domains SET verified_at = ?, verify_error = ? WHERE account_id = ? AND domain = ?').run(error ? null : now(), error ?? null, accountId, domain.toLowerCase());
  }

  /**
   * Creates the deployment and debits its cost in one transaction, or throws InsufficientBalance and
   * writes nothing. IMMEDIATE takes the write lock before the balance is read.
   */
  reserveDeployment(d: Omit<Deployment, 'state' | 'createdAt'>): Deployment {
    const run = this.db.transaction((): Deployment => {
      const balance = this.balance(d.accountId);
      if (balance + 1e-9 < d.reserved) throw new InsufficientBalance(`not enough balance: ${d.reserved} needed, ${balance} available`);
      const created = now();
      this.db
        .prepare('INSERT INTO deployments (id, account_id, domain, location, backend, recorders, hours, price, reserved, state, callback_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(d.id, d.accountId, d.domain, d.location, d.backend, d.recorders, d.hours, d.price, d.reserved, 'deploying', d.callbackUrl, created);
      this.addLedger(d.accountId, -d.reserved, `deploy ${d.recorders} recorder(s) x ${d.hours} h in ${d.location}`, d.id);
      return { ...d, state: 'deploying', createdAt: created };
    });
    return run.immediate();
  }

  deployment(id: string): Deployment | undefined {
    const r = this.db.prepare('SELECT * FROM deployments WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? rowToDeployment(r) : undefined;
  }

  deploymentsIn(states: DeploymentState[]): Deployment[] {
    return (this.db.prepare(`SELECT * FROM deployments WHERE state IN (${states.map(() => '?').join(',')})`).all(...states) as Array<Record<string, unknown>>).map(rowToDeployment);
  }

  updateDeployment(id: string, fields: Partial<Pick<Deployment, 'state' | 'message' | 'readyAt' | 'expiresAt' | 'endedAt'>>): void {
    const cols = { state: 'state', message: 'message', readyAt: 'ready_at', expiresAt: 'expires_at', endedAt: 'ended_at' } as const;
    const entries = Object.entries(fields) as Array<[keyof typeof cols, string]>;
    if (!entries.length) return;
    this.db.prepare(`UPDATE deployments SET ${entries.map(([k]) => `${cols[k]} = ?`).join(', ')} WHERE id = ?`).run(...entries.map(([, v]) => v), id);
  }

  addRecorder(r: RecorderRow): void {
    this.db.prepare('INSERT INTO recorders (id, deployment_id, backend, handle, ip, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(r.id, r.deploymentId, r.backend, r.handle ?? null, r.ip ?? null, r.state, now());
  }

  updateRecorder(id: string, fields: Partial<Pick<RecorderRow, 'state' | 'handle' | 'ip'>>): void {
    const entries = Object.entries<string>(fields as Record<string, string>);
    if (!entries.length) return;
    const removed = fields.state === 'removed' ? ', removed_at = ?' : '';
    this.db.prepare(`UPDATE recorders SET ${entries.map(([k]) => `${k} = ?`).join(', ')}${removed} WHERE id = ?`).run(...entries.map(([, v]) => v), ...(removed ? [now()] : []), id);
  }

  recorders(deploymentId: string): RecorderRow[] {
    return (this.db.prepare('SELECT id, deployment_id AS deploymentId, backend, handle, ip, state FROM recorders WHERE deployment_id = ? ORDER BY created_at, id').all(deploymentId) as RecorderDbRow[]).map(
      (r) => ({ id: r.id, deploymentId: r.deploymentId, backend: r.backend, state: r.state as RecorderState, ...(r.handle ? { handle: r.handle } : {}), ...(r.ip ? { ip: r.ip } : {}) }),
    );
  }

  /** Recorders of every backend that are not removed: what the fleet must find again after a restart. */
  liveRecorders(): RecorderRow[] {
    return (this.db.prepare("SELECT id, deployment_id AS deploymentId, backend, handle, ip, state FROM recorders WHERE state NOT IN ('removed', 'failed')").all() as RecorderDbRow[]).map(
      (r) => ({ id: r.id, deploymentId: r.deploymentId, backend: r.backend, state: r.state as RecorderState, ...(r.handle ? { handle: r.handle } : {}), ...(r.ip ? { ip: r.ip } : {}) }),
    );
  }

  queueCallback(deploymentId: string, body: string): number {
    return Number(this.db.prepare('INSERT INTO callbacks (deployment_id, body) VALUES (?, ?)').run(deploymentId, body).lastInsertRowid);
  }

  pendingCallbacks(): Array<{ id: number; deploymentId: string; body: string; attempts: number }> {
    return this.db.prepare('SELECT id, deployment_id AS deploymentId, body, attempts FROM callbacks WHERE delivered_at IS NULL').all() as never;
  }

  callbackAttempt(id: number, delivered: boolean, error?: string): void {
    this.db.prepare('UPDATE callbacks SET attempts = attempts + 1, delivered_at = ?, last_error = ? WHERE id = ?').run(delivered ? now() : null, error ?? null, id);
  }
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
    state: r.state as DeploymentState,
    callbackUrl: String(r.callback_url),
    createdAt: String(r.created_at),
    ...(opt('message') ? { message: opt('message')! } : {}),
    ...(opt('ready_at') ? { readyAt: opt('ready_at')! } : {}),
    ...(opt('expires_at') ? { expiresAt: opt('expires_at')! } : {}),
    ...(opt('ended_at') ? { endedAt: opt('ended_at')! } : {}),
  };
}
