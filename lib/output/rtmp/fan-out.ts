/**
 * The RTMP outputs' fan-out: the encoder writes the stream's FLV into a private channel, the relay reads
 * it once, and RTMP(S) publishers written here send it to the ingests. ffmpeg never sees a URL, a key or
 * a password (they would be in its argv, readable by every user of the host).
 *
 * A destination that fails is reported (`destination-failed`); what that means for the session is the
 * owner's decision (rtmp-output.ts). Only the encoder's own stream ending or breaking is this fan-out's
 * failure.
 */
import { EventEmitter } from 'node:events';
import { RecorderError } from '../../errors';
import type { Logger } from '../../log';
import type { AllowedHost } from '@jibri-ts/common';
import { publishRtmp, type Credentials } from '@jibri-ts/rtmp';
import { publicIngestAddress } from './ingest-address';
import { openEncoderChannel, type EncoderChannel } from './relay/encoder-channel';
import { Destination, RETRY_WAIT_MS, type DestinationStatus } from './relay/destination';
import { StreamRelay } from './relay/relay';
import type { RtmpLinkStatus } from './link';

export interface RtmpDestinationSpec {
  id: string;
  /** rtmp(s)://host[:port]/app[/instance]/key: a secret. */
  url: string;
  /** The same, as people may see it (no key). */
  shownAs: string;
  credentials?: Credentials;
}

export interface RtmpFanOutOptions {
  destinations: RtmpDestinationSpec[];
  retryTimeoutSec: number;
  /** PEM certificates trusted for rtmps:// besides the system's. */
  extraCa?: string;
  /** Ingests on public addresses only, and these hosts (JIBRI_STREAMING_PUBLIC_ONLY). */
  publicOnly?: { allowed: AllowedHost[] };
  log: Logger;
}

/** Connecting to an ingest, TCP to publish accepted; a start that takes longer fails. */
const CONNECT_TIMEOUT_MS = 10000;
/** How long a stop waits for the destinations to send what they hold. */
const DRAIN_MS = 3000;

export interface FanOutEvents {
  /** The encoder's stream broke: no destination can go on. */
  failure: [error: RecorderError];
  /** One destination failed for good (refused, or down for longer than the retry time); the others go on. */
  'destination-failed': [id: string, error: RecorderError];
  /** A destination's link changed (state, reconnects, last error). */
  link: [id: string, status: RtmpLinkStatus];
}

/**
 * What a session's stream channel needs of its fan-out: this one in the process that runs it, or its twin
 * in the session's media worker (lib/pipeline/worker/), which runs the relay and its publishers there.
 */
export interface FanOut extends Pick<EventEmitter<FanOutEvents>, 'on' | 'off' | 'once'> {
  readonly encoderTarget: string;
  add(spec: RtmpDestinationSpec): void;
  remove(id: string): Promise<boolean>;
  status(id: string): Readonly<RtmpLinkStatus> | undefined;
  expectEnd(): void;
  finish(): Promise<void>;
}

/** The settings a fan-out is opened with, besides its log. */
export type FanOutSettings = Omit<RtmpFanOutOptions, 'destinations' | 'log'>;

/** Opens a session's fan-out; destinations are added once it is open. */
export type FanOutOpener = (settings: FanOutSettings, log: Logger) => Promise<FanOut>;

export class RtmpFanOut extends EventEmitter<FanOutEvents> implements FanOut {
  private readonly relay = new StreamRelay();
  private channel: EncoderChannel | undefined;
  private endExpected = false;
  private finished: Promise<void> | undefined;

  private constructor(private readonly opts: RtmpFanOutOptions) {
    super();
  }

  /** The opener for a fan-out in this process. */
  static readonly opener: FanOutOpener = (settings, log) => RtmpFanOut.open({ ...settings, destinations: [], log });

