/**
 * The fan-out: reads the encoder's FLV once and feeds any number of destinations. It keeps what a
 * destination needs to start at any moment (the metadata, the AVC and AAC sequence headers, and the
 * tags since the last key frame) and hands every tag to every destination, which queue, skip or drop
 * on their own: nothing here waits for a destination, so no ingest can hold back the encoder or the
 * local copy. Destinations can be added and removed while the stream runs.
 */
import { EventEmitter } from 'node:events';
import type { RecorderError } from '../../../errors';
import { FlvReader, tagKind, type FlvTag } from '@jibri-ts/rtmp';
import type { StreamLinkState } from '../link';
import type { Destination, DestinationStatus, RelayTag, StartPoint } from './destination';

/** The longest picture group kept for starts; a longer one is not cached and a start waits for a key frame. */
const MAX_GOP_MS = 4000;
const MAX_GOP_BYTES = 8 * 1024 * 1024;

interface RelayEvents {
  state: [id: string, status: DestinationStatus, before: StreamLinkState];
  failed: [id: string, error: RecorderError];
  'attempt-failed': [id: string, reason: string];
  behind: [id: string, droppedFrames: number];
  /** The encoder's bytes are not FLV: nothing more can be relayed. */
  'input-error': [error: Error];
}

export class StreamRelay extends EventEmitter<RelayEvents> {
  private readonly reader = new FlvReader();
  private readonly destinations = new Map<string, Destination>();
  private metadata: FlvTag | undefined;
  private videoHeader: FlvTag | undefined;
  private audioHeader: FlvTag | undefined;
  private gop: RelayTag[] = [];
  private gopBytes = 0;
  private inputFailed = false;
  private ended = false;
  /** Tags read from the encoder, for status and tests. */
  tags = 0;

  /** Bytes from the encoder, in any slicing. */
  push(bytes: Buffer): void {
    if (this.inputFailed) return;
    let tags: FlvTag[];
    try {
      tags = this.reader.push(bytes);
    } catch (err) {
      this.inputFailed = true;
      this.emit('input-error', err as Error);
      return;
    }
    for (const tag of tags) this.relay(tag);
  }

  private relay(tag: FlvTag): void {
    this.tags++;
    const entry: RelayTag = { tag, kind: tagKind(tag) };
    switch (entry.kind) {
      case 'metadata':
        this.metadata = tag;
        break;
      case 'video-header':
        this.videoHeader = tag;
        break;
      case 'audio-header':
        this.audioHeader = tag;
        break;
      case 'key-frame':
        this.gop = [];
        this.gopBytes = 0;
        break;
      default:
        break;
    }
    if (entry.kind === 'key-frame' || this.gop.length) {
      this.gop.push(entry);
      this.gopBytes += tag.data.length;
      const first = this.gop[0]!.tag.timestamp;
      if (tag.timestamp - first > MAX_GOP_MS || this.gopBytes > MAX_GOP_BYTES) {
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    for (const d of this.destinations.values()) d.offer(entry);
  }

  /** What a destination starting now begins with. */
  startPoint(): StartPoint {
    return {
      ...(this.metadata ? { metadata: this.metadata } : {}),
      ...(this.videoHeader ? { videoHeader: this.videoHeader } : {}),
      ...(this.audioHeader ? { audioHeader: this.audioHeader } : {}),
      gop: [...this.gop],
    };
  }

  add(destination: Destination): void {
    if (this.ended) throw new Error('the stream has ended');
    if (this.destinations.has(destination.id)) throw new Error(`a destination ${destination.id} exists already`);
    this.destinations.set(destination.id, destination);
    destination.on('state', (status, before) => this.emit('state', destination.id, status, before));
    destination.on('failed', (error) => this.emit('failed', destination.id, error));
    destination.on('attempt-failed', (reason) => this.emit('attempt-failed', destination.id, reason));
    destination.on('behind', (dropped) => this.emit('behind', destination.id, dropped));
    destination.start(() => this.startPoint());
  }

  /** Unpublishes one destination now; the others go on. False if there is no such destination. */
  async remove(id: string): Promise<boolean> {
    const d = this.destinations.get(id);
    if (!d) return false;
    this.destinations.delete(id);
    await d.finish(0);
    d.removeAllListeners();
    return true;
  }

  status(): DestinationStatus[] {
    return [...this.destinations.values()].map((d) => d.status());
  }

  get(id: string): DestinationStatus | undefined {
    return this.destinations.get(id)?.status();
  }

  /** The encoder's stream ended: every destination sends what it holds (for at most graceMs) and closes. */
  async end(graceMs: number): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.all([...this.destinations.values()].map((d) => d.finish(graceMs)));
  }
}
