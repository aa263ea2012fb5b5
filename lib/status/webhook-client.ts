/**
 * Sends Jibri's webhooks: the recorder's status to `<subscriber>/v1/status` on every change and every
 * minute, and HTTP-started sessions' ON/OFF to `<subscriber>/v1/session/status`. Requests to all
 * subscribers go out in parallel with a 2 s timeout each, as Jibri's; a failure is logged and dropped
 * (a subscriber that is down must never touch a recording). With a signing key, each request carries
 * `Authorization: Bearer <RS256 JWT>`.
 *
 * "Recording ready" (`<subscriber>/v1/recording/ready`, the delivery's event) is different: it is the
 * only news that a recording can be fetched, so each subscriber gets it until it answers 2xx, retried a
 * few times over about a quarter of an hour. Its `eventId` lets a receiver drop a repeat.
 */
import type { RecordingReadyEvent } from '../delivery/links';
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
/** Waits between attempts of a ready event; the last wait is followed by a last attempt. */
export const READY_RETRY_MS = [2000, 10000, 60000, 300000, 600000];
const READY_TIMEOUT_MS = 10000;

/** Where ready events come from (the delivery worker). */
export interface RecordingEvents {
  on(event: 'recording', listener: (e: RecordingReadyEvent) => void): unknown;
  off(event: 'recording', listener: (e: RecordingReadyEvent) => void): unknown;
}

export interface WebhookClientOptions {
  jibriId: string;
  subscribers: string[];
  recorder: Recorder;
  log: Logger;
  jwt?: RefreshingJwt;
  periodMs?: number;
  recordings?: RecordingEvents;
  /** Replaces READY_RETRY_MS (specs). */
  readyRetryMs?: number[];
}

export class WebhookClient {
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly onStatus = (): void => void this.sendStatus();
  private readonly onSession = (change: SessionChange): void => {
    const body = sessionWebhookBody(this.opts.jibriId, change);
    if (body) void this.post('/v1/session/status', body);
  };

  private readonly onRecording = (e: RecordingReadyEvent): void => void this.sendReady(e);
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: WebhookClientOptions) {
    this.log = opts.log.child({ component: 'webhooks' });
  }

  start(): void {
    this.opts.recorder.on('status', this.onStatus);
    this.opts.recorder.on('session', this.onSession);
    this.opts.recordings?.on('recording', this.onRecording);
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
    this.opts.recordings?.off('recording', this.onRecording);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** POSTs the ready event to every subscriber, each until it answers 2xx or the retries are used up. */
  sendReady(event: RecordingReadyEvent): Promise<void> {
    const waits = this.opts.readyRetryMs ?? READY_RETRY_MS;
    // The one redaction function, as for the status webhooks: a meeting URL or a path may hold a secret.
    const json = JSON.stringify(redactDeep(event));
    const log = this.log.child({ sessionId: event.sessionId });
    return Promise.all(
      this.opts.subscribers.map(
        (base) =>
          new Promise<void>((resolve) => {
            const attempt = async (n: number): Promise<void> => {
              const ok = await this.postOne(`${base}/v1/recording/ready`, json, READY_TIMEOUT_MS);
              if (ok) {
                if (n > 0) log.info(`${shown(base)} took the recording-ready event at attempt ${n + 1}`);
                return resolve();
              }
              const wait = waits[n];
              if (wait === undefined) {
                log.error(`${shown(base)} did not take the recording-ready event after ${n + 1} attempts; it is in the recorder's log and the SSE stream only`);
                return resolve();
              }
              const t = setTimeout(() => {
                this.retryTimers.delete(t);
                void attempt(n + 1);
              }, wait);
              t.unref();
              this.retryTimers.add(t);
            };
            void attempt(0);
          }),
      ),
    ).then(() => undefined);
  }

  sendStatus(): Promise<void> {
    return this.post('/v1/status', statusWebhookBody(this.opts.jibriId, this.opts.recorder.snapshot()));
  }

  private async postOne(url: string, json: string, timeoutMs: number): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.jwt) headers.authorization = `Bearer ${this.opts.jwt.token()}`;
    try {
      const res = await fetch(url, { method: 'POST', headers, body: json, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.log.warn(`${shown(url)} answered ${res.status}`);
      return res.ok;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      this.log.warn(`${shown(url)} failed: ${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message)}`);
      return false;
    }
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
