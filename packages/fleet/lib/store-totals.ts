/**
 * The fleet's totals for /metrics (metrics.ts): deployments and recorders by state, callbacks, balance
 * changes, read from the database in one transaction so that they agree with each other.
 */
import type { Database } from './sqlite';

export interface FleetTotals {
  deployments: Record<string, number>;
  /** By state, then by backend. */
  recorders: Array<{ state: string; backend: string; count: number }>;
  callbacks: { delivered: number; abandoned: number; pending: number; attempts: number };
  balance: { credits: number; creditAmount: number; debits: number; debitAmount: number };
}

/** The totals, read in one transaction so that they agree with each other. */
export function readTotals(db: Database): FleetTotals {
  return db.transaction(() => {
    const deployments: Record<string, number> = {};
    for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM deployments GROUP BY state').all() as Array<{ state: string; n: number }>) deployments[r.state] = r.n;
    const recorders = (db.prepare('SELECT state, backend, COUNT(*) AS count FROM recorders GROUP BY state, backend ORDER BY state, backend').all() as FleetTotals['recorders']);
    const c = db.prepare(`SELECT
        COALESCE(SUM(delivered_at IS NOT NULL), 0) AS delivered, COALESCE(SUM(abandoned = 1), 0) AS abandoned,
        COALESCE(SUM(delivered_at IS NULL AND abandoned = 0), 0) AS pending, COALESCE(SUM(attempts), 0) AS attempts FROM callbacks`).get() as FleetTotals['callbacks'];
    const b = db.prepare(`SELECT
        COALESCE(SUM(delta > 0), 0) AS credits, COALESCE(SUM(CASE WHEN delta > 0 THEN delta ELSE 0 END), 0) AS creditAmount,
        COALESCE(SUM(delta < 0), 0) AS debits, COALESCE(SUM(CASE WHEN delta < 0 THEN -delta ELSE 0 END), 0) AS debitAmount FROM ledger`).get() as FleetTotals['balance'];
    return { deployments, recorders, callbacks: c, balance: b };
  })();
}

