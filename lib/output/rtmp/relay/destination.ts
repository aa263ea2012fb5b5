/**
 * One destination of the relay: a link to one ingest that starts at a key frame, keeps its own
 * timestamp base, never holds the encoder back, and reconnects by itself.
 *
 * - Start: once the ingest accepted the publish, the destination sends the metadata and the AVC/AAC
 *   sequence headers, then the relay's cached picture group from its key frame on (so a start or a
 *   reconnect does not wait for the next key frame), then the live tags. All timestamps are counted from
 *   that key frame, audio and video by the same offset, so each publish starts at 0 and stays in sync.
 * - Bounded: tags wait in the destination's own queue only while its connection's buffer is full. A
 *   queue that holds more than `maxLagMs` of media or `maxQueueBytes` is dropped and the destination
 *   resumes at the next key frame; an ingest that takes nothing for `stallMs` is dropped and reconnected.
 * - Retries: the link's states and timing come from the pure StreamLink (attempts every 2 s, failure
 *   after the retry time). A failed destination stays failed; what that means for the session is the
 *   owner's decision.
 */
import { EventEmitter } from 'node:events';
import type { RecorderError } from '../../../errors';
import { TAG_AUDIO, TAG_VIDEO, type FlvTag, type TagKind } from '@jibri-ts/rtmp';
import { PublishError, type MediaKind, type Publication } from '@jibri-ts/rtmp';
import { StreamLink, type StreamLinkState, type RtmpLinkStatus } from '../link';
import { systemClock, type Clock } from './clock';

/** One tag of the encoder's stream, classified once by the relay. */
export interface RelayTag {
  tag: FlvTag;
  kind: TagKind;
}

/** What a destination starts from: the codec headers, the metadata, and the tags since the last key frame. */
export interface StartPoint {
  metadata?: FlvTag;
  videoHeader?: FlvTag;
  audioHeader?: FlvTag;
  /** From the last key frame on; empty when none is cached. */
  gop: readonly RelayTag[];
}

/** Opens one publish to the ingest; rejects with a PublishError (the relay never sees a URL). */
export type Connect = (signal: AbortSignal) => Promise<Publication>;

export interface DestinationOptions {
  id: string;
  /** The URL as people may see it (rtmp://host/app/****). */
  shownAs: string;
  connect: Connect;
  retryTimeoutMs: number;
  retryWaitMs?: number;
  maxLagMs?: number;
  maxQueueBytes?: number;
  stallMs?: number;
  clock?: Clock;
}

export interface DestinationStatus extends RtmpLinkStatus {
  id: string;
  url: string;
  /** Video frames skipped because the destination fell behind. */
  droppedFrames: number;
}

/** Attempts every 2 s: the retry window is bounded anyway, and a viewer waits at most this once the ingest is back. */
export const RETRY_WAIT_MS = 2000;
const MAX_LAG_MS = 5000;
const MAX_QUEUE_BYTES = 16 * 1024 * 1024;
const STALL_MS = 10000;
const TICK_MS = 1000;

interface QueuedTag {
  kind: MediaKind;
  timestamp: number;
  body: Buffer;
  picture: boolean;
  /** Metadata or a sequence header: without them the ingest cannot decode what follows. */
  header: boolean;
}

function mediaKind(tag: FlvTag): MediaKind {
  return tag.type === TAG_AUDIO ? 'audio' : tag.type === TAG_VIDEO ? 'video' : 'metadata';
}

interface DestinationEvents {
  state: [status: DestinationStatus, before: StreamLinkState];
  /** The destination failed for good (a start the ingest refused, or a link down past the retry time). */
  failed: [error: RecorderError];
  /** An attempt to (re)connect failed; another follows unless the link failed. */
  'attempt-failed': [reason: string];
  /** The destination fell behind and skipped to the next key frame. */
  behind: [droppedFrames: number];
}

