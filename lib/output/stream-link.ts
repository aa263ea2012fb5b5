/**
 * Pure: the state of one stream's link to its ingest, from what ffmpeg's fifo muxer reports and the
 * clock. ffmpeg keeps encoding whatever the link does (the fifo drops packets while it is down and
 * reconnects by itself); this decides when a link that will not come back ends the session, and how.
 *
 * - connecting: until the ingest has taken the stream for LIVE_AFTER_MS. A failure here is the ingest
 *   refusing or not answering: the session ends at once (Jibri's rule: an I/O error is a bad URL, so
 *   no other recorder should retry it).
 * - live -> reconnecting: ffmpeg's first recovery attempt. Back to live on "Recovery successful"; a link
 *   still down after the retry time fails the session (Jibri fails at the first drop; retryTimeoutMs 0
 *   does the same).
 */
import { RecorderError } from '../errors';

export type StreamLinkEvent =
  | { kind: 'open-failed'; reason: string }
  | { kind: 'retrying'; attempt: number }
  | { kind: 'retry-failed'; reason: string }
  | { kind: 'recovered' }
  | { kind: 'queue-full' };

export type StreamLinkState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** Lines of ffmpeg's fifo muxer (log level verbose) → link events. The URL in them is never kept. */
export function parseStreamLine(line: string): StreamLinkEvent | undefined {
  const m = /^\[fifo @ [^\]]+\] (.*)$/.exec(line.trim());
  if (!m?.[1]) return undefined;
  const text = m[1];
  let r: RegExpExecArray | null;
  if ((r = /^Error opening .*: ([^:]+)$/.exec(text))) return { kind: 'open-failed', reason: r[1]!.trim() };
  if ((r = /^Recovery attempt #(\d+)/.exec(text))) return { kind: 'retrying', attempt: Number(r[1]) };
  if ((r = /^Recovery failed: (.+)$/.exec(text))) return { kind: 'retry-failed', reason: r[1]!.trim() };
  if (/^Recovery successful/.test(text)) return { kind: 'recovered' };
  if (/^FIFO queue full/.test(text)) return { kind: 'queue-full' };
  return undefined;
}

export const LIVE_AFTER_MS = 3000;

export interface StreamLinkStatus {
  state: StreamLinkState;
  /** Times the link dropped and came back. */
  reconnects: number;
  /** While reconnecting: since when (ms since epoch). */
  downSince?: number;
  lastError?: string;
}

export class StreamLinkMonitor {
  private status: StreamLinkStatus = { state: 'connecting', reconnects: 0 };
  private readonly startedAt: number;

  constructor(
    private readonly opts: { retryTimeoutMs: number; target: string },
    now: number,
  ) {
    this.startedAt = now;
  }

  get current(): Readonly<StreamLinkStatus> {
    return this.status;
  }

  /** Feeds one event; returns the error that ends the session, if this event means that. */
  observe(event: StreamLinkEvent, now: number): RecorderError | undefined {
    this.tick(now);
    const s = this.status;
    if (s.state === 'failed') return undefined;
    switch (event.kind) {
      case 'open-failed':
      case 'queue-full':
        if (s.state === 'connecting') return this.fail(this.refused(event));
        if (event.kind === 'open-failed') s.lastError = event.reason;
        return undefined;
      case 'retrying':
        if (s.state !== 'reconnecting') {
          this.status = { ...s, state: 'reconnecting', downSince: now };
          if (this.opts.retryTimeoutMs === 0) return this.fail(this.lost());
        }
        return undefined;
      case 'retry-failed':
        s.lastError = event.reason;
        return this.tick(now);
      case 'recovered':
        if (s.state === 'reconnecting') this.status = { state: 'live', reconnects: s.reconnects + 1, ...(s.lastError ? { lastError: s.lastError } : {}) };
        return undefined;
    }
  }

  /** Advances the clock: connecting becomes live, and a link down for too long fails. */
  tick(now: number): RecorderError | undefined {
    const s = this.status;
    if (s.state === 'connecting' && now - this.startedAt >= LIVE_AFTER_MS) this.status = { ...s, state: 'live' };
    if (s.state === 'reconnecting' && s.downSince !== undefined && now - s.downSince > this.opts.retryTimeoutMs) return this.fail(this.lost());
    return undefined;
  }

  private fail(error: RecorderError): RecorderError {
    this.status = { ...this.status, state: 'failed', lastError: error.message };
    return error;
  }

  private refused(event: { kind: 'open-failed'; reason: string } | { kind: 'queue-full' }): RecorderError {
    if (event.kind === 'queue-full') {
      return new RecorderError({
        code: 'STREAM_UNREACHABLE',
        message: `The streaming server at ${this.opts.target} accepted the connection but does not take the stream`,
        hint: 'Check that the URL points at an RTMP ingest (rtmps:// for TLS ingests)',
      });
    }
    // ffmpeg's RTMP client says "Input/output error" when the server turned the stream down: Jibri's BadRtmpUrl.
    const badUrl = /Input\/output error/i.test(event.reason);
    return new RecorderError({
      code: badUrl ? 'STREAM_REFUSED' : 'STREAM_UNREACHABLE',
      message: `The streaming server at ${this.opts.target} ${badUrl ? 'refused the stream' : 'could not be reached'} (${event.reason})`,
      retryable: !badUrl,
      hint: badUrl ? 'Check the RTMP URL and the stream key' : 'Check that the ingest is up and reachable from this recorder',
    });
  }

  private lost(): RecorderError {
    return new RecorderError({
      code: 'STREAM_LOST',
      message: `The stream to ${this.opts.target} dropped and could not be resumed within ${Math.round(this.opts.retryTimeoutMs / 1000)} s${this.status.lastError ? ` (${this.status.lastError})` : ''}`,
      hint: 'Check the ingest; JIBRI_STREAMING_RETRY_TIMEOUT sets how long a dropped stream is retried',
    });
  }
}
