/** The customers' recordings in the database. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingLinks } from '../../lib/recording-links';
import { ledgerWithUsage } from '../../lib/recording-view';
import { RecordingsStore } from '../../lib/recordings-store';
import { SecretBox } from '../../lib/secret-box';
import { FleetStore } from '../../lib/store';

describe('recordings in the database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-recordings-'));
  const box = new SecretBox(crypto.randomBytes(32));
  let store: FleetStore;
  let recordings: RecordingsStore;
  let accounts: string[];
  let deployments: string[];

  beforeAll(() => {
    store = new FleetStore(path.join(dir, 'fleet.sqlite'), box);
    recordings = store.recordings;
    accounts = [store.createAccount('a').id, store.createAccount('b').id];
    deployments = accounts.map((a) => {
      store.adjustBalance(a, 10, 'top-up');
      return store.reserveDeployment({ id: crypto.randomUUID(), accountId: a, domain: 'meet.example.com', location: 'lon', backend: 'local', recorders: 1, hours: 1, price: 1, reserved: 1, callbackUrl: 'https://cb.example/' }, 10, 'na').id;
    });
  });
  afterAll(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one account never reads, moves or deletes another\'s, whatever id it tries', () => {
    const seen = { id: crypto.randomUUID(), deploymentId: deployments[0]!, recorderId: 'rec-a', jobId: 'job-1', sessionId: 's1', meetingUrl: 'https://meet.example.com/room', startedAt: '2026-01-01T10:00:00.000Z', target: 'service' as const };
    const { recording, created } = recordings.upsert(seen, { state: 'recording' });
    expect(created).toBe(true);
    expect(recording.accountId).toBe(accounts[0]);
    expect(recordings.get(accounts[1]!, recording.id)).toBeUndefined();
    expect(recordings.ofAccount(accounts[1]!)).toEqual([]);
    expect(recordings.setState(accounts[1]!, recording.id, ['recording'], { state: 'deleted' })).toBe(false);
    expect(recordings.get(accounts[0]!, recording.id)?.state).toBe('recording');
    // Seen again: the same row; once delivered, a later poll never moves it back.
    expect(recordings.upsert({ ...seen, id: crypto.randomUUID() }, { state: 'delivered', durationSec: 30, keptPath: '/x', keptUntil: '2026-01-08T00:00:00.000Z' }).recording.id).toBe(recording.id);
    expect(recordings.upsert(seen, { state: 'uploading' }).recording.state).toBe('delivered');
    expect(recordings.markAnnounced(recording.id)).toBe(true);
    expect(recordings.markAnnounced(recording.id)).toBe(false);
  });

  it("shows each deployment's recordings and their length on its debit line", () => {
    recordings.upsert({ id: crypto.randomUUID(), deploymentId: deployments[0]!, recorderId: 'rec-a', jobId: 'job-2', sessionId: 's2', meetingUrl: 'https://meet.example.com/room2', startedAt: '2026-01-01T11:00:00.000Z', target: 'service' }, { state: 'delivered', durationSec: 15.5 });
    const lines = ledgerWithUsage(store.ledger(accounts[0]!), recordings.usage(accounts[0]!));
    expect(lines.find((l) => l.deploymentId === deployments[0])).toMatchObject({ recordings: { count: 2, total_length_sec: 45.5 } });
    expect(lines.find((l) => l.deploymentId === null)).not.toHaveProperty('recordings');
    expect(ledgerWithUsage(store.ledger(accounts[1]!), recordings.usage(accounts[1]!)).find((l) => l.deploymentId)).toMatchObject({ recordings: { count: 0, total_length_sec: 0 } });
  });

  it("a download link to the service's copy is signed, bound to its recording and expires", async () => {
    let now = Date.parse('2026-01-01T12:00:00.000Z');
    const { deliveries } = store;
    const links = new RecordingLinks({ secretKey: crypto.randomBytes(32), publicUrl: 'https://jod.example.com', deliveries, now: () => now });
    const rec = recordings.ofAccount(accounts[0]!).find((r) => r.state === 'delivered')!;
    const link = (await links.media(rec, 900)) as { url: string; expiresAt: string };
    const u = new URL(link.url);
    expect(u.pathname).toBe(`/recordings/${rec.id}/download`);
    const [expires, signature] = [u.searchParams.get('expires'), u.searchParams.get('signature')];
    expect(links.valid(rec.id, expires, signature)).toBe(true);
    expect(links.valid(crypto.randomUUID(), expires, signature)).toBe(false);
    expect(links.valid(rec.id, String(Number(expires) + 1), signature)).toBe(false);
    expect(links.valid(rec.id, expires, 'f'.repeat(64))).toBe(false);
    now += 901_000;
    expect(links.valid(rec.id, expires, signature)).toBe(false);
    expect(await links.media({ ...rec, state: 'uploading' }, 900)).toEqual({ why: 'it is not delivered' });
    // In a bucket the domain no longer sends to: no link, and where it is.
    expect(await links.media({ ...rec, target: 'bucket', bucket: 'old', mediaKey: 's/r.mp4' }, 900)).toEqual({ why: 'the domain sends to another bucket now: it is in bucket old as s/r.mp4' });
  });
});