export class Destination extends EventEmitter<DestinationEvents> {
  readonly id: string;
  private readonly link: StreamLink;
  private readonly clock: Clock;
  private source: () => StartPoint = () => ({ gop: [] });
  private sink: Publication | undefined;
  private pending: AbortController | undefined;
  private retryTimer: unknown;
  private tickTimer: unknown;
  private queue: QueuedTag[] = [];
  private queuedBytes = 0;
  /** The encoder timestamp this publish counts from; undefined until it starts at a key frame. */
  private base: number | undefined;
  private waitingForKey = false;
  private stalledSince: number | undefined;
  /** Set when falling behind dropped headers that never went out: they go again before the next key frame. */
  private headersLost = false;
  private droppedFrames = 0;
  private ended = false;
  private readonly onDrain = (): void => {
    this.stalledSince = undefined;
    this.pump();
  };
  private readonly onLost = (reason: string): void => this.lost(reason);

  constructor(private readonly opts: DestinationOptions) {
    super();
    this.id = opts.id;
    this.clock = opts.clock ?? systemClock;
    this.link = new StreamLink({ retryTimeoutMs: opts.retryTimeoutMs, retryWaitMs: opts.retryWaitMs ?? RETRY_WAIT_MS, target: opts.shownAs });
  }

  status(): DestinationStatus {
    return { id: this.id, url: this.opts.shownAs, ...this.link.current, droppedFrames: this.droppedFrames };
  }

  /** Starts connecting; `source` gives the relay's start point whenever a publish begins. */
  start(source: () => StartPoint): void {
    this.source = source;
    this.attempt();
    this.scheduleTick();
  }

  /** A tag of the live stream; sent, queued or skipped, never waited on. */
  offer(entry: RelayTag): void {
    if (!this.sink || this.ended) return;
    if (this.base === undefined) {
      // Not started yet (no key frame was cached when the publish began): start at this one.
      if (entry.kind === 'key-frame') this.beginFrom(this.source());
      this.pump();
      return;
    }
    if (this.waitingForKey) {
      if (entry.kind !== 'key-frame') return;
      this.waitingForKey = false;
    }
    this.enqueue(entry);
    this.pump();
  }

