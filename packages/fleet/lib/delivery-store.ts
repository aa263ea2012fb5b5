/**
 * Each domain's delivery settings in the fleet's database (table `deliveries`, created by the store's
 * migrations): the S3 target without its secret, the secret sealed with the operator's key and bound to
 * its row (secret-box, like the XMPP passwords), the webhook URL, and the last test's outcome. A domain's
 * delivery goes with its domain: it can only be set for a domain the account configured.
 */
import type { Database } from './sqlite';
import type { DeliveryConfig, S3Target } from './delivery-config';
import type { SecretBox } from './secret-box';

/** The migration that creates the table (listed in store.ts's numbered migrations). */
export const DELIVERY_MIGRATION = `CREATE TABLE deliveries (account_id TEXT NOT NULL, domain TEXT NOT NULL, s3 TEXT, s3_secret TEXT, webhook_url TEXT,
     tested_at TEXT, test_ok INTEGER, test_report TEXT, updated_at TEXT NOT NULL,
     PRIMARY KEY (account_id, domain), FOREIGN KEY (account_id, domain) REFERENCES domains(account_id, domain));`;

/** One step of a delivery test and what it found, in the customer's words. */
export interface TestStep {
  step: 'write' | 'read' | 'remove' | 'webhook';
  ok: boolean;
  message: string;
}

export interface TestReport {
  ok: boolean;
  at: string;
  steps: TestStep[];
}

interface Row {
  s3: string | null;
  s3_secret: string | null;
  webhook_url: string | null;
  tested_at: string | null;
  test_ok: number | null;
  test_report: string | null;
}

/** Where a sealed secret belongs: it opens there and nowhere else. */
const secretContext = (accountId: string, domain: string): string => `delivery:${accountId}:${domain}:s3_secret`;

export class DeliveryStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  /** Whether the account configured the domain (a delivery belongs to a domain). */
  hasDomain(accountId: string, domain: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM domains WHERE account_id = ? AND domain = ?').get(accountId, domain.toLowerCase()));
  }

  /** Saves the settings (an empty configuration clears them); the last test no longer applies. */
  set(accountId: string, domain: string, c: DeliveryConfig): void {
    const d = domain.toLowerCase();
    if (!c.s3 && !c.webhookUrl) {
      this.db.prepare('DELETE FROM deliveries WHERE account_id = ? AND domain = ?').run(accountId, d);
      return;
    }
    const s3 = c.s3 ? { ...c.s3, secretAccessKey: undefined } : undefined;
    this.db
      .prepare(
        `INSERT INTO deliveries (account_id, domain, s3, s3_secret, webhook_url, tested_at, test_ok, test_report, updated_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)
         ON CONFLICT (account_id, domain) DO UPDATE SET s3 = excluded.s3, s3_secret = excluded.s3_secret, webhook_url = excluded.webhook_url, tested_at = NULL, test_ok = NULL, test_report = NULL, updated_at = excluded.updated_at`,
      )
      .run(accountId, d, s3 ? JSON.stringify(s3) : null, c.s3 ? this.box.seal(c.s3.secretAccessKey, secretContext(accountId, d)) : null, c.webhookUrl ?? null, new Date().toISOString());
  }

  get(accountId: string, domain: string): DeliveryConfig | undefined {
    const d = domain.toLowerCase();
    const row = this.db.prepare('SELECT s3, s3_secret, webhook_url, tested_at, test_ok, test_report FROM deliveries WHERE account_id = ? AND domain = ?').get(accountId, d) as Row | undefined;
    if (!row) return undefined;
    const s3 = row.s3 && row.s3_secret ? ({ ...(JSON.parse(row.s3) as Omit<S3Target, 'secretAccessKey'>), secretAccessKey: this.box.open(row.s3_secret, secretContext(accountId, d)) } satisfies S3Target) : undefined;
    return { ...(s3 ? { s3 } : {}), ...(row.webhook_url ? { webhookUrl: row.webhook_url } : {}) };
  }

  setTestReport(accountId: string, domain: string, report: TestReport): void {
    this.db.prepare('UPDATE deliveries SET tested_at = ?, test_ok = ?, test_report = ? WHERE account_id = ? AND domain = ?').run(report.at, report.ok ? 1 : 0, JSON.stringify(report), accountId, domain.toLowerCase());
  }

  testReport(accountId: string, domain: string): TestReport | undefined {
    const row = this.db.prepare('SELECT test_report FROM deliveries WHERE account_id = ? AND domain = ?').get(accountId, domain.toLowerCase()) as { test_report: string | null } | undefined;
    return row?.test_report ? (JSON.parse(row.test_report) as TestReport) : undefined;
  }
}
