/**
 * The RTMP outputs: each RTMP(S) destination of a session is one output, and all of them share one
 * `RtmpChannel`: the encode's one FLV entry into the service's private channel, read once and published
 * by the service itself to every ingest (fan-out.ts), so no URL, key or password is ever in ffmpeg's argv
 * and a second destination costs no second encode. Destinations join and leave the channel while it runs.
 *
 * A destination that fails (refused, or down for longer than the retry time) fails the session only when
 * nothing else of it still works: no output that stands on its own (a recording, HLS...) and no other
 * destination that is not failed. So Jibri's one-stream session fails as Jibri's does, and one broken
 * ingest among several never stops the others.
 */
import { EventEmitter } from 'node:events';
import type { RecorderError } from '../../errors';
import type { AllowedHost } from '@jibri-ts/common';
import { registerSecret } from '../../redact';
import type { MuxerEntry, OpenContext, Output, OutputEvents, OutputSummary } from '../output';
import type { RtmpOutputRequest } from './kind';
import type { FanOut, RtmpDestinationSpec } from './fan-out';
import { redactStreamUrl, streamSecrets } from './rules';

export interface RtmpOutputSettings {
  retryTimeoutSec: number;
  /** PEM certificates trusted for rtmps:// besides the system's. */
  extraCa?: string;
  /** Ingests on public addresses only, and these hosts (JIBRI_STREAMING_PUBLIC_ONLY). */
  publicOnly?: { allowed: AllowedHost[] };
}

/**
 * ffmpeg's entry for the stream: FLV into the channel, which cannot seek back (duration and size are
 * never written: no placeholders to fix up), each packet flushed at once for the stream's latency.
 */
export function flvMuxer(channelTarget: string): MuxerEntry {
  return { options: { f: 'flv', flvflags: 'no_duration_filesize', flush_packets: '1' }, target: channelTarget, watchesItself: true };
}

/** The one FLV channel of a session and its destinations. */
export class RtmpChannel extends EventEmitter<OutputEvents> {
  private opening: Promise<FanOut> | undefined;
  private fanOut: FanOut | undefined;
  private entryTaken = false;
  private readonly members = new Set<string>();

  /** `othersWork`: whether the session has an output that goes on without any stream (a recording). */
  constructor(
    private readonly settings: RtmpOutputSettings,
    private readonly othersWork: () => boolean,
  ) {
    super();
  }

  /**
   * A destination of the starting encode: the first one opens the channel and gets the muxer entry, the
   * others ride on it (undefined). Their publishers start connecting now, while ffmpeg opens its inputs.
   */
  async join(spec: RtmpDestinationSpec, ctx: OpenContext): Promise<MuxerEntry | undefined> {
    const first = !this.entryTaken;
    this.entryTaken = true;
    const settings = {
      retryTimeoutSec: this.settings.retryTimeoutSec,
      ...(this.settings.extraCa ? { extraCa: this.settings.extraCa } : {}),
      ...(this.settings.publicOnly ? { publicOnly: this.settings.publicOnly } : {}),
    };
    this.opening ??= ctx.openFanOut(settings, ctx.log).then((fanOut) => {
      this.fanOut = fanOut;
      fanOut.on('failure', (error) => this.emit('failure', error));
      fanOut.on('destination-failed', (id, error) => this.destinationFailed(id, error));
      return fanOut;
    });
    const fanOut = await this.opening;
    this.members.add(spec.id);
    fanOut.add(spec);
    return first ? flvMuxer(fanOut.encoderTarget) : undefined;
  }

  /** Whether a destination can join now: the encode writes into the channel. */
  get running(): boolean {
    return this.fanOut !== undefined;
  }

  /** A destination added while the encode runs. */
  joinLive(spec: RtmpDestinationSpec): void {
    if (!this.fanOut) throw new Error('the stream channel is not open');
    this.members.add(spec.id);
    this.fanOut.add(spec);
  }

  /** Unpublishes one destination; the others go on. */
  async leave(id: string): Promise<void> {
    this.members.delete(id);
    await this.fanOut?.remove(id);
  }

  status(id: string): ReturnType<FanOut['status']> {
    return this.fanOut?.status(id);
  }

  /** Whether another destination than `id` still works (connecting, live or reconnecting). */
  othersLive(id: string): boolean {
    return [...this.members].some((m) => m !== id && this.fanOut?.status(m)?.state !== 'failed');
  }

  /** Whether the session has anything left without `id`: a destination that works, or an output of its own. */
  worksWithout(id: string): boolean {
    return this.othersWork() || this.othersLive(id);
  }

  expectEnd(): void {
    this.fanOut?.expectEnd();
  }

  /** After the encoder stopped: every destination sends what it holds and unpublishes. */
  finish(): Promise<void> {
    return this.fanOut?.finish() ?? Promise.resolve();
  }

  private destinationFailed(id: string, error: RecorderError): void {
    if (this.members.has(id) && !this.worksWithout(id)) this.emit('failure', error);
  }
}

export class RtmpOutput extends EventEmitter<OutputEvents> implements Output {
  readonly kind = 'rtmp';
  readonly live = true;
  readonly presence: Record<string, string>;
  /** The ingest as people may see it (rtmp://host/app/****). */
  readonly shownAs: string;
  readonly title: string;

  constructor(
    readonly id: string,
    private readonly request: RtmpOutputRequest,
    readonly channel: RtmpChannel,
  ) {
    super();
    // Registered before anything can log: from here on the key and the credentials are masked everywhere.
    for (const secret of streamSecrets(request.rtmpUrl, request.username, request.password)) registerSecret(secret);
    this.shownAs = redactStreamUrl(request.rtmpUrl);
    this.title = `stream to ${this.shownAs}`;
    this.presence = request.viewingUrl ? { 'live-stream-view-url': request.viewingUrl } : {};
    // The channel's failure is the session's; every destination of the starting encode passes it on.
    channel.on('failure', (error) => this.emit('failure', error));
  }

  /** The stream's URL, kept for comparing destinations; a secret. */
  get url(): string {
    return this.request.rtmpUrl;
  }

  open(ctx: OpenContext): Promise<MuxerEntry | undefined> {
    return this.channel.join(this.spec(), ctx);
  }

  /** Joins the running channel (a destination added while live). */
  openLive(): void {
    this.channel.joinLive(this.spec());
  }

  /** Unpublishes this destination only. */
  close(): Promise<void> {
    return this.channel.leave(this.id);
  }

  summary(): OutputSummary {
    const link = this.channel.status(this.id);
    return {
      kind: 'stream',
      shownAs: this.shownAs,
      link: { state: link?.state ?? 'connecting', reconnects: link?.reconnects ?? 0, ...(link?.state === 'failed' && link.lastError ? { error: link.lastError } : {}) },
      ...(this.request.viewingUrl ? { viewingUrl: this.request.viewingUrl } : {}),
    };
  }

  expectEnd(): void {
    this.channel.expectEnd();
  }

  /** The stream's last seconds reach the ingests, then they unpublish (once for the whole channel). */
  finish(): Promise<void> {
    return this.channel.finish();
  }

  private spec(): RtmpDestinationSpec {
    const { request } = this;
    const credentials = request.username || request.password ? { username: request.username ?? '', password: request.password ?? '' } : undefined;
    return { id: this.id, url: request.rtmpUrl, shownAs: this.shownAs, ...(credentials ? { credentials } : {}) };
  }
}
