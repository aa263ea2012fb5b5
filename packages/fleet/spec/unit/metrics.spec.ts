/**
 * The fleet's /metrics: the totals read from the real store (SQLite in a temp file) after a few real
 * operations, rendered, and checked by Prometheus' own promtool (Debian's prometheus package).
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FleetMetrics, renderMetrics } from '../../lib/metrics';
import { SecretBox } from '../../lib/secret-box';
import { FleetStore } from '../../lib/store';

function promtool(text: string): string[] {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30000 });
  if (r.error) throw new Error(`promtool could not run (scripts/setup.sh test installs the prometheus package): ${r.error.message}`);
  return r.status === 0 ? [] : `${r.stdout}${r.stderr}`.trim().split('\n');
}

const sample = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('fleet metrics', () => {
  let dir: string;
  let store: FleetStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-fleet-metrics-'));
    store = new FleetStore(path.join(dir, 'fleet.sqlite'), new SecretBox(crypto.randomBytes(32)));
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts deployments and recorders by state, callbacks, balance changes and refusals; promtool accepts it', () => {
    const account = store.createAccount('acme');
    store.adjustBalance(account.id, 10, 'top-up');
    const d = store.reserveDeployment(
      { id: crypto.randomUUID(), accountId: account.id, domain: 'meet.example', location: 'lon', backend: 'local', recorders: 2, hours: 1, price: 1, reserved: 2, callbackUrl: 'https://cb.example/x' },
      4,
      'not available',
    );
    store.addRecorder({ id: crypto.randomUUID(), deploymentId: d.id, backend: 'local', state: 'creating' }, 'token');
    const delivered = store.queueCallback(d.id, '{}');
    store.callbackAttempt(delivered, false, 'refused');
    store.callbackAttempt(delivered, true);
    store.queueCallback(d.id, '{}');
    const metrics = new FleetMetrics(() => store.totals(), '1.0.0');
    metrics.refused('balance');
    metrics.refused('balance');
    metrics.refused('unauthorized');

    const text = metrics.render();
    expect(promtool(text)).toEqual([]);
    expect(sample(text, 'jibri_fleet_build_info{version="1.0.0"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_deployments{state="deploying"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_deployments{state="ready"}')).toBe(0);
    expect(sample(text, 'jibri_fleet_recorders{state="creating",backend="local"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_recorders{state="ready",backend="none"}')).toBe(0);
    expect(sample(text, 'jibri_fleet_callbacks_delivered_total')).toBe(1);
    expect(sample(text, 'jibri_fleet_callbacks_pending')).toBe(1);
    expect(sample(text, 'jibri_fleet_callback_attempts_total')).toBe(2);
    expect(sample(text, 'jibri_fleet_balance_changes_total{direction="credit"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_balance_changes_total{direction="debit"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_balance_change_amount_total{direction="credit"}')).toBe(10);
    expect(sample(text, 'jibri_fleet_balance_change_amount_total{direction="debit"}')).toBe(2);
    expect(sample(text, 'jibri_fleet_refusals_total{reason="balance"}')).toBe(2);
    expect(sample(text, 'jibri_fleet_refusals_total{reason="unauthorized"}')).toBe(1);
    expect(sample(text, 'jibri_fleet_refusals_total{reason="maintenance"}')).toBe(0);
  });

  it('an empty fleet is all zeros and still valid; no account name or id appears', () => {
    store.createAccount('secret-customer-name');
    const text = renderMetrics(store.totals(), new Map(), 'unknown');
    expect(promtool(text)).toEqual([]);
    expect(text).not.toContain('secret-customer-name');
    expect(sample(text, 'jibri_fleet_deployments{state="ended"}')).toBe(0);
  });
});
