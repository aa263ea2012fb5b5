/**
 * The store behind a narrow interface: put a file, look at an object, read it back, sign a link. The one
 * implementation is S3 (s3-store.ts, through the AWS SDK), loaded only when an upload is configured. The
 * delivery worker sees only this interface and StoreError, whose message says what to do and never
 * carries a credential.
 */
import { OUTBOUND_REFUSED_CODE } from '@jibri-ts/common';
import type { UploadConfig } from '../config';

export interface StoredObject {
  size: number;
  /** The SHA-256 the uploader wrote in the object's metadata, when it did. */
  sha256?: string;
}

export interface PutOptions {
  size: number;
  sha256: string;
  contentType: string;
  /** Bytes sent so far; each call proves the attempt is alive. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface ObjectStore {
  /** Where objects go, as logs and health may show it: no credential in it. */
  readonly where: string;
  /** Proves the credentials and the bucket with one cheap request. */
  check(signal?: AbortSignal): Promise<void>;
  head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  put(key: string, file: string, opts: PutOptions): Promise<void>;
  /** Reads the object back and hashes it: the proof that the store holds these bytes. */
  readBack(key: string, opts: { onProgress?: (bytes: number) => void; signal?: AbortSignal }): Promise<{ size: number; sha256: string }>;
  presign(key: string, ttlSec: number): Promise<string>;
  close(): void;
}

/** `refused`: the endpoint is not on a public address and JIBRI_UPLOAD_PUBLIC_ONLY is set. */
export type StoreErrorKind = 'credentials' | 'bucket' | 'unreachable' | 'refused' | 'aborted' | 'other';

export class StoreError extends Error {
  constructor(readonly kind: StoreErrorKind, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError', 'InvalidClientTokenId', 'AuthorizationHeaderMalformed']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError', 'RequestTimeout']);

/** Pure: turns whatever the SDK threw into a StoreError that says what to do. */
export function classifyStoreError(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.cause?.code ?? '';
  if (name === 'AbortError' || code === 'ABORT_ERR') return new StoreError('aborted', `the transfer to ${where} was abandoned`);
  // Its message never says what the endpoint resolved to: it is shown to whoever chose the endpoint.
  if (code === OUTBOUND_REFUSED_CODE) return new StoreError('refused', `${where} is not on a public address, and this recorder uploads only to public ones (JIBRI_UPLOAD_PUBLIC_ONLY): use a store on a public address`);
  if (CREDENTIAL_ERRORS.has(name) || status === 401 || status === 403) {
    const what = name && name !== 'Unknown' && name !== 'UnknownError' ? name : `HTTP ${status ?? '403'}`;
    return new StoreError('credentials', `${where} refused the credentials (${what}): check JIBRI_UPLOAD_S3_ACCESS_KEY_ID and JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY (or the SDK's credential chain) and that they may write to the bucket`);
  }
  if (name === 'NoSuchBucket' || (status === 404 && !name.startsWith('NoSuchKey'))) {
    return new StoreError('bucket', `${where} has no such bucket: create it or fix JIBRI_UPLOAD_S3_BUCKET (and JIBRI_UPLOAD_S3_FORCE_PATH_STYLE for self-hosted servers)`);
  }
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || name === 'TimeoutError') {
    return new StoreError('unreachable', `${where} cannot be reached (${code || name}): check JIBRI_UPLOAD_S3_ENDPOINT and that the store is up; uploads are retried`);
  }
  const detail = (e.message ?? String(err)).split('\n')[0]?.slice(0, 200) ?? '';
  return new StoreError('other', `${where} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${detail}${status ? ` (HTTP ${status})` : ''}`);
}

/** Pure: the port the store's connections go to (an endpoint's own, else 443: AWS, or https without one). */
export function storePort(s3: Pick<NonNullable<UploadConfig['s3']>, 'endpoint'>): number {
  if (!s3.endpoint) return 443;
  const u = new URL(s3.endpoint);
  return Number(u.port || (u.protocol === 'http:' ? 80 : 443));
}
