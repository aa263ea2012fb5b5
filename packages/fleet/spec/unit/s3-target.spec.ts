/** A store's failures in the customer's words. */
import { OUTBOUND_REFUSED_CODE } from '@jibri-ts/common';
import { explainUploadFailure } from '../../lib/recording-view';
import { explainStoreFailure } from '../../lib/s3-target';

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
