/**
 * The fleet database's schema, as numbered migrations: the store applies each one not yet applied, in
 * one transaction with its number, at start. A migration is never changed once released; a new one is
 * added at the end.
 */
import { DELIVERY_MIGRATION } from './delivery-store';
import { RECORDINGS_MIGRATION } from './recordings-store';

export const MIGRATIONS: string[] = [
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
  // Issue 15: what was refunded and what capacity is held, beside each deployment; recorder tokens; key check.
  `ALTER TABLE deployments ADD COLUMN refunded REAL NOT NULL DEFAULT 0;
   ALTER TABLE deployments ADD COLUMN slots INTEGER NOT NULL DEFAULT 0;
   UPDATE deployments SET refunded = COALESCE((SELECT SUM(delta) FROM ledger l WHERE l.deployment_id = deployments.id AND l.delta > 0), 0);
   UPDATE deployments SET slots = CASE
     WHEN state = 'deploying' THEN recorders
     WHEN state IN ('ready', 'expiring') THEN (SELECT COUNT(*) FROM recorders r WHERE r.deployment_id = deployments.id AND r.state IN ('creating', 'ready', 'draining'))
     ELSE 0 END;
   CREATE INDEX deployments_state ON deployments(state);
   CREATE INDEX deployments_account ON deployments(account_id, state, ended_at);
   ALTER TABLE recorders ADD COLUMN token TEXT;
   ALTER TABLE callbacks ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // Issue 22, the dashboard: an account's users (scrypt hashes), their one-time invitations and sessions
  // (digests only), and the last characters of the API key to show it masked.
  `CREATE TABLE users (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), email TEXT NOT NULL UNIQUE,
     password_hash TEXT, role TEXT NOT NULL DEFAULT 'customer', created_at TEXT NOT NULL);
   CREATE TABLE invites (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), expires_at TEXT NOT NULL, used_at TEXT);
   CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
   CREATE INDEX sessions_user ON sessions(user_id);
   ALTER TABLE accounts ADD COLUMN key_hint TEXT;`,
  // Each account's own callback signing secret (sealed); NULL for accounts from before it, which keep the
  // fleet-wide legacy signature until they generate one.
  `ALTER TABLE accounts ADD COLUMN callback_secret TEXT;`,
  // Where each domain's recordings go (delivery-store.ts owns the table).
  DELIVERY_MIGRATION,
  // The recordings the fleet follows (recordings-store.ts owns the table); recorders that only upload.
  RECORDINGS_MIGRATION,
];
