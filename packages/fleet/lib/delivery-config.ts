/**
 * Pure: where a domain's recordings go, as its owner sets it (the admin API, the dashboard): an
 * S3-compatible bucket (endpoint, region, bucket, prefix, an access key and its secret) and/or a "recording
 * ready" webhook URL. The fields are the developer API's style (snake_case, like callback_url). The secret
 * is stored sealed and never shown again; an empty secret field keeps the stored one. A bucket always
 * needs its own access key: without one the recorders' S3 client would fall back to the host's own
 * credentials (an instance or pod role), which are the operator's, not the customer's.
 */
import type { FieldError } from './deploy-request';
import { allowedHostText, type AllowedHost } from './outbound-guard';

export interface S3Target {
  /** An S3-compatible server; AWS when absent. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Put in front of every object key (`<prefix><session folder>/<file>`). */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>` rather than `<bucket>.<endpoint>` (most self-hosted servers need it). */
  forcePathStyle: boolean;
}

export interface DeliveryConfig {
  s3?: S3Target;
  webhookUrl?: string;
}

export const DELIVERY_FIELDS = ['s3_endpoint', 's3_region', 's3_bucket', 's3_prefix', 's3_access_key_id', 's3_secret_access_key', 's3_force_path_style', 'webhook_url'] as const;
export type DeliveryField = (typeof DELIVERY_FIELDS)[number];

/** S3's own rule for bucket names (the DNS-compatible one every S3-compatible server accepts). */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function httpUrl(raw: string): URL | undefined {
  try {
    const u = new URL(raw);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname && !u.username && !u.password && !u.hash ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a form or JSON body. Unknown fields are refused by name; `stored` supplies the secret when the
 * field is empty (it is never shown, so a form comes back without it). An empty body clears the delivery.
 */
export function parseDeliveryInput(input: unknown, stored?: DeliveryConfig): { ok: true; config: DeliveryConfig } | { ok: false; errors: FieldError[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: [{ field: '(body)', message: `must be an object of ${DELIVERY_FIELDS.join(', ')}` }] };
  const errors: FieldError[] = [];
  const v: Partial<Record<DeliveryField, string>> = {};
  for (const [k, raw] of Object.entries(input)) {
    if (k === '_csrf') continue;
    if (!(DELIVERY_FIELDS as readonly string[]).includes(k)) {
      errors.push({ field: k, message: `is not a delivery field; the fields are ${DELIVERY_FIELDS.join(', ')}` });
      continue;
    }
    if (typeof raw === 'boolean' && k === 's3_force_path_style') v[k] = String(raw);
    else if (typeof raw !== 'string') errors.push({ field: k, message: 'must be a string' });
    else if (raw.trim()) v[k as DeliveryField] = raw.trim();
  }
  const config: DeliveryConfig = {};
  const wantsS3 = Boolean(v.s3_bucket || v.s3_endpoint || v.s3_access_key_id || v.s3_secret_access_key || v.s3_prefix);
  if (wantsS3) {
    const bucket = v.s3_bucket ?? '';
    if (!bucket) errors.push({ field: 's3_bucket', message: 'is required for an S3 target (or leave every s3_ field empty)' });
    else if (!BUCKET_NAME.test(bucket)) errors.push({ field: 's3_bucket', message: 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens' });
    const endpoint = v.s3_endpoint?.replace(/\/+$/, '');
    const url = endpoint ? httpUrl(endpoint) : undefined;
    if (endpoint && (!url || url.search || endpoint.length > 500)) errors.push({ field: 's3_endpoint', message: 'must be the http(s) address of the S3 server, e.g. https://s3.example.com, without credentials or a query' });
    const region = v.s3_region ?? 'us-east-1';
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(region)) errors.push({ field: 's3_region', message: 'must be a region name, e.g. us-east-1' });
    const prefix = (v.s3_prefix ?? '').replace(/^\/+/, '');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    if (prefix.length > 512 || /[\u0000-\u001f\u007f\\]/.test(prefix)) errors.push({ field: 's3_prefix', message: 'must be at most 512 characters, without control characters or backslashes' });
    const accessKeyId = v.s3_access_key_id ?? '';
    if (!accessKeyId) errors.push({ field: 's3_access_key_id', message: 'is required: recorders upload with your own access key' });
    else if (accessKeyId.length > 128 || /\s/.test(accessKeyId)) errors.push({ field: 's3_access_key_id', message: 'must be an access key ID (no spaces, at most 128 characters)' });
    const secretAccessKey = v.s3_secret_access_key ?? stored?.s3?.secretAccessKey ?? '';
    if (!secretAccessKey) errors.push({ field: 's3_secret_access_key', message: 'is required with the access key' });
    else if (secretAccessKey.length > 256) errors.push({ field: 's3_secret_access_key', message: 'is longer than 256 characters' });
    const pathStyle = v.s3_force_path_style?.toLowerCase();
    if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false') errors.push({ field: 's3_force_path_style', message: 'must be true or false' });
    config.s3 = { ...(endpoint ? { endpoint } : {}), region, bucket, prefix, accessKeyId, secretAccessKey, forcePathStyle: pathStyle === undefined ? Boolean(endpoint) : pathStyle === 'true' };
  }
  // s3_region and s3_force_path_style alone (a form always sends them) describe no bucket.
  if (v.webhook_url) {
    const url = httpUrl(v.webhook_url);
    if (!url || v.webhook_url.length > 2000) errors.push({ field: 'webhook_url', message: 'must be an http(s) URL without credentials, e.g. https://example.com/jod/recordings' });
    else config.webhookUrl = v.webhook_url;
  }
  return errors.length ? { ok: false, errors } : { ok: true, config };
}

/** The configuration as pages and API answers may show it: the secret is never shown again. */
export function shownDelivery(c: DeliveryConfig | undefined): Record<DeliveryField, string> & { s3_secret_stored: boolean } {
  return {
    s3_endpoint: c?.s3?.endpoint ?? '',
    s3_region: c?.s3?.region ?? 'us-east-1',
    s3_bucket: c?.s3?.bucket ?? '',
    s3_prefix: c?.s3?.prefix ?? '',
    s3_access_key_id: c?.s3?.accessKeyId ?? '',
    s3_secret_access_key: '',
    s3_force_path_style: c?.s3 ? String(c.s3.forcePathStyle) : 'true',
    webhook_url: c?.webhookUrl ?? '',
    s3_secret_stored: Boolean(c?.s3?.secretAccessKey),
  };
}

/** Where a bucket is, as a customer wrote it: `bucket rec at s3.example.com` (AWS: its region). */
export function targetWhere(t: Pick<S3Target, 'bucket' | 'endpoint' | 'region'>): string {
  return `bucket ${t.bucket}${t.endpoint ? ` at ${new URL(t.endpoint).host}` : ` (AWS ${t.region})`}`;
}

/** The host and port an S3 target's connections go to (for the address rules and the operator's exceptions). */
export function targetEndpoint(t: Pick<S3Target, 'endpoint' | 'region'>): { host: string; port: number } {
  const u = new URL(t.endpoint ?? `https://s3.${t.region}.amazonaws.com`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)) };
}

