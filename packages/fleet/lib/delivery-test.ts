/**
 * The "test" of a domain's delivery: what a recorder will do, done once by the fleet. It writes a small
 * object under the prefix, reads it back and compares it, removes it (a key that may not delete leaves it,
 * and the report says so), and posts a signed test event to the webhook (`X-JOD-Deployment: test`, the
 * body says `"test": true`). Each step's outcome is in the customer's words; the operator's log gets what
 * a refused name resolved to. Both destinations go through the address rules, as the recorders' uploads
 * and the fleet's callbacks do.
 */
import * as crypto from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AllowedHost, OutboundRefused } from '@jibri-ts/common';
import { signedHeaders } from './callbacks';
import { targetWhere, type DeliveryConfig, type S3Target } from './delivery-config';
import type { TestReport, TestStep } from './delivery-store';
import { guardedPost, OutboundRefused as Refused, OutboundUnresolved } from './outbound-guard';
import { explainStoreFailure, targetClient } from './s3-target';

export interface DeliveryTestOptions {
  domain: string;
  /** JIBRI_FLEET_UPLOAD_ALLOWED_HOSTS: stores reached although not public. */
  uploadAllowedHosts: readonly AllowedHost[];
  /** JIBRI_FLEET_CALLBACK_ALLOWED_HOSTS: webhooks reached although not public. */
  callbackAllowedHosts: readonly AllowedHost[];
  /** The account's own signing secret, or undefined for an account from before them. */
  accountSecret?: string;
  legacySecret?: string;
  /** The operator's log: what a refused name resolved to. */
  warn: (line: string) => void;
  now?: () => number;
}

/** The body of the test event: the shape of a "recording ready" event's envelope, marked as a test. */
export function testEventBody(domain: string): string {
  return JSON.stringify({ it: 'worked', message: 'test event: recordings of this domain will be announced here', event: 'recording.test', test: true, domain });
}

async function testStore(t: S3Target, o: DeliveryTestOptions): Promise<TestStep[]> {
  const onRefused = (err: OutboundRefused): void => o.warn(`delivery test of ${o.domain} refused ${err.detail}`);
  const client = targetClient(t, o.uploadAllowedHosts, onRefused);
  const key = `${t.prefix}jod-delivery-test/${crypto.randomUUID()}.txt`;
  const body = `Jibris On Demand delivery test for ${o.domain}, ${new Date(o.now?.() ?? Date.now()).toISOString()}\n`;
  const steps: TestStep[] = [];
  try {
    try {
      await client.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: body, ContentType: 'text/plain' }));
      steps.push({ step: 'write', ok: true, message: `Wrote ${key} to ${targetWhere(t)}.` });
    } catch (err) {
      steps.push({ step: 'write', ok: false, message: explainStoreFailure(err, t, 'write') });
      return steps;
    }
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }));
      const back = await (got.Body as { transformToString(): Promise<string> }).transformToString();
      steps.push(back === body ? { step: 'read', ok: true, message: 'Read it back: the same bytes.' } : { step: 'read', ok: false, message: `Read it back, but the store returned other bytes than it was given (${Buffer.byteLength(back)} instead of ${Buffer.byteLength(body)}). Check the store.` });
    } catch (err) {
      steps.push({ step: 'read', ok: false, message: explainStoreFailure(err, t, 'read') });
    }
    try {
      await client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: key }));
      steps.push({ step: 'remove', ok: true, message: 'Removed the test object.' });
    } catch {
      // Recorders never delete: a key without that right is fine; only the leftover is worth saying.
      steps.push({ step: 'remove', ok: true, message: `The access key may not delete, so the test object ${key} stays in the bucket; you may remove it.` });
    }
    return steps;
  } finally {
    client.destroy();
  }
}

async function testWebhook(url: string, o: DeliveryTestOptions): Promise<TestStep> {
  const body = testEventBody(o.domain);
  try {
    const res = await guardedPost('webhook_url', url, body, signedHeaders('test', body, o.accountSecret, o.legacySecret, o.now?.()), o.callbackAllowedHosts);
    if (res.status >= 200 && res.status < 300) return { step: 'webhook', ok: true, message: `Your webhook took the signed test event (HTTP ${res.status}).` };
    if (res.status >= 300 && res.status < 400) return { step: 'webhook', ok: false, message: `Your webhook answered with a redirect (HTTP ${res.status}); redirects are not followed. Use the final address.` };
    return { step: 'webhook', ok: false, message: `Your webhook answered HTTP ${res.status} to the test event. It must answer 2xx.` };
  } catch (err) {
    if (err instanceof Refused) {
      o.warn(`delivery test of ${o.domain} refused ${err.detail}`);
      return { step: 'webhook', ok: false, message: `The webhook's host is not on a public address. Events go only to addresses on the internet.` };
    }
    if (err instanceof OutboundUnresolved) return { step: 'webhook', ok: false, message: `The webhook's host cannot be found (its name does not resolve). Check the URL.` };
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { step: 'webhook', ok: false, message: `The webhook cannot be reached (${code}). Check the URL, and that it accepts connections from the internet.` };
  }
}

export async function runDeliveryTest(c: DeliveryConfig, o: DeliveryTestOptions): Promise<TestReport> {
  const steps = [...(c.s3 ? await testStore(c.s3, o) : []), ...(c.webhookUrl ? [await testWebhook(c.webhookUrl, o)] : [])];
  return { ok: steps.length > 0 && steps.every((s) => s.ok), at: new Date(o.now?.() ?? Date.now()).toISOString(), steps };
}
