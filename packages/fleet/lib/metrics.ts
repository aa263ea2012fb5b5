/**
 * The fleet's /metrics, in Prometheus' text format (version 0.0.4, what promtool checks): deployments
 * and recorders by state (read from the database at each scrape, so they survive restarts and never
 * drift), callbacks (delivered, abandoned, pending, attempts), balance changes (count and amount, from
 * the ledger) and the requests the API refused, by reason (counted since the fleet started).
 * Nothing per account: a scrape shows the fleet's totals, never a customer's.
 */
import type { DeploymentState, RecorderState } from './store';
import type { FleetTotals } from './store-totals';

const DEPLOYMENT_STATES: readonly DeploymentState[] = ['deploying', 'ready', 'failed', 'expiring', 'ended'];
const RECORDER_STATES: readonly RecorderState[] = ['creating', 'ready', 'draining', 'removed', 'failed'];

/** Why /deploy-recorder said no. */
export type RefusalReason = 'maintenance' | 'unauthorized' | 'invalid' | 'callback_refused' | 'domain' | 'failed_deploys' | 'balance' | 'rate_limited';
const REFUSAL_REASONS: readonly RefusalReason[] = ['maintenance', 'unauthorized', 'invalid', 'callback_refused', 'domain', 'failed_deploys', 'balance', 'rate_limited'];

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function family(name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...samples.map(([labels, v]) => {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(',');
      return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 0}`;
    }),
  ];
}

/** Pure: the exposition of the totals, the refusals and the version. */
export function renderMetrics(t: FleetTotals, refusals: ReadonlyMap<RefusalReason, number>, version: string): string {
  const recorderSamples: Array<[Record<string, string>, number]> = [];
  for (const state of RECORDER_STATES) {
    const rows = t.recorders.filter((r) => r.state === state);
    if (!rows.length) recorderSamples.push([{ state, backend: 'none' }, 0]);
    for (const r of rows) recorderSamples.push([{ state, backend: r.backend }, r.count]);
  }
  return `${[
    ...family('jibri_fleet_build_info', 'gauge', 'The fleet server\'s version (always 1).', [[{ version }, 1]]),
    ...family('jibri_fleet_deployments', 'gauge', 'Deployments by state.', DEPLOYMENT_STATES.map((s) => [{ state: s }, t.deployments[s] ?? 0])),
    ...family('jibri_fleet_recorders', 'gauge', 'Recorders by state and backend.', recorderSamples),
    ...family('jibri_fleet_callbacks_delivered_total', 'counter', 'Callbacks delivered to the customer.', [[{}, t.callbacks.delivered]]),
    ...family('jibri_fleet_callbacks_abandoned_total', 'counter', 'Callbacks given up on (attempts used up, or the destination refused by the outbound guard).', [[{}, t.callbacks.abandoned]]),
    ...family('jibri_fleet_callbacks_pending', 'gauge', 'Callbacks waiting for a delivery attempt.', [[{}, t.callbacks.pending]]),
    ...family('jibri_fleet_callback_attempts_total', 'counter', 'Callback delivery attempts, failed ones included.', [[{}, t.callbacks.attempts]]),
    ...family('jibri_fleet_balance_changes_total', 'counter', 'Ledger entries: credits (top-ups, refunds) and debits (deployments).', [[{ direction: 'credit' }, t.balance.credits], [{ direction: 'debit' }, t.balance.debits]]),
    ...family('jibri_fleet_balance_change_amount_total', 'counter', 'Sum of the ledger entries, in the price\'s unit, by direction.', [[{ direction: 'credit' }, t.balance.creditAmount], [{ direction: 'debit' }, t.balance.debitAmount]]),
    ...family('jibri_fleet_refusals_total', 'counter', 'Deploy requests the API refused since the fleet started, by reason.', REFUSAL_REASONS.map((r) => [{ reason: r }, refusals.get(r) ?? 0])),
  ].join('\n')}\n`;
}

/** Refusals counted by the HTTP API; the totals come from the database at each scrape. */
export class FleetMetrics {
  private readonly refusals = new Map<RefusalReason, number>();

  /** `totals`: the fleet's totals as the store reads them now (FleetStore.totals). */
  constructor(
    private readonly totals: () => FleetTotals,
    private readonly version: string,
  ) {}

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  render(): string {
    return renderMetrics(this.totals(), this.refusals, this.version);
  }
}
