/**
 * Callbacks to the customer's callback_url: the seed's bodies, signed with the account's own secret over
 * the timestamp, the deployment id and the body (`X-JOD-Signature: v2=<hex>`, with `X-JOD-Timestamp` and
 * `X-JOD-Deployment`; an account from before its own secrets keeps the legacy fleet-wide `sha256=` body
 * signature until it generates one), retried with doubling waits until a 2xx or JIBRI_FLEET_CALLBACK_ATTEMPTS. Each is
 * written to the database before the first attempt, so a fleet restart resumes the ones not delivered.
 * Every attempt goes through the outbound guard (resolved and checked again, connected to the checked
 * address, no redirect followed: a 3xx is a failed attempt); a destination the guard refuses is given up.
 */
import type { Logger } from '@jibri-ts/common';
import { signBody, signCallback } from './keys';
import { guardedPost, OutboundRefused, type AllowedHost } from './outbound-guard';
import type { FleetStore } from './store';

export const SIGNATURE_HEADER = 'x-jod-signature';
export const TIMESTAMP_HEADER = 'x-jod-timestamp';
export const DEPLOYMENT_HEADER = 'x-jod-deployment';

export type CallbackBody =
  | { it: 'worked'; message: 'deployment successful'; deployment_info: { deployment_id: string; recorders: Array<{ recorder_id: string; recorder_ip: string }> } }
  | { it: 'failed'; message: string }
  | { it: 'worked'; message: string; event: 'recording.ready'; recording: Record<string, unknown> };

/**
 * The headers of one signed POST to a customer: the deployment it concerns (`test` for a test event), this
 * attempt's time, and the signature with the account's own secret (`v2=`) or, for an account from before
 * its own secrets, the legacy fleet-wide one (`sha256=`, the body alone).
 */
export function signedHeaders(deploymentId: string, body: string, own: string | undefined, legacy: string | undefined, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  const signature = own ? signCallback(own, timestamp, deploymentId, body) : legacy ? signBody(body, legacy) : undefined;
  return { 'content-type': 'application/json', [DEPLOYMENT_HEADER]: deploymentId, [TIMESTAMP_HEADER]: String(timestamp), ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) };
}

/** Waits between attempts: 1 s, 2 s, 4 s... at most 5 minutes. */
export function retryDelayMs(attempt: number, baseMs = 1000): number {
  return Math.min(300000, baseMs * 2 ** attempt);
}

export class CallbackSender {
  private stopped = false;
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly opts: {
      store: FleetStore;
      /** The legacy fleet-wide key, for accounts without their own secret (unset: their callbacks are unsigned). */
      secret?: string;
      /** The deployment's account's own signing secret, if it has one. */
      accountSecretOf: (deploymentId: string) => string | undefined;
      attempts: number;
      log: Logger;
      allowedHosts: readonly AllowedHost[];
      baseDelayMs?: number;
      urlOf: (deploymentId: string) => string | undefined;
    },
  ) {}

  /** Queues and delivers; `url` when it goes elsewhere than the deployment's callback_url (a recordings webhook). */
  send(deploymentId: string, body: CallbackBody, url?: string): void {
    const id = this.opts.store.queueCallback(deploymentId, JSON.stringify(body), url);
    void this.deliver(id, deploymentId, JSON.stringify(body), 0, url);
  }

  /** After a restart: every callback not delivered yet. */
  resume(): void {
    for (const c of this.opts.store.pendingCallbacks()) if (c.attempts < this.opts.attempts) void this.deliver(c.id, c.deploymentId, c.body, c.attempts, c.url ?? undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Signed for this attempt: a fresh timestamp each time. */
  private headers(deploymentId: string, body: string): Record<string, string> {
    return signedHeaders(deploymentId, body, this.opts.accountSecretOf(deploymentId), this.opts.secret);
  }

  private async deliver(id: number, deploymentId: string, body: string, attempt: number, to?: string): Promise<void> {
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    try {
      const url = to ?? this.opts.urlOf(deploymentId);
      const what = to ? 'recording event' : 'callback';
      if (!url) return;
      for (let n = attempt; n < this.opts.attempts && !this.stopped; n++) {
        let error: string | undefined;
        try {
          const headers = this.headers(deploymentId, body);
          const res = await guardedPost(to ? 'webhook_url' : 'callback_url', url, body, headers, this.opts.allowedHosts);
          if (res.status >= 200 && res.status < 300) {
            this.opts.store.callbackAttempt(id, true);
            this.opts.log.info(`${what} for ${deploymentId} delivered (attempt ${n + 1})`, { component: 'fleet' });
            return;
          }
          error = res.status >= 300 && res.status < 400 ? `answered ${res.status} (redirects are not followed)` : `answered ${res.status}`;
        } catch (err) {
          if (err instanceof OutboundRefused) {
            this.opts.store.callbackAbandoned(id, err.message);
            this.opts.log.warn(`${what} for ${deploymentId} given up: ${err.detail}`, { component: 'fleet' });
            return;
          }
          error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
        this.opts.store.callbackAttempt(id, false, error);
        this.opts.log.warn(`${what} for ${deploymentId} failed (attempt ${n + 1} of ${this.opts.attempts}): ${error}`, { component: 'fleet' });
        if (n + 1 < this.opts.attempts) await new Promise((r) => setTimeout(r, retryDelayMs(n, this.opts.baseDelayMs)).unref());
      }
    } finally {
      this.inFlight.delete(id);
    }
  }
}