  /** The stream ended: sends what is queued (for at most graceMs), unpublishes and closes. */
  async finish(graceMs: number): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.pending?.abort();
    const sink = this.sink;
    if (!sink) return;
    if (graceMs > 0) await this.drain(sink, graceMs);
    this.detach(sink);
    this.queue = [];
    this.queuedBytes = 0;
    await sink.close();
  }

  /** Resolves once everything queued went to the socket, the link dropped, or graceMs passed. */
  private drain(sink: Publication, graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        sink.off('drain', check);
        sink.off('lost', done);
        resolve();
      };
      const check = (): void => {
        this.pump();
        if (!this.queue.length && !sink.needsDrain) done();
      };
      const timer = this.clock.setTimeout(done, graceMs);
      sink.on('drain', check);
      sink.on('lost', done);
      check();
    });
  }

  private attempt(): void {
    if (this.ended) return;
    this.retryTimer = undefined;
    this.link.attemptStarted(this.clock.now());
    const controller = new AbortController();
    this.pending = controller;
    this.opts.connect(controller.signal).then(
      (publication) => {
        if (this.pending === controller) this.pending = undefined;
        if (this.ended) return void publication.close();
        this.published(publication);
      },
      (err: unknown) => {
        if (this.pending === controller) this.pending = undefined;
        if (this.ended) return;
        const kind = err instanceof PublishError && err.kind !== 'aborted' ? err.kind : 'unreachable';
        const reason = err instanceof Error ? err.message : String(err);
        this.emit('attempt-failed', reason);
        const before = this.link.current.state;
        const error = this.link.attemptFailed(kind, reason, this.clock.now());
        if (error) return this.fail(error, before);
        this.scheduleAttempt();
      },
    );
  }

  private published(publication: Publication): void {
    const before = this.link.current.state;
    this.sink = publication;
    publication.on('lost', this.onLost);
    publication.on('drain', this.onDrain);
    this.base = undefined;
    this.waitingForKey = false;
    this.stalledSince = undefined;
    this.link.published();
    this.emitState(before);
    const start = this.source();
    if (start.gop.length) this.beginFrom(start);
    this.pump();
  }

  private beginFrom(start: StartPoint): void {
    const first = start.gop[0];
    if (!first) return;
    this.base = first.tag.timestamp;
    this.headersLost = false;
    this.pushHeaders(start, 0);
    for (const entry of start.gop) this.enqueue(entry);
  }

  private pushHeaders(start: StartPoint, timestamp: number): void {
    for (const header of [start.metadata, start.videoHeader, start.audioHeader]) {
      if (header) this.push({ kind: mediaKind(header), timestamp, body: header.data, picture: false, header: true });
    }
  }

  private enqueue(entry: RelayTag): void {
    const timestamp = entry.tag.timestamp - this.base!;
    // Sound captured just before the key frame this publish starts at: it belongs to no picture sent.
    if (timestamp < 0) return;
    const picture = entry.kind === 'key-frame' || entry.kind === 'video';
    const oldest = this.queue[0];
    const maxLag = this.opts.maxLagMs ?? MAX_LAG_MS;
    const maxBytes = this.opts.maxQueueBytes ?? MAX_QUEUE_BYTES;
    if (oldest && (timestamp - oldest.timestamp > maxLag || this.queuedBytes + entry.tag.data.length > maxBytes)) {
      this.fallBehind();
      if (entry.kind !== 'key-frame') return;
      this.waitingForKey = false;
    }
    if (entry.kind === 'key-frame' && this.headersLost) {
      this.headersLost = false;
      this.pushHeaders(this.source(), timestamp);
    }
    const header = entry.kind === 'metadata' || entry.kind === 'video-header' || entry.kind === 'audio-header';
    this.push({ kind: mediaKind(entry.tag), timestamp, body: entry.tag.data, picture, header });
  }

  private push(item: QueuedTag): void {
    this.queue.push(item);
    this.queuedBytes += item.body.length;
  }

  private fallBehind(): void {
    const dropped = this.queue.filter((q) => q.picture).length;
    if (this.queue.some((q) => q.header)) this.headersLost = true;
    this.droppedFrames += dropped;
    this.queue = [];
    this.queuedBytes = 0;
    this.waitingForKey = true;
    this.emit('behind', dropped);
  }

  private pump(): void {
    const sink = this.sink;
    if (!sink) return;
    while (this.queue.length && !sink.needsDrain) {
      const item = this.queue.shift()!;
      this.queuedBytes -= item.body.length;
      sink.send(item.kind, item.timestamp, item.body);
    }
    if (sink.needsDrain) this.stalledSince ??= this.clock.now();
  }

  private lost(reason: string): void {
    const sink = this.sink;
    if (!sink || this.ended) return;
    this.detach(sink);
    sink.abort();
    this.queue = [];
    this.queuedBytes = 0;
    this.base = undefined;
    const before = this.link.current.state;
    const error = this.link.dropped(reason, this.clock.now());
    if (error) return this.fail(error, before);
    this.emitState(before);
    this.scheduleAttempt();
  }

  private detach(sink: Publication): void {
    sink.off('lost', this.onLost);
    sink.off('drain', this.onDrain);
    if (this.sink === sink) this.sink = undefined;
  }

  private scheduleAttempt(): void {
    const now = this.clock.now();
    const wait = (this.link.nextAttemptAt() ?? now) - now;
    if (wait <= 0) this.attempt();
    else this.retryTimer = this.clock.setTimeout(() => this.attempt(), wait);
  }

  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      if (this.ended) return;
      const now = this.clock.now();
      const before = this.link.current.state;
      const error = this.link.tick(now);
      if (error) return this.fail(error, before);
      if (this.sink && this.stalledSince !== undefined && now - this.stalledSince > (this.opts.stallMs ?? STALL_MS)) {
        this.lost(`the ingest took no data for ${Math.round((now - this.stalledSince) / 1000)} s`);
      }
      this.scheduleTick();
    }, TICK_MS);
  }

  private stopTimers(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.tickTimer !== undefined) this.clock.clearTimeout(this.tickTimer);
    this.retryTimer = undefined;
    this.tickTimer = undefined;
  }

  private fail(error: RecorderError, before: StreamLinkState): void {
    this.ended = true;
    this.stopTimers();
    this.pending?.abort();
    const sink = this.sink;
    if (sink) {
      this.detach(sink);
      sink.abort();
    }
    this.queue = [];
    this.queuedBytes = 0;
    this.emitState(before);
    this.emit('failed', error);
  }

  private emitState(before: StreamLinkState): void {
    this.emit('state', this.status(), before);
  }
}
