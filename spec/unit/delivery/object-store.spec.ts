import { OutboundRefused, OUTBOUND_REFUSED_CODE } from '@jibri-ts/common';
import { classifyStoreError, storePort } from '../../../lib/delivery/object-store';
import { loadConfig } from '../../../lib/config';

const WHERE = 'bucket rec at s3.example.com';

describe('store errors say what to do', () => {
  it('wrong credentials name the variables, whatever the server calls the error', () => {
    for (const err of [{ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } }, { name: 'SignatureDoesNotMatch' }, { name: 'UnknownError', $metadata: { httpStatusCode: 403 } }]) {
      const e = classifyStoreError(err, WHERE);
      expect(e.kind).toBe('credentials');
      expect(e.message).toMatch(/refused the credentials/);
      expect(e.message).toMatch(/JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY/);
    }
  });

  it('a missing bucket, an unreachable store and anything else', () => {
    expect(classifyStoreError({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, WHERE).kind).toBe('bucket');
    expect(classifyStoreError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), WHERE)).toMatchObject({ kind: 'unreachable' });
    expect(classifyStoreError({ name: 'TimeoutError' }, WHERE).kind).toBe('unreachable');
    expect(classifyStoreError({ name: 'AbortError' }, WHERE).kind).toBe('aborted');
    const other = classifyStoreError({ name: 'InternalError', message: 'boom\nmore', $metadata: { httpStatusCode: 500 } }, WHERE);
    expect(other).toMatchObject({ kind: 'other', message: `${WHERE} failed: InternalError: boom (HTTP 500)` });
  });

  it('a store the address rules refused: said so, never with what the endpoint resolved to', () => {
    const refused = Object.assign(new OutboundRefused('JIBRI_UPLOAD_S3_ENDPOINT: s3.internal is not a public address', 's3.internal resolves to 10.1.2.3 (private)'), { code: OUTBOUND_REFUSED_CODE });
    const e = classifyStoreError(refused, WHERE);
    expect(e.kind).toBe('refused');
    expect(e.message).toMatch(/not on a public address/);
    expect(e.message).toMatch(/JIBRI_UPLOAD_PUBLIC_ONLY/);
    expect(e.message).not.toContain('10.1.2.3');
  });

  it("the store's port: the endpoint's own, else its scheme's, AWS 443", () => {
    expect(storePort({})).toBe(443);
    expect(storePort({ endpoint: 'http://s3.example.com' })).toBe(80);
    expect(storePort({ endpoint: 'https://s3.example.com:8443/base' })).toBe(8443);
  });
});

describe('upload settings', () => {
  it('has no store without a bucket, and defaults the rest', () => {
    const c = loadConfig({});
    expect(c.upload).toEqual({ linkTtlSec: 86400, keepLocal: true, retentionSec: 0, retryDelaySec: 5, stallTimeoutSec: 60, handoff: false, exitWaitSec: 0 });
    expect(c.recording.sessionDiskBytes).toBe(2048 * 1024 * 1024);
  });

  it('reads a store', () => {
    const c = loadConfig({
      JIBRI_UPLOAD_S3_BUCKET: 'recordings',
      JIBRI_UPLOAD_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      JIBRI_UPLOAD_S3_ACCESS_KEY_ID: 'AKID',
      JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'secret-value',
      JIBRI_UPLOAD_S3_PREFIX: '/jibri/',
      JIBRI_UPLOAD_S3_FORCE_PATH_STYLE: 'true',
      JIBRI_RECORDINGS_RETENTION: '7 days',
      JIBRI_UPLOAD_LINK_TTL: '12h',
      JIBRI_UPLOAD_KEEP_LOCAL: 'false',
    });
    expect(c.upload.s3).toEqual({ bucket: 'recordings', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKID', secretAccessKey: 'secret-value', prefix: 'jibri/', forcePathStyle: true });
    expect(c.upload).toMatchObject({ retentionSec: 604800, linkTtlSec: 43200, keepLocal: false });
  });

  it('reads the hand-off, the exit wait and the public-only rule with its exceptions', () => {
    const c = loadConfig({ JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_EXIT_DELIVERY_WAIT: '30 minutes', JIBRI_UPLOAD_PUBLIC_ONLY: 'true', JIBRI_UPLOAD_ALLOWED_HOSTS: '127.0.0.1:9000,s3.lan' });
    expect(c.upload).toMatchObject({ handoff: true, exitWaitSec: 1800, publicOnly: { allowed: [{ host: '127.0.0.1', port: 9000 }, { host: 's3.lan' }] } });
    expect(() => loadConfig({ JIBRI_UPLOAD_PUBLIC_ONLY: 'true', JIBRI_UPLOAD_ALLOWED_HOSTS: 'not a host' })).toThrow(/JIBRI_UPLOAD_ALLOWED_HOSTS/);
    expect(() => loadConfig({ JIBRI_EXIT_DELIVERY_WAIT: 'forever' })).toThrow(/JIBRI_EXIT_DELIVERY_WAIT/);
  });

  it('refuses half a configuration with a message that says what to set, never quoting the secret', () => {
    expect(() => loadConfig({ JIBRI_UPLOAD_S3_BUCKET: 'recordings', JIBRI_UPLOAD_S3_ACCESS_KEY_ID: 'AKID' })).toThrow(/go together/);
    expect(() => loadConfig({ JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'top-secret-1' })).toThrow(/JIBRI_UPLOAD_S3_BUCKET is not set/);
    let message = '';
    try {
      loadConfig({ JIBRI_UPLOAD_S3_BUCKET: 'Bad_Bucket', JIBRI_UPLOAD_S3_ENDPOINT: 'ftp://x', JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'top-secret-1', JIBRI_RECORDINGS_RETENTION: 'soon', JIBRI_UPLOAD_LINK_TTL: '999999' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/JIBRI_UPLOAD_S3_BUCKET="Bad_Bucket"/);
    expect(message).toMatch(/JIBRI_UPLOAD_S3_ENDPOINT/);
    expect(message).toMatch(/JIBRI_RECORDINGS_RETENTION/);
    expect(message).toMatch(/JIBRI_UPLOAD_LINK_TTL/);
    expect(message).not.toContain('top-secret-1');
  });
});