/**
 * Pure: what a recorder of the domain gets to deliver its recordings: the bucket's settings as its
 * environment (JIBRI_UPLOAD_S3_*), uploads to public addresses only (and the operator's exceptions), and
 * the secret key as a file like its other secrets; nothing of another domain's. Every recorder hands its
 * recordings off to the fleet (JIBRI_RECORDINGS_HANDOFF: each stays until the fleet took it) and, at its
 * end, stays up to `exitWaitSec` for them (JIBRI_EXIT_DELIVERY_WAIT).
 */
export function recorderDelivery(c: DeliveryConfig | undefined, uploadAllowedHosts: readonly AllowedHost[], exitWaitSec: number): { env: Record<string, string>; secrets: Record<string, string> } {
  const handoff = { JIBRI_RECORDINGS_HANDOFF: 'true', JIBRI_EXIT_DELIVERY_WAIT: `${exitWaitSec} seconds` };
  const s3 = c?.s3;
  if (!s3) return { env: handoff, secrets: {} };
  return {
    env: {
      ...handoff,
      JIBRI_UPLOAD_S3_BUCKET: s3.bucket,
      JIBRI_UPLOAD_S3_REGION: s3.region,
      ...(s3.endpoint ? { JIBRI_UPLOAD_S3_ENDPOINT: s3.endpoint } : {}),
      JIBRI_UPLOAD_S3_ACCESS_KEY_ID: s3.accessKeyId,
      ...(s3.prefix ? { JIBRI_UPLOAD_S3_PREFIX: s3.prefix } : {}),
      JIBRI_UPLOAD_S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
      JIBRI_UPLOAD_PUBLIC_ONLY: 'true',
      ...(uploadAllowedHosts.length ? { JIBRI_UPLOAD_ALLOWED_HOSTS: uploadAllowedHosts.map(allowedHostText).join(',') } : {}),
    },
    secrets: { JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
  };
}
