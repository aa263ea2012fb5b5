/**
 * The fleet's recordings, in milliseconds: delivery settings (checks, the secret sealed and never shown,
 * what a recorder gets), failures in the customer's words, a recorder's listing read as untrusted, what a
 * recorder's entry means for the fleet's row, one account never reading another's rows (by id too), the
 * download links' signatures, the ledger's usage, and the pages' words.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OUTBOUND_REFUSED_CODE } from '@jibri-ts/common';
import { parseDeliveryInput, recorderDelivery, shownDelivery, targetEndpoint, type DeliveryConfig } from '../../packages/fleet/lib/delivery-config';
import { DeliveryStore } from '../../packages/fleet/lib/delivery-store';
import { parseListing } from '../../packages/fleet/lib/recorder-recordings';
import { RecordingLinks } from '../../packages/fleet/lib/recording-links';
import { explainUploadFailure, ledgerWithUsage, lengthText, meetingName, recordingJson, sizeText } from '../../packages/fleet/lib/recording-view';
import { updateOf } from '../../packages/fleet/lib/recording-watch';
import { RecordingsStore } from '../../packages/fleet/lib/recordings-store';
import { explainStoreFailure } from '../../packages/fleet/lib/s3-target';
import { SecretBox } from '../../packages/fleet/lib/secret-box';
import { FleetStore } from '../../packages/fleet/lib/store';
import { keptFor, recordingsPart } from '../../packages/fleet/lib/dashboard/recording-pages';
import { deliveryPage } from '../../packages/fleet/lib/dashboard/delivery-pages';

const S3 = { s3_endpoint: 'https://s3.example.com/', s3_region: 'eu-west-1', s3_bucket: 'rec-bucket', s3_prefix: '/jitsi/', s3_access_key_id: 'AKIDEXAMPLE', s3_secret_access_key: 'the-secret-key', s3_force_path_style: 'true', webhook_url: 'https://hooks.example.com/jod' };

describe('delivery settings', () => {
  it('checks every field, names what is wrong, and keeps a stored secret when the field is empty', () => {
    const ok = parseDeliveryInput(S3);
    expect(ok).toEqual({ ok: true, config: { s3: { endpoint: 'https://s3.example.com', region: 'eu-west-1', bucket: 'rec-bucket', prefix: 'jitsi/', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'the-secret-key', forcePathStyle: true }, webhookUrl: 'https://hooks.example.com/jod' } });
    const stored = (ok as { config: DeliveryConfig }).config;
    expect(parseDeliveryInput({ ...S3, s3_secret_access_key: '' }, stored)).toMatchObject({ ok: true, config: { s3: { secretAccessKey: 'the-secret-key' } } });
    const bad = parseDeliveryInput({ s3_bucket: 'Bad_Bucket', s3_endpoint: 'ftp://x', s3_access_key_id: '', webhook_url: 'https://user:pw@hooks.example.com', nope: 'x' });
    expect(bad.ok).toBe(false);
    expect((bad as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort()).toEqual(['nope', 's3_access_key_id', 's3_bucket', 's3_endpoint', 's3_secret_access_key', 'webhook_url']);
    // A form always sends the region and the addressing: alone they set nothing.
    expect(parseDeliveryInput({ s3_region: 'us-east-1', s3_force_path_style: 'true', webhook_url: '' })).toEqual({ ok: true, config: {} });
    // Without an endpoint: AWS, virtual-hosted by default.
    expect(parseDeliveryInput({ s3_bucket: 'rec-bucket', s3_access_key_id: 'AK', s3_secret_access_key: 's' })).toMatchObject({ ok: true, config: { s3: { forcePathStyle: false, region: 'us-east-1' } } });
    expect(targetEndpoint({ region: 'eu-west-1' })).toEqual({ host: 's3.eu-west-1.amazonaws.com', port: 443 });
    expect(targetEndpoint({ endpoint: 'http://127.0.0.1:9000', region: 'x' })).toEqual({ host: '127.0.0.1', port: 9000 });
  });

  it('a recorder gets its own domain\'s bucket as environment, the secret as a file, uploads to public addresses only, and hands off', () => {
    const c = (parseDeliveryInput(S3) as { config: DeliveryConfig }).config;
    const r = recorderDelivery(c, [{ host: '127.0.0.1', port: 9000 }], 1800);
    expect(r.env).toEqual({
      JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_EXIT_DELIVERY_WAIT: '1800 seconds', JIBRI_UPLOAD_S3_BUCKET: 'rec-bucket', JIBRI_UPLOAD_S3_REGION: 'eu-west-1', JIBRI_UPLOAD_S3_ENDPOINT: 'https://s3.example.com',
      JIBRI_UPLOAD_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', JIBRI_UPLOAD_S3_PREFIX: 'jitsi/', JIBRI_UPLOAD_S3_FORCE_PATH_STYLE: 'true', JIBRI_UPLOAD_PUBLIC_ONLY: 'true', JIBRI_UPLOAD_ALLOWED_HOSTS: '127.0.0.1:9000',
    });
    expect(JSON.stringify(r.env)).not.toContain('the-secret-key');
    expect(r.secrets).toEqual({ JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'the-secret-key' });
    expect(recorderDelivery(undefined, [], 60)).toEqual({ env: { JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_EXIT_DELIVERY_WAIT: '60 seconds' }, secrets: {} });
  });

  it('seals the secret in the database, bound to its row, and never shows it again', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-deliveries-'));
    const box = new SecretBox(crypto.randomBytes(32));
    const store = new FleetStore(path.join(dir, 'fleet.sqlite'), box);
    try {
      const a = store.createAccount('a');
      store.setDomain(a.id, 'meet.example.com', { XMPP_SERVER: 'x' });
      const deliveries = new DeliveryStore(store.db, box);
      expect(deliveries.hasDomain(a.id, 'other.example.com')).toBe(false);
      deliveries.set(a.id, 'meet.example.com', (parseDeliveryInput(S3) as { config: DeliveryConfig }).config);
      const raw = JSON.stringify(store.db.prepare('SELECT * FROM deliveries').all());
      expect(raw).not.toContain('the-secret-key');
      expect(deliveries.get(a.id, 'MEET.example.com')?.s3?.secretAccessKey).toBe('the-secret-key');
      expect(shownDelivery(deliveries.get(a.id, 'meet.example.com'))).toMatchObject({ s3_secret_access_key: '', s3_secret_stored: true, s3_bucket: 'rec-bucket' });
      // Copied to another account's row, the sealed secret does not open.
      const b = store.createAccount('b');
      store.setDomain(b.id, 'meet.example.com', { XMPP_SERVER: 'x' });
      store.db.prepare('INSERT INTO deliveries (account_id, domain, s3, s3_secret, updated_at) SELECT ?, domain, s3, s3_secret, updated_at FROM deliveries WHERE account_id = ?').run(b.id, a.id);
      expect(() => deliveries.get(b.id, 'meet.example.com')).toThrow();
      deliveries.set(a.id, 'meet.example.com', {});
      expect(deliveries.get(a.id, 'meet.example.com')).toBeUndefined();
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('failures in the customer\'s words', () => {
  const t = { bucket: 'rec-bucket', endpoint: 'https://s3.example.com', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', prefix: 'jitsi/' };
  it.each([
    [{ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, /bucket rec-bucket does not exist/],
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, /Access denied: the access key may not write to the bucket rec-bucket/],
    [{ name: 'InvalidAccessKeyId' }, /does not know the access key AKID…/],
    [{ name: 'SignatureDoesNotMatch' }, /refused the secret key/],
    [Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), /cannot be reached \(ECONNREFUSED\)/],
    [Object.assign(new Error('dns'), { code: 'ENOTFOUND' }), /cannot be found/],
    [Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), /TLS certificate of s3\.example\.com cannot be verified/],
    [Object.assign(new Error('refused'), { code: OUTBOUND_REFUSED_CODE }), /not on a public address/],
  ])('%j', (err, words) => {
    const said = explainStoreFailure(err, t, 'write');
    expect(said).toMatch(words);
    expect(said).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
  });

  it('from the kind of failure a recorder reported', () => {
    expect(explainUploadFailure('credentials', 'bucket x refused the credentials (InvalidAccessKeyId): check JIBRI_UPLOAD_S3_ACCESS_KEY_ID')).not.toMatch(/JIBRI_/);
    expect(explainUploadFailure('refused', undefined)).toMatch(/not on a public address/);
    expect(explainUploadFailure('other', 'bucket x failed: InternalError (HTTP 500)')).toBe('The upload failed: bucket x failed: InternalError (HTTP 500).');
  });
});

describe("a recorder's listing, read as untrusted", () => {
  it('keeps recordings, drops what is not one, and never takes a name that is a path', () => {
    const sha = 'a'.repeat(64);
    const listed = parseListing({
      recordings: [
        { id: 'room--room_1', sessionId: 'room', meetingUrl: 'https://meet.example.com/room', startedAt: '2026-01-01T10:00:00.000Z', state: 'announced', target: 'local', attempts: 0, files: [{ name: 'room_1.mp4', role: 'media', size: 10, sha256: sha, durationSec: 4.2 }, { name: '../../etc/passwd', role: 'media', size: 1, sha256: sha }, { name: 'hls/index.m3u8', role: 'hls' }] },
        { id: 'x', sessionId: 'y', startedAt: 'z', state: 'hacked', target: 'local' },
        'not an object',
      ],
    });
    expect(listed).toHaveLength(1);
    expect(listed[0]!.files.map((f) => f.name)).toEqual(['room_1.mp4', 'hls/index.m3u8']);
    expect(parseListing({ recordings: 'nope' })).toEqual([]);
    expect(parseListing(null)).toEqual([]);
  });

  it("turns each entry into the fleet's row: recording, uploading, failed with why (retried), delivered", () => {
    const base = { id: 'j', sessionId: 's', meetingUrl: 'https://m/r', startedAt: '2026-01-01T10:00:00.000Z', target: 'store' as const, attempts: 0, files: [{ name: 'r.mp4', role: 'media', size: 2048, durationSec: 61, key: 'p/s/r.mp4', sha256: 'b'.repeat(64) }] };
    // A running session does not say where its file goes (the recorder lists it as local): the queue's entry does.
    expect(updateOf({ ...base, target: 'local', state: 'recording' })).not.toHaveProperty('target');
    expect(updateOf({ ...base, state: 'queued' })).toMatchObject({ state: 'uploading', durationSec: 61, sizeBytes: 2048 });
    expect(updateOf({ ...base, state: 'queued', lastError: 'refused', lastErrorKind: 'credentials', attempts: 2 })).toMatchObject({ state: 'failed', reason: expect.stringMatching(/refused the access key.*It is tried again\.$/) });
    expect(updateOf({ ...base, state: 'announced', bucket: 'rec', endpoint: 'https://s3.example.com' })).toMatchObject({ state: 'delivered', target: 'bucket', bucket: 'rec', endpoint: 'https://s3.example.com', mediaKey: 'p/s/r.mp4' });
    expect(updateOf({ ...base, target: 'local', state: 'announced' })).toMatchObject({ state: 'uploading', reason: 'Being saved by the service.' });
    expect(updateOf({ ...base, target: 'local', state: 'announced' }, { keptPath: '/k', keptUntil: '2026-01-08T10:00:00.000Z' })).toMatchObject({ state: 'delivered', target: 'service', keptPath: '/k' });
  });
});

describe('recordings in the database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-recordings-'));
  const box = new SecretBox(crypto.randomBytes(32));
  let store: FleetStore;
  let recordings: RecordingsStore;
  let accounts: string[];
  let deployments: string[];

  beforeAll(() => {
    store = new FleetStore(path.join(dir, 'fleet.sqlite'), box);
    recordings = new RecordingsStore(store.db);
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
    const deliveries = new DeliveryStore(store.db, box);
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

describe('words on the pages', () => {
  it('lengths, sizes, meetings, retention', () => {
    expect([lengthText(12.4), lengthText(184), lengthText(3725), lengthText(undefined)]).toEqual(['12 s', '3 min 04 s', '1 h 02 min', '—']);
    expect([sizeText(2048), sizeText(1.5 * 1024 ** 2), sizeText(2.25 * 1024 ** 3)]).toEqual(['2 KB', '1.5 MB', '2.3 GB']);
    expect(meetingName('https://meet.example.com/Team%20Weekly')).toBe('Team Weekly');
    expect([keptFor(604800), keptFor(3600), keptFor(90)]).toEqual(['7 days', '1 hour', '90 seconds']);
  });

  it('escapes what a recorder reported, and offers download and delete only once delivered', () => {
    const base = { id: 'r1', accountId: 'a', deploymentId: 'd', recorderId: 'x', jobId: 'j', domain: 'meet.example.com', sessionId: 's', meetingUrl: 'https://meet.example.com/<script>', startedAt: '2026-01-01T10:00:00.000Z', target: 'bucket' as const, files: [], announced: false, createdAt: '', updatedAt: '' };
    const page = recordingsPart('tok', [{ ...base, state: 'failed', reason: '<img src=x onerror=alert(1)>' }, { ...base, id: 'r2', state: 'delivered', bucket: 'rec', endpoint: 'https://s3.example.com', mediaKey: 'k' }], Date.now()).value;
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page.match(/recordings\/r1\//g)).toBeNull();
    expect(page).toContain('/dashboard/recordings/r2/download');
    expect(page).toContain('/dashboard/recordings/r2/delete');
    expect(page).toContain('bucket rec at s3.example.com');
    const json = recordingJson({ ...base, id: 'r2', state: 'delivered', bucket: 'rec', mediaKey: 'k', durationSec: 3 }, Date.now());
    expect(json).toMatchObject({ recording_id: 'r2', state: 'delivered', duration_sec: 3, delivered_to: { type: 'bucket', bucket: 'rec', key: 'k' } });
  });

  it('the delivery form never shows the secret', () => {
    const page = deliveryPage('tok', 'meet.example.com', { shown: { ...shownDelivery(undefined), s3_bucket: 'rec', s3_secret_stored: true }, configured: true, keptFor: '7 days' }).value;
    expect(page).toContain('A secret is stored: leave empty to keep it.');
    expect(page).toMatch(/name="s3_secret_access_key" type="password" value=""/);
  });
});
