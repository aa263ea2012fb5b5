/**
 * Sends Jibri's webhooks: the recorder's status to `<subscriber>/v1/status` on every change and every
 * minute, and HTTP-started sessions' ON/OFF to `<subscriber>/v1/session/status`. Requests to all
 * subscribers go out in parallel with a 2 s timeout each, as Jibri's; a failure is logged and dropped
 * (a subscriber that is down must never touch a recording). With a signing key, each request carries
 * `Authorization: Bearer <RS256 JWT>`.
 */
import type { Logger } from '../log';
import { redactDeep } from '../redact';
import type { Recorder, SessionChange } from '../recorder/recorder';
import type { RefreshingJwt } from './jwt';
import { sessionWebhookBody, statusWebhookBody } from './webhook-bodies';

export const WEBHOOK_TIMEOUT_MS = 2000;

/** A subscriber URL as logs may show it: credentials in it are secrets. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) u.username = u.password = '****';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
export const STATUS_PERIOD_MS = 60000;

export interface WebhookClientOptions {
  jibriId: string;
  subscribers: string[];
  recorder: Recorder;
  log: Logger;
  jwt?: RefreshingJwt;
  periodMs?: number;
}

export class WebhookClient {
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly onStatus = (): void => void this.sendStatus();
  private readonly onSession = (change: SessionChange): void => {
    const body = sessionWebhookBody(this.opts.jibriId, change);
    if (body) void this.post('/v1/session/status', body);
  };

  constructor(private readonly opts: WebhookClientOptions) {
    this.log = opts.log.child({ component: 'webhooks' });
  }

  start(): void {
    this.opts.recorder.on('status', this.onStatus);
    this.opts.recorder.on('session', this.onSession);
    this.timer = setInterval(this.onStatus, this.opts.periodMs ?? STATUS_PERIOD_MS);
    this.timer.unref();
    void this.sendStatus();
    this.log.info(`sending status to ${this.opts.subscribers.length} subscriber(s)${this.opts.jwt ? ' with an RS256 token' : ''}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.opts.recorder.off('status', this.onStatus);
    this.opts.recorder.off('session', this.onSession);
  }

  sendStatus(): Promise<void> {
    return this.post('/v1/status', statusWebhookBody(this.opts.jibriId, this.opts.recorder.snapshot()));
  }

  private async post(path: string, body: unknown): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.jwt) headers.authorization = `Bearer ${this.opts.jwt.token()}`;
    // The one redaction function, as for logs and health: an error in a status may quote a URL.
    const json = JSON.stringify(redactDeep(body));
    await Promise.all(
      this.opts.subscribers.map(async (base) => {
        const url = `${base}${path}`;
        const where = shown(url);
        try {
          const res = await fetch(url, { method: 'POST', headers, body: json, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) this.log.warn(`${where} answered ${res.status}`);
        } catch (err) {
          const e = err as Error & { cause?: { code?: string } };
          this.log.warn(`${where} failed: ${e.name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message)}`);
        }
      }),
    );
  }
}