  /** Opens the channel and starts connecting to every destination, in parallel with the encoder's start. */
  static async open(opts: RtmpFanOutOptions): Promise<RtmpFanOut> {
    const out = new RtmpFanOut(opts);
    out.channel = await openEncoderChannel((bytes) => out.relay.push(bytes));
    out.watch();
    for (const d of opts.destinations) out.add(d);
    void out.channel.ended.then(() => {
      // When the encoder itself ended, its own error (a full disk, a crash) is the one to report; it
      // arrives within moments, so this one waits.
      setTimeout(() => {
        if (!out.endExpected) out.emit('failure', new RecorderError({ code: 'ENCODER_EXITED', message: "The encoder's stream output closed while the stream was running" }));
      }, 2000).unref();
    });
    return out;
  }

  /** What ffmpeg writes the stream's FLV to. */
  get encoderTarget(): string {
    return this.channel!.target;
  }

  add(spec: RtmpDestinationSpec): void {
    const { opts } = this;
    this.relay.add(
      new Destination({
        id: spec.id,
        shownAs: spec.shownAs,
        retryTimeoutMs: opts.retryTimeoutSec * 1000,
        connect: (signal) =>
          publishRtmp({
            url: spec.url,
            ...(spec.credentials ? { credentials: spec.credentials } : {}),
            ...(opts.extraCa ? { extraCa: opts.extraCa } : {}),
            ...(opts.publicOnly ? { resolveAddress: publicIngestAddress(opts.publicOnly.allowed) } : {}),
            timeoutMs: CONNECT_TIMEOUT_MS,
            signal,
          }),
      }),
    );
  }

  remove(id: string): Promise<boolean> {
    return this.relay.remove(id);
  }

  /** The link of one destination. */
  status(id: string): Readonly<RtmpLinkStatus> | undefined {
    return this.relay.get(id);
  }

  get destinations(): DestinationStatus[] {
    return this.relay.status();
  }

  /** Before the encoder is stopped: its stream ending is then no failure. */
  expectEnd(): void {
    this.endExpected = true;
  }

  /** After the encoder stopped: the destinations send what they hold, unpublish and close. */
  finish(): Promise<void> {
    this.endExpected = true;
    this.finished ??= (async () => {
      // The encoder has exited: its last bytes are in flight, if it ever connected.
      if (this.channel?.connected) await Promise.race([this.channel.ended, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      await this.relay.end(DRAIN_MS);
      await this.channel?.close();
    })();
    return this.finished;
  }

  private watch(): void {
    const { log } = this.opts;
    const shown = (id: string): string => this.relay.get(id)?.url ?? id;
    this.relay.on('state', (id, status, before) => {
      this.emit('link', id, { ...status });
      if (status.state === before || status.state === 'failed') return;
      const retry = status.state === 'reconnecting' ? `; retrying every ${RETRY_WAIT_MS / 1000} s for up to ${this.opts.retryTimeoutSec} s` : '';
      const why = status.state === 'reconnecting' && status.lastError ? ` (${status.lastError})` : '';
      log.log(status.state === 'reconnecting' ? 'warn' : 'info', `stream to ${status.url}: ${before} -> ${status.state}${why}${retry}`, { component: 'stream' });
    });
    this.relay.on('attempt-failed', (id, reason) => log.debug(`stream to ${shown(id)}: attempt failed (${reason})`, { component: 'stream' }));
    this.relay.on('behind', (id, dropped) => log.warn(`stream to ${shown(id)} fell behind the encoder; skipped ${dropped} frames to the next key frame`, { component: 'stream' }));
    this.relay.on('failed', (id, error) => {
      log.warn(`stream to ${shown(id)}: failed: ${error.describe()}`, { component: 'stream' });
      this.emit('destination-failed', id, error);
    });
    this.relay.on('input-error', (err) => {
      this.emit('failure', new RecorderError({ code: 'INTERNAL', message: `The encoder's stream output is not FLV: ${err.message}` }));
    });
  }
}
