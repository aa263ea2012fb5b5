/**
 * The fleet's own requests to a customer's bucket: the delivery test (write, read back, remove a small
 * object) and the short-lived download links of the recordings page (signed here, no request). Every
 * connection goes through the address rules (@jibri-ts/common's checkingLookup: resolved once, public
 * addresses only or the operator's JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS, connected to the checked address),
 * as the recorders' own uploads do. Failures are explained in the customer's words, never with what a
 * name resolved to.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkingLookup, OUTBOUND_REFUSED_CODE, type AllowedHost, type OutboundRefused } from '@jibri-ts/common';
import { targetEndpoint, type S3Target } from './delivery-config';

/** A client for one target; `onRefused` gets a refusal with what the name resolved to (the operator's log). */
export function targetClient(t: S3Target, allowed: readonly AllowedHost[], onRefused?: (err: OutboundRefused) => void): S3Client {
  const lookup = checkingLookup('s3_endpoint', targetEndpoint(t).port, allowed, onRefused);
  // The SDK prints a multi-line notice about its future Node 22 requirement on Node 20 (docs/DEPENDENCIES.md).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: t.region,
    forcePathStyle: t.forcePathStyle,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    maxAttempts: 1,
    // One connection per request: nothing pooled outlives the check (agents are this client's alone).
    requestHandler: { requestTimeout: 10000, connectionTimeout: 5000, throwOnRequestTimeout: true, httpAgent: new http.Agent({ lookup }), httpsAgent: new https.Agent({ lookup }) },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A GET link for one object, valid `ttlSec` (S3 allows at most 7 days); signed locally. */
export async function presignedGet(t: S3Target, key: string, ttlSec: number, fileName?: string): Promise<string> {
  const client = targetClient(t, []);
  try {
    return await getSignedUrl(client, new GetObjectCommand({ Bucket: t.bucket, Key: key, ...(fileName ? { ResponseContentDisposition: `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"` } : {}) }), { expiresIn: Math.min(ttlSec, 7 * 24 * 3600) });
  } finally {
    client.destroy();
  }
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError', 'RequestTimeout']);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/**
 * Pure: what went wrong with a request to the customer's store, in the customer's words: the bucket is
 * missing, the access is denied, the endpoint cannot be reached (or is not public), and what to do. Only
 * names the customer wrote appear in it.
 */
export function explainStoreFailure(err: unknown, t: Pick<S3Target, 'bucket' | 'endpoint' | 'region' | 'accessKeyId' | 'prefix'>, doing: 'write' | 'read' | 'remove'): string {
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e.Code ?? e.name ?? '';
  const code = e.code ?? e.cause?.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const host = targetEndpoint(t).host;
  const where = t.endpoint ? host : `AWS (${t.region})`;
  if (code === OUTBOUND_REFUSED_CODE) return `The endpoint ${host} is not on a public address. Recorders upload only to stores on the internet: use the public address of your S3 server.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The endpoint ${host} cannot be found (its name does not resolve). Check the endpoint's address.`;
  if (TLS.test(code) || TLS.test(name)) return `The TLS certificate of ${host} cannot be verified. The endpoint needs a certificate from a public authority, valid for ${host}.`;
  if (NETWORK.has(code) || NETWORK.has(name)) return `The endpoint ${host} cannot be reached (${code || name}). Check its address and port, and that it accepts connections from the internet.`;
  if (name === 'NoSuchBucket' || (status === 404 && doing === 'write')) return `The bucket ${t.bucket} does not exist at ${where}. Create it, or correct the bucket's name${t.endpoint ? ' (self-hosted servers usually need path-style addressing)' : ''}.`;
  if (name === 'InvalidAccessKeyId' || name === 'InvalidClientTokenId') return `${where} does not know the access key ${t.accessKeyId.slice(0, 4)}…. Check the access key ID.`;
  if (name === 'SignatureDoesNotMatch') return `${where} refused the secret key: it does not belong to the access key ${t.accessKeyId.slice(0, 4)}…. Enter the secret key again.`;
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') return `The bucket ${t.bucket} is in another region than ${t.region}. Set the bucket's region.`;
  if (name === 'AccessDenied' || status === 403) {
    const verb = doing === 'write' ? 'write to' : doing === 'read' ? 'read from' : 'delete from';
    return `Access denied: the access key may not ${verb} the bucket ${t.bucket}. Allow s3:PutObject and s3:GetObject on ${t.bucket}/${t.prefix}* for it.`;
  }
  if (name === 'TimeoutError' || name === 'AbortError') return `The endpoint ${host} did not answer in time. Check that it is up and reachable from the internet.`;
  return `${where} answered ${name && name !== 'Error' && name !== 'UnknownError' ? name : 'an error'}${status ? ` (HTTP ${status})` : ''} while we tried to ${doing} a test object. Check the store's settings.`;
}
