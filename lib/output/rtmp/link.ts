/**
 * Pure: the state of one destination's link to its ingest, from what the publisher reports and the
 * clock. The encoder and the other outputs go on whatever a link does; this decides when the link
 * retries, when it has failed, and what the failure means for whoever started it.
 *
 * - connecting: until the ingest accepts the first publish. A failure here is the ingest refusing or
 *   not answering: the link fails at once (Jibri's rule: a refused stream is a bad URL, so no other
 *   recorder should retry it; an unreachable one may be retried elsewhere).
 * - live -> reconnecting: the connection dropped. Attempts follow every `retryWaitMs` (the first at
 *   once); back to live when one is accepted (counted in `reconnects`). A link still down after
 *   `retryTimeoutMs` fails (Jibri fails at the first drop; 0 does the same).
 */
import { RecorderError } from '../../errors';

export type StreamLinkState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** How an attempt failed, as the publisher classifies it. */
export type LinkFailureKind = 'unreachable' | 'not-rtmp' | 'refused' | 'untrusted' | 'auth';

export interface RtmpLinkStatus {
  state: StreamLinkState;
  /** Times the link dropped and came back. */
  reconnects: number;
  /** While reconnecting: since when (ms since epoch). */
  downSince?: number;
  lastError?: string;
}

export interface StreamLinkOptions {
  retryTimeoutMs: number;
  retryWaitMs: number;
  /** The destination as people may see it (rtmp://host/app/****), for messages. */
  target: string;
}

export class StreamLink {
  private status: RtmpLinkStatus = { state: 'connecting', reconnects: 0 };
  private lastAttemptAt: number | undefined;

  constructor(private readonly opts: StreamLinkOptions) {}

  get current(): Readonly<RtmpLinkStatus> {
    return this.status;
  }

  attemptStarted(now: number): void {
    this.lastAttemptAt = now;
  }

  /** When the next attempt may start (ms since epoch); only while reconnecting. */
  nextAttemptAt(): number | undefined {
    if (this.status.state !== 'reconnecting') return undefined;
    return this.lastAttemptAt === undefined ? 0 : this.lastAttemptAt + this.opts.retryWaitMs;
  }

  /** The ingest accepted the publish. */
  published(): void {
    const s = this.status;
    if (s.state === 'connecting') this.status = { state: 'live', reconnects: 0 };
    else if (s.state === 'reconnecting') this.status = { state: 'live', reconnects: s.reconnects + 1, ...(s.lastError ? { lastError: s.lastError } : {}) };
  }

  /** An attempt failed; returns the error that ends the link, if this means that. */
  attemptFailed(kind: LinkFailureKind, reason: string, now: number): RecorderError | undefined {
    const s = this.status;
    if (s.state === 'connecting') return this.fail(this.startError(kind, reason));
    if (s.state === 'reconnecting') {
      s.lastError = reason;
      return this.tick(now);
    }
    return undefined;
  }

  /** The live connection ended. */
  dropped(reason: string, now: number): RecorderError | undefined {
    const s = this.status;
    if (s.state !== 'live') return undefined;
    this.status = { state: 'reconnecting', reconnects: s.reconnects, downSince: now, lastError: reason };
    // Attempts start at once after a drop, then every retryWaitMs.
    this.lastAttemptAt = undefined;
    if (this.opts.retryTimeoutMs === 0) return this.fail(this.lost());
    return undefined;
  }

  /** Advances the clock: a link down for longer than the retry time fails. */
  tick(now: number): RecorderError | undefined {
    const s = this.status;
    if (s.state === 'reconnecting' && s.downSince !== undefined && now - s.downSince > this.opts.retryTimeoutMs) return this.fail(this.lost());
    return undefined;
  }

  private fail(error: RecorderError): RecorderError {
    this.status = { state: 'failed', reconnects: this.status.reconnects, lastError: error.message };
    return error;
  }

  private startError(kind: LinkFailureKind, reason: string): RecorderError {
    const at = `The streaming server at ${this.opts.target}`;
    switch (kind) {
      case 'refused':
        // Jibri's BadRtmpUrl: the ingest turned this stream down, so no other recorder should retry it.
        return new RecorderError({ code: 'STREAM_REFUSED', message: `${at} refused the stream: ${reason}`, retryable: false, hint: 'Check the RTMP URL and the stream key' });
      case 'auth':
        return new RecorderError({ code: 'STREAM_REFUSED', message: `${at} refused the stream: ${reason}`, retryable: false, hint: 'Check the username and password given with the stream' });
      case 'untrusted':
        return new RecorderError({
          code: 'STREAM_UNTRUSTED',
          message: `${at} could not be verified: ${reason}`,
          retryable: false,
          hint: "Use the ingest's own host name in the URL, or trust its certificate authority with JIBRI_STREAMING_RTMPS_CA_FILE",
        });
      case 'not-rtmp':
        return new RecorderError({ code: 'STREAM_UNREACHABLE', message: `${at} accepted the connection but does not take the stream: ${reason}`, hint: 'Check that the URL points at an RTMP ingest (rtmps:// for TLS ingests)' });
      case 'unreachable':
        return new RecorderError({ code: 'STREAM_UNREACHABLE', message: `${at} could not be reached (${reason})`, hint: 'Check that the ingest is up and reachable from this recorder' });
    }
  }

  private lost(): RecorderError {
    const why = this.status.lastError ? ` (${this.status.lastError})` : '';
    return new RecorderError({
      code: 'STREAM_LOST',
      message: `The stream to ${this.opts.target} dropped and could not be resumed within ${Math.round(this.opts.retryTimeoutMs / 1000)} s${why}`,
      hint: 'Check the ingest; JIBRI_STREAMING_RETRY_TIMEOUT sets how long a dropped stream is retried',
    });
  }
}
