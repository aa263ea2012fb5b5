/**
 * The stream output: the encode as FLV into the service's private channel, published by the service
 * itself to one RTMP(S) ingest (fan-out.ts), so no URL, key or password is ever in ffmpeg's argv. The
 * link is watched (link.ts): a refused start or a link lost for longer than the retry time is this
 * output's failure.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log';
import { registerSecret } from '../../redact';
import type { MuxerEntry, Output, OutputEvents, OutputSummary, StreamOutputRequest } from '../output';
import { StreamFanOut } from './fan-out';
import { redactStreamUrl, streamSecrets } from './rules';

export interface StreamOutputSettings {
  retryTimeoutSec: number;
  /** PEM certificates trusted for rtmps:// besides the system's. */
  extraCa?: string;
}

/**
 * ffmpeg's entry for the stream: FLV into the channel, which cannot seek back (duration and size are
 * never written: no placeholders to fix up), each packet flushed at once for the stream's latency.
 */
export function flvMuxer(channelTarget: string): MuxerEntry {
  return { options: { f: 'flv', flvflags: 'no_duration_filesize', flush_packets: '1' }, target: channelTarget, watchesItself: true };
}

export class StreamOutput extends EventEmitter<OutputEvents> implements Output {
  readonly kind = 'stream';
  readonly live = true;
  readonly presence: Record<string, string>;
  /** The ingest as people may see it (rtmp://host/app/****). */
  readonly shownAs: string;
  readonly title: string;
  private fanOut: StreamFanOut | undefined;

  constructor(
    readonly id: string,
    private readonly request: StreamOutputRequest,
    private readonly settings: StreamOutputSettings,
  ) {
    super();
    // Registered before anything can log: from here on the key and the credentials are masked everywhere.
    for (const secret of streamSecrets(request.rtmpUrl, request.username, request.password)) registerSecret(secret);
    this.shownAs = redactStreamUrl(request.rtmpUrl);
    this.title = `stream to ${this.shownAs}`;
    this.presence = request.viewingUrl ? { 'live-stream-view-url': request.viewingUrl } : {};
  }

  /** Opens the channel; the publisher starts connecting to the ingest now, while ffmpeg opens its inputs. */
  async open(log: Logger): Promise<MuxerEntry> {
    const { request, settings } = this;
    const credentials = request.username || request.password ? { username: request.username ?? '', password: request.password ?? '' } : undefined;
    const fanOut = await StreamFanOut.open({
      destinations: [{ id: this.id, url: request.rtmpUrl, shownAs: this.shownAs, ...(credentials ? { credentials } : {}) }],
      retryTimeoutSec: settings.retryTimeoutSec,
      ...(settings.extraCa ? { extraCa: settings.extraCa } : {}),
      log,
    });
    this.fanOut = fanOut;
    fanOut.on('failure', (error) => this.emit('failure', error));
    return flvMuxer(fanOut.encoderTarget);
  }

  summary(): OutputSummary {
    const link = this.fanOut?.status;
    return {
      kind: 'stream',
      shownAs: this.shownAs,
      link: { state: link?.state ?? 'connecting', reconnects: link?.reconnects ?? 0 },
      ...(this.request.viewingUrl ? { viewingUrl: this.request.viewingUrl } : {}),
    };
  }

  expectEnd(): void {
    this.fanOut?.expectEnd();
  }

  /** The stream's last seconds reach the ingest, then it unpublishes. */
  finish(): Promise<void> {
    return this.fanOut?.finish() ?? Promise.resolve();
  }
}
