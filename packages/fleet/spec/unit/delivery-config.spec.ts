/** A domain's delivery settings: what the dashboard and the API take, what a recorder gets, what is shown. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeliveryInput, recorderDelivery, shownDelivery, targetEndpoint, type DeliveryConfig } from '../../lib/delivery-config';
import { SecretBox } from '../../lib/secret-box';
import { FleetStore } from '../../lib/store';
import { inspectDatabase } from '../support/inspect';

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
      const { deliveries } = store;
      expect(deliveries.hasDomain(a.id, 'other.example.com')).toBe(false);
      deliveries.set(a.id, 'meet.example.com', (parseDeliveryInput(S3) as { config: DeliveryConfig }).config);
      const raw = JSON.stringify(inspectDatabase(store.file, (db) => db.prepare('SELECT * FROM deliveries').all()));
      expect(raw).not.toContain('the-secret-key');
      expect(deliveries.get(a.id, 'MEET.example.com')?.s3?.secretAccessKey).toBe('the-secret-key');
      expect(shownDelivery(deliveries.get(a.id, 'meet.example.com'))).toMatchObject({ s3_secret_access_key: '', s3_secret_stored: true, s3_bucket: 'rec-bucket' });
      // Copied to another account's row, the sealed secret does not open.
      const b = store.createAccount('b');
      store.setDomain(b.id, 'meet.example.com', { XMPP_SERVER: 'x' });
      inspectDatabase(store.file, (db) => db.prepare('INSERT INTO deliveries (account_id, domain, s3, s3_secret, updated_at) SELECT ?, domain, s3, s3_secret, updated_at FROM deliveries WHERE account_id = ?').run(b.id, a.id));
      expect(() => deliveries.get(b.id, 'meet.example.com')).toThrow();
      deliveries.set(a.id, 'meet.example.com', {});
      expect(deliveries.get(a.id, 'meet.example.com')).toBeUndefined();
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
