/**
 * The store behind a narrow interface: put a file, look at an object, read it back, sign a link. The one
 * implementation is S3 through the AWS SDK v3 (multipart uploads through lib-storage), which speaks to
 * AWS and to S3-compatible servers (Ceph RGW, MinIO, ...). The delivery worker sees only this interface
 * and StoreError, whose message says what to do and never carries a credential.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { checkingLookup, OUTBOUND_REFUSED_CODE, type AllowedHost, type OutboundRefused } from '@jibri-ts/common';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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

export interface S3StoreOptions {
  s3: NonNullable<UploadConfig['s3']>;
  /** Socket inactivity after which one request fails (the worker's stall timeout). */
  requestTimeoutMs: number;
  /**
   * JIBRI_UPLOAD_PUBLIC_ONLY: every connection to the store is checked (resolved once, public addresses
   * only, or a host in `allowed`) and made to the checked address; `onRefused` gets each refusal with
   * what the name resolved to, for the operator's log.
   */
  publicOnly?: { allowed: readonly AllowedHost[]; onRefused?: (err: OutboundRefused) => void };
  /** Multipart part size; 16 MiB keeps a 2-hour recording well under S3's 10,000 parts. */
  partSize?: number;
}

export class S3ObjectStore implements ObjectStore {
  readonly where: string;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly opts: S3StoreOptions) {
    const { s3 } = opts;
    this.bucket = s3.bucket;
    this.where = `bucket ${s3.bucket}${s3.endpoint ? ` at ${new URL(s3.endpoint).host}` : ` (AWS ${s3.region})`}`;
    const config: S3ClientConfig = {
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
      // The worker retries with its own backoff; the SDK's own retries only cover a blip.
      maxAttempts: 2,
      // A request that times out must fail (the SDK only warns by default) so that the attempt is retried.
      requestHandler: { requestTimeout: opts.requestTimeoutMs, connectionTimeout: 10000, throwOnRequestTimeout: true, ...(opts.publicOnly ? guardedAgents(s3, opts.publicOnly) : {}) },
      // Checksums are proven by reading back (below): S3-compatible servers differ in which of the SDK's
      // newer flexible checksums they accept (Ceph 16 none), and a rejected header would fail every upload.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    // The SDK prints a multi-line notice about its future Node 22 requirement on Node 20, into a log that
    // is otherwise one line per event (docs/DEPENDENCIES.md keeps the note).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client(config);
  }

  async check(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1, Prefix: this.opts.s3.prefix || undefined }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      throw classifyStoreError(err, this.where);
    }
  }

  async head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), signal ? { abortSignal: signal } : {});
      const sha256 = r.Metadata?.sha256;
      return { size: r.ContentLength ?? 0, ...(sha256 ? { sha256 } : {}) };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw classifyStoreError(err, this.where);
    }
  }

  async put(key: string, file: string, opts: PutOptions): Promise<void> {
    const body = fs.createReadStream(file);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType, ContentLength: opts.size, Metadata: { sha256: opts.sha256 } },
      partSize: this.opts.partSize ?? 16 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (p) => opts.onProgress?.(p.loaded ?? 0));
    const onAbort = (): void => void upload.abort().catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      throw classifyStoreError(opts.signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : err, this.where);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  async readBack(key: string, opts: { onProgress?: (bytes: number) => void; signal?: AbortSignal }): Promise<{ size: number; sha256: string }> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), opts.signal ? { abortSignal: opts.signal } : {});
      const hash = crypto.createHash('sha256');
      let size = 0;
      for await (const chunk of r.Body as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
        opts.onProgress?.(size);
      }
      return { size, sha256: hash.digest('hex') };
    } catch (err) {
      throw classifyStoreError(opts.signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : err, this.where);
    }
  }

  presign(key: string, ttlSec: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: ttlSec });
  }

  close(): void {
    this.client.destroy();
  }
}

/** Pure: the port the store's connections go to (an endpoint's own, else 443: AWS, or https without one). */
export function storePort(s3: Pick<NonNullable<UploadConfig['s3']>, 'endpoint'>): number {
  if (!s3.endpoint) return 443;
  const u = new URL(s3.endpoint);
  return Number(u.port || (u.protocol === 'http:' ? 80 : 443));
}

/** Agents whose every new connection is checked by the address rules, then made to the checked address. */
function guardedAgents(s3: NonNullable<UploadConfig['s3']>, o: NonNullable<S3StoreOptions['publicOnly']>): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const lookup = checkingLookup('JIBRI_UPLOAD_S3_ENDPOINT', storePort(s3), o.allowed, o.onRefused);
  return { httpAgent: new http.Agent({ keepAlive: true, lookup }), httpsAgent: new https.Agent({ keepAlive: true, lookup }) };
}
