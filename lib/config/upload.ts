/** The upload area: where finished recordings go (lib/delivery), how they are retried, kept and handed off. */
import { readAllowedHosts, type AllowedHost, type Reader } from '@jibri-ts/common';

/**
 * Where finished recordings go (lib/delivery): an S3-compatible bucket when `s3` is set, else they stay
 * local; either way a "recording ready" event follows. Durations in seconds.
 */
export interface UploadConfig {
  s3?: {
    bucket: string;
    region: string;
    /** Any S3-compatible server; AWS when absent. */
    endpoint?: string;
    /** Both or neither; without them the SDK's usual credential chain applies. */
    accessKeyId?: string;
    secretAccessKey?: string;
    /** Put in front of every object key, e.g. "recordings/". */
    prefix: string;
    forcePathStyle: boolean;
  };
  /** How long a pre-signed GET link in the "recording ready" event stays valid. */
  linkTtlSec: number;
  /** Keep the local copy once the objects are verified (retention may still remove it later). */
  keepLocal: boolean;
  /** Uploaded local copies older than this are removed; 0 keeps them. */
  retentionSec: number;
  /** First wait after a failed attempt; it doubles up to 15 minutes. */
  retryDelaySec: number;
  /** An attempt that makes no progress for this long is abandoned and retried. */
  stallTimeoutSec: number;
  /** JIBRI_UPLOAD_PUBLIC_ONLY: the store only on public addresses, and the hosts in `allowed` (JIBRI_UPLOAD_ALLOWED_HOSTS). */
  publicOnly?: { allowed: AllowedHost[] };
  /**
   * JIBRI_RECORDINGS_HANDOFF: finished recordings are taken off the recorder through its API; each stays
   * (files and journal entry) until it is taken, whatever keepLocal and retentionSec say.
   */
  handoff: boolean;
  /** JIBRI_EXIT_DELIVERY_WAIT: how long an exit (not SIGINT) waits for the queue, once the sessions are finalized; 0 = not at all. */
  exitWaitSec: number;
}

/** S3's own rule for bucket names (the DNS-compatible one every S3-compatible server accepts). */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function readUpload(r: Reader, warnings: string[]): UploadConfig {
  const common = {
    linkTtlSec: r.duration('JIBRI_UPLOAD_LINK_TTL', 1, 7 * 24 * 3600),
    keepLocal: r.bool('JIBRI_UPLOAD_KEEP_LOCAL'),
    retentionSec: r.duration('JIBRI_RECORDINGS_RETENTION', 0, 100 * 365 * 24 * 3600),
    retryDelaySec: r.duration('JIBRI_UPLOAD_RETRY_DELAY', 0.1, 3600),
    stallTimeoutSec: r.duration('JIBRI_UPLOAD_STALL_TIMEOUT', 1, 3600),
    ...(r.bool('JIBRI_UPLOAD_PUBLIC_ONLY') ? { publicOnly: { allowed: readAllowedHosts(r, 'JIBRI_UPLOAD_ALLOWED_HOSTS') } } : {}),
    handoff: r.bool('JIBRI_RECORDINGS_HANDOFF'),
    exitWaitSec: r.duration('JIBRI_EXIT_DELIVERY_WAIT', 0, 7 * 24 * 3600),
  };
  const bucket = r.optional('JIBRI_UPLOAD_S3_BUCKET');
  const region = r.text('JIBRI_UPLOAD_S3_REGION');
  const endpoint = r.optional('JIBRI_UPLOAD_S3_ENDPOINT')?.replace(/\/+$/, '');
  const accessKeyId = r.optional('JIBRI_UPLOAD_S3_ACCESS_KEY_ID');
  const secretAccessKey = r.optional('JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY');
  const forcePathStyle = r.bool('JIBRI_UPLOAD_S3_FORCE_PATH_STYLE');
  const prefix = r.text('JIBRI_UPLOAD_S3_PREFIX').replace(/^\/+/, '');
  if (!bucket) {
    if (endpoint || accessKeyId || secretAccessKey) r.problems.push('JIBRI_UPLOAD_S3_BUCKET is not set, but other JIBRI_UPLOAD_S3_* variables are: set the bucket to upload, or remove them');
    return common;
  }
  if (!BUCKET_NAME.test(bucket)) r.problems.push(`JIBRI_UPLOAD_S3_BUCKET=${JSON.stringify(bucket.slice(0, 80))}: expected an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  if (endpoint && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(endpoint)) r.problems.push(`JIBRI_UPLOAD_S3_ENDPOINT=${JSON.stringify(endpoint.slice(0, 100))}: expected an http(s) URL such as https://s3.example.com`);
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) r.problems.push('JIBRI_UPLOAD_S3_ACCESS_KEY_ID and JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK\'s credential chain');
  if (prefix.length > 512) r.problems.push('JIBRI_UPLOAD_S3_PREFIX is longer than 512 characters');
  // The key id is in every pre-signed link (and is never masked there), so such a secret is no secret.
  if (accessKeyId && accessKeyId === secretAccessKey) {
    warnings.push(
      'JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY is the same as JIBRI_UPLOAD_S3_ACCESS_KEY_ID (a default account such as MinIO\'s minioadmin/minioadmin or s3rver\'s S3RVER/S3RVER): ' +
        'the access key id is part of every "recording ready" link, so whoever gets a link knows the secret too. Create a separate key pair for the recorder ' +
        '(its own access key id and a long random secret, allowed to write to the bucket) and set both',
    );
  }
  return {
    ...common,
    s3: {
      bucket,
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
      prefix,
      forcePathStyle,
    },
  };
}
