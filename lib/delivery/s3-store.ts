/**
 * The S3 store (ObjectStore, object-store.ts) through the AWS SDK v3 (multipart uploads through
 * lib-storage), which speaks to AWS and to S3-compatible servers (Ceph RGW, MinIO, ...). A module of its
 * own so that the SDK, several megabytes of the service's memory, is loaded only when an upload is
 * configured (compose.ts imports it then).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { checkingLookup, type AllowedHost, type OutboundRefused } from '@jibri-ts/common';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadConfig } from '../config';
import { classifyStoreError, storePort, type ObjectStore, type PutOptions, type StoredObject } from './object-store';

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

/** Agents whose every new connection is checked by the address rules, then made to the checked address. */
function guardedAgents(s3: NonNullable<UploadConfig['s3']>, o: NonNullable<S3StoreOptions['publicOnly']>): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const lookup = checkingLookup('JIBRI_UPLOAD_S3_ENDPOINT', storePort(s3), o.allowed, o.onRefused);
  return { httpAgent: new http.Agent({ keepAlive: true, lookup }), httpsAgent: new https.Agent({ keepAlive: true, lookup }) };
}
