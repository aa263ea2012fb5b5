/**
 * The encoder and the fan-out of a session's media worker, as the service sees them: the same interfaces
 * as the local ones (encoder.ts, fan-out.ts), each call a message to the worker, each event a message back.
 */
import { EventEmitter } from 'node:events';
import { RecorderError } from '../../errors';
import type { FanOut, FanOutEvents, RtmpDestinationSpec } from '../../output/rtmp/fan-out';
import type { RtmpLinkStatus } from '../../output/rtmp/link';
import type { Encoder, EncoderEnd, EncoderEvents } from '../encoder/encoder';
import type { FromWorker, ToWorker } from './protocol';

/** What the remote twins need of their worker. */
export interface WorkerLink {
  send(message: ToWorker): void;
  request(make: (ref: number) => ToWorker): Promise<unknown>;
}

export class RemoteEncoder extends EventEmitter<EncoderEvents> implements Encoder {
  readonly ended: Promise<EncoderEnd>;
  private resolveEnded!: (end: EncoderEnd) => void;
  private end: EncoderEnd | undefined;
  pid: number | undefined;

  constructor(private readonly worker: WorkerLink) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  async stop(graceMs = 10000): Promise<EncoderEnd> {
    if (this.end) return this.end;
    // The worker answers once ffmpeg has exited; its end arrives as encoder-ended just before.
    await this.worker.request((ref) => ({ t: 'encoder-stop', ref, graceMs })).catch(() => undefined);
    return this.ended;
  }

  onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'encoder-started':
        this.pid = m.pid;
        this.emit('started', m.pid);
        return;
      case 'encoder-running':
        this.emit('running');
        return;
      case 'encoder-progress':
        this.emit('progress', m.progress);
        return;
      case 'encoder-ended':
        return this.finish(m.end.ok ? { ok: true } : { ok: false, error: RecorderError.fromJSON(m.end.error) });
      default:
    }
  }

  /** The worker is gone: so is the encoder, with the worker's error. */
  lost(error: RecorderError): void {
    this.finish({ ok: false, error });
  }

  private finish(end: EncoderEnd): void {
    if (this.end) return;
    this.end = end;
    this.resolveEnded(end);
    this.emit('ended', end);
  }
}

export class RemoteFanOut extends EventEmitter<FanOutEvents> implements FanOut {
  private readonly links = new Map<string, RtmpLinkStatus>();
  private finished: Promise<void> | undefined;

  constructor(
    private readonly worker: WorkerLink,
    readonly encoderTarget: string,
  ) {
    super();
  }

  add(spec: RtmpDestinationSpec): void {
    this.worker.send({ t: 'fanout-add', spec });
  }

  async remove(id: string): Promise<boolean> {
    return Boolean(await this.worker.request((ref) => ({ t: 'fanout-remove', ref, id })));
  }

  status(id: string): Readonly<RtmpLinkStatus> | undefined {
    return this.links.get(id);
  }

  expectEnd(): void {
    this.worker.send({ t: 'fanout-expect-end' });
  }

  finish(): Promise<void> {
    this.finished ??= this.worker.request((ref) => ({ t: 'fanout-finish', ref })).then(
      () => undefined,
      () => undefined,
    );
    return this.finished;
  }

  onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'fanout-link':
        this.links.set(m.id, m.status);
        this.emit('link', m.id, m.status);
        return;
      case 'fanout-failure':
        this.emit('failure', RecorderError.fromJSON(m.error));
        return;
      case 'fanout-destination-failed':
        this.emit('destination-failed', m.id, RecorderError.fromJSON(m.error));
        return;
      default:
    }
  }

  /** The worker is gone: every destination with it. */
  lost(error: RecorderError): void {
    for (const [id, status] of this.links) if (status.state !== 'failed') this.links.set(id, { ...status, state: 'failed', lastError: error.message });
    this.emit('failure', error);
  }
}
