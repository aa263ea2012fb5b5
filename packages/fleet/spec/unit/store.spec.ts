/**
 * The money invariant, as a property: random sequences of top-ups, deploys, recorders created, partial
 * and full readiness, failures, early releases, expiries, recorders gone and fleet restarts, against
 * the real store (SQLite in a temp file, reopened at each restart as a restarted fleet does). After
 * every event: no deployment's refunds exceed its debit, every balance equals top-ups - debits +
 * refunds as the events reported them, and the capacity held is within the backend's and never negative,
 * and a running deployment holds exactly one place per recorder that records (a recorder that only
 * uploads its recordings after the paid end holds none).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { toCents } from '../../lib/money';
import { SecretBox } from '../../lib/secret-box';
import { FleetStore, InsufficientBalance } from '../../lib/store';

const CAPACITY = 6;
const box = new SecretBox(crypto.randomBytes(32));

type Event =
  | { kind: 'topUp'; account: number; cents: number }
  | { kind: 'deploy'; account: number; recorders: number; hours: number; priceCents: number }
  | { kind: 'create'; d: number; count: number }
  | { kind: 'ready'; d: number; goodMask: number }
  | { kind: 'fail'; d: number }
  | { kind: 'release'; d: number; at: number }
  | { kind: 'expire'; d: number }
  | { kind: 'gone'; d: number; r: number }
  | { kind: 'upload'; d: number; r: number }
  | { kind: 'end'; d: number }
  | { kind: 'restart'; goneMask: number };

const deploy = fc.record({ kind: fc.constant('deploy' as const), account: fc.nat(1), recorders: fc.integer({ min: 1, max: 3 }), hours: fc.integer({ min: 1, max: 3 }), priceCents: fc.constantFrom(1, 33, 100, 150, 299) });

// Weighted towards a deployment's life (recorders created, partial readiness, releases), where refunds meet.
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('topUp' as const), account: fc.nat(1), cents: fc.integer({ min: 1, max: 2000 }) }) },
  { weight: 2, arbitrary: deploy },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), d: fc.nat(3), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ready' as const), d: fc.nat(3), goodMask: fc.nat(31) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), d: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), d: fc.nat(3), at: fc.double({ min: -0.2, max: 1.2, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), d: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gone' as const), d: fc.nat(3), r: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('upload' as const), d: fc.nat(3), r: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), d: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), goneMask: fc.nat(255) }) },
);

describe('fleet: the money invariant (property)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-money-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refunds never exceed a deployment\'s debit, balances match what happened, capacity is never over-committed', () => {
    let run = 0;
    fc.assert(
      // A few deploys first, so that the events after them have deployments to act on.
      fc.property(fc.array(deploy, { minLength: 1, maxLength: 3 }), fc.array(event, { minLength: 5, maxLength: 40, size: 'max' }), (first, rest) => {
        const events: Event[] = [...first, ...rest];
        const file = path.join(dir, `run-${run++}.sqlite`);
        let store = new FleetStore(file, box);
        try {
          const accounts = [store.createAccount('a').id, store.createAccount('b').id];
          for (const a of accounts) store.adjustBalance(a, 30, 'top-up');
          const expected = new Map<string, number>(accounts.map((a) => [a, 3000]));
          const add = (account: string, cents: number): void => void expected.set(account, expected.get(account)! + cents);
          const deployments: string[] = [];
          const dep = (i: number): string | undefined => deployments[deployments.length - 1 - (i % Math.max(1, deployments.length))];

          const check = (): void => {
            for (const a of accounts) expect(toCents(store.balance(a))).toBe(expected.get(a));
            let held = 0;
            for (const id of deployments) {
              const d = store.deployment(id)!;
              const entries = store.ledger(d.accountId).filter((l) => l.deploymentId === id).map((l) => toCents(l.delta));
              const debit = -entries.filter((c) => c < 0).reduce((x, y) => x + y, 0);
              const refunds = entries.filter((c) => c > 0).reduce((x, y) => x + y, 0);
              expect(refunds).toBeLessThanOrEqual(debit);
              expect(toCents(d.refunded)).toBe(refunds);
              expect(d.slots).toBeGreaterThanOrEqual(0);
              if (d.state === 'failed' || d.state === 'ended') expect(d.slots).toBe(0);
              if (d.state === 'ready' || d.state === 'expiring') expect(d.slots).toBe(store.recorders(id).filter((r) => r.state === 'ready' || r.state === 'draining').length);
              held += d.slots;
            }
            expect(held).toBeLessThanOrEqual(CAPACITY);
          };
          for (const e of events) {
            switch (e.kind) {
              case 'topUp':
                store.adjustBalance(accounts[e.account]!, e.cents / 100, 'top-up');
                add(accounts[e.account]!, e.cents);
                break;
              case 'deploy': {
                const account = accounts[e.account]!;
                const reserved = (e.recorders * e.hours * e.priceCents) / 100;
                try {
                  const d = store.reserveDeployment(
                    { id: crypto.randomUUID(), accountId: account, domain: 'meet.example', location: 'lon', backend: 'local', recorders: e.recorders, hours: e.hours, price: e.priceCents / 100, reserved, callbackUrl: 'https://cb.example/' },
                    CAPACITY,
                    'not available',
                  );
                  deployments.push(d.id);
                  add(account, -toCents(d.reserved));
                } catch (err) {
                  if (!(err instanceof InsufficientBalance)) throw err;
                }
                break;
              }
              case 'create': {
                const id = dep(e.d);
                const d = id ? store.deployment(id) : undefined;
                for (let n = 0; n < e.count && d?.state === 'deploying' && store.recorders(d.id).length < d.recorders; n++) {
                  store.addRecorder({ id: crypto.randomUUID(), deploymentId: d.id, backend: 'local', state: 'creating' }, 'token');
                }
                break;
              }
              case 'ready': {
                const id = dep(e.d);
                const d = id ? store.deployment(id) : undefined;
                if (!d) break;
                const rows = store.recorders(d.id).map((r) => r.id);
                const good = rows.filter((_, i) => e.goodMask & (1 << i));
                if (!good.length) break;
                const readyAt = new Date();
                const refunded = store.settleReady(d.id, good, rows.filter((r) => !good.includes(r)), readyAt, new Date(readyAt.getTime() + d.hours * 3600_000));
                if (refunded !== undefined) add(d.accountId, toCents(refunded));
                break;
              }
              case 'fail': {
                const id = dep(e.d);
                const d = id ? store.deployment(id) : undefined;
                const refunded = d ? store.failDeployment(d.id, 'failed') : undefined;
                if (d && refunded !== undefined) add(d.accountId, toCents(refunded));
                break;
              }
              case 'release': {
                const id = dep(e.d);
                const d = id ? store.deployment(id) : undefined;
                if (!d?.readyAt || !d.expiresAt) break;
                const [from, to] = [Date.parse(d.readyAt), Date.parse(d.expiresAt)];
                const refunded = store.releaseDeployment(d.id, from + e.at * (to - from));
                if (refunded !== undefined) add(d.accountId, toCents(refunded));
                break;
              }
              case 'expire': {
                const id = dep(e.d);
                if (id) store.markExpiring(id);
                break;
              }
              case 'gone': {
                const id = dep(e.d);
                const r = id ? store.recorders(id)[e.r] : undefined;
                if (r) store.recorderGone(r.id, 'removed');
                break;
              }
              case 'upload': {
                // Its sessions stopped at the paid end: it only uploads now, and its place goes back (once).
                const id = dep(e.d);
                const r = id ? store.recorders(id)[e.r] : undefined;
                if (r) store.recorderUploading(r.id);
                break;
              }
              case 'end': {
                const id = dep(e.d);
                if (id && store.recorders(id).every((r) => r.state === 'removed' || r.state === 'failed')) store.endDeployment(id);
                break;
              }
              case 'restart': {
                // What a restarted fleet does (Deployer.resume): in-flight deployments fail, recorders found gone give their place back.
                store.close();
                store = new FleetStore(file, box);
                for (const d of store.deploymentsIn(['deploying'])) {
                  const refunded = store.failDeployment(d.id, 'restarted');
                  if (refunded !== undefined) add(d.accountId, toCents(refunded));
                }
                let bit = 0;
                for (const d of store.deploymentsIn(['ready', 'expiring'])) {
                  for (const r of store.recorders(d.id)) if ((r.state === 'ready' || r.state === 'draining' || r.state === 'uploading') && e.goneMask & (1 << bit++ % 8)) store.recorderGone(r.id, 'removed');
                }
                break;
              }
            }
            check();
          }
        } finally {
          store.close();
          for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
        }
      }),
      { numRuns: 100 },
    );
  });
});
