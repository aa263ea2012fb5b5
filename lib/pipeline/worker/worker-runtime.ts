/**
 * Inside a session's media worker: the session's encoder (ffmpeg, its progress, the frame clock and the
 * sound's moves) and its stream fan-out (the relay and its RTMP publishers) run here, in a process of their
 * own, so that a runaway among them (a hostile ingest's buffers, a stuck relay, an exception) ends this
 * session only. The service drives it through the messages of protocol.ts and sees its log on standard
 * error, one JSON entry a line.
 */
import { RecorderError } from '../../errors';
import type { Logger } from '../../log';
import { registerSecret } from '../../redact';
import { RtmpFanOut, type FanOut } from '../../output/rtmp/fan-out';
import { streamSecrets } from '../../output/rtmp/rules';
import { startEncoder, type LocalEncoder } from '../encoder/encoder';
import { SoundFollower } from '../frame-clock/sound-follower';
import type { EncoderStart, FromWorker, ToWorker } from './protocol';

/** The IPC end of a forked process: what the runtime needs of `process`. */
export interface WorkerChannel {
  send(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
  /** The service went away (its end of the channel closed). */
  onDisconnect(handler: () => void): void;
  exit(code: number): void;
}

/** How long a stop waits for the encoder to catch up with the screen (it runs behind on a busy host). */
const STOP_CATCH_UP_MS = 3000;
/** How long the encoder may take to close its files when the service is gone. */
const ORPHAN_STOP_MS = 10000;

export class WorkerRuntime {
  private fanOut: FanOut | undefined;
  private encoder: LocalEncoder | undefined;
  private follower: SoundFollower | undefined;
  private forwardSamples = false;

  constructor(
    private readonly channel: WorkerChannel,
    private readonly log: Logger,
  ) {
    channel.onMessage((m) => void this.handle(m).catch((err: unknown) => this.log.error(`media worker: ${String(err)}`, { component: 'worker' })));
    channel.onDisconnect(() => void this.orphaned());
  }

  private async handle(m: ToWorker): Promise<void> {
    switch (m.t) {
      case 'fanout-open':
        return this.reply(m.ref, async () => {
          const fanOut = await RtmpFanOut.opener(m.settings, this.log);
          this.fanOut = fanOut;
          fanOut.on('link', (id, status) => this.channel.send({ t: 'fanout-link', id, status }));
          fanOut.on('failure', (error) => this.channel.send({ t: 'fanout-failure', error: error.toJSON() }));
          fanOut.on('destination-failed', (id, error) => this.channel.send({ t: 'fanout-destination-failed', id, error: error.toJSON() }));
          return fanOut.encoderTarget;
        });
      case 'fanout-add':
        // This process logs too: the destination's key and credentials are masked here as in the service.
        for (const secret of streamSecrets(m.spec.url, m.spec.credentials?.username, m.spec.credentials?.password)) registerSecret(secret);
        return this.fanOut?.add(m.spec);
      case 'fanout-remove':
        return this.reply(m.ref, async () => (await this.fanOut?.remove(m.id)) ?? false);
      case 'fanout-expect-end':
        return this.fanOut?.expectEnd();
      case 'fanout-finish':
        return this.reply(m.ref, async () => this.fanOut?.finish());
      case 'encoder-start':
        return this.startEncoder(m.start);
      case 'encoder-stop':
        return this.reply(m.ref, async () => {
          await this.catchUp();
          await this.encoder?.stop(m.graceMs);
        });
      case 'clock-samples':
        this.forwardSamples = true;
        return;
      case 'exit':
        return this.channel.exit(0);
    }
  }

  private startEncoder(start: EncoderStart): void {
    const { clock } = start;
    const encoder = startEncoder({ spec: start.spec, ffmpegBinary: start.ffmpegBinary, log: this.log, ...(clock ? { onClockBytes: (chunk) => this.follower?.push(chunk) } : {}) });
    this.encoder = encoder;
    if (clock) {
      const follower = new SoundFollower({ ...clock, command: (line) => encoder.command(line), log: this.log });
      this.follower = follower;
      follower.on('moved', (state, move) => {
        this.channel.send({ t: 'sync', state });
        this.channel.send({ t: 'sound-moved', move });
      });
      follower.on('sample', (sample) => {
        if (this.forwardSamples) this.channel.send({ t: 'clock', sample });
      });
    }
    encoder.on('running', () => this.channel.send({ t: 'encoder-running' }));
    encoder.on('progress', (progress) => {
      this.channel.send({ t: 'encoder-progress', progress });
      // The picture's latency changes without a move too: health shows it every progress line.
      const state = this.follower?.state;
      if (state) this.channel.send({ t: 'sync', state });
    });
    encoder.on('started', (pid) => this.channel.send({ t: 'encoder-started', pid }));
    void encoder.ended.then((end) => this.channel.send({ t: 'encoder-ended', end: end.ok ? { ok: true } : { ok: false, error: end.error.toJSON() } }));
  }

  /** Until what was grabbed before the stop is encoded (STOP_CATCH_UP_MS at most), so that none of it is dropped. */
  private async catchUp(): Promise<void> {
    const { encoder, follower } = this;
    if (!encoder || !follower) return;
    const atMs = Date.now();
    const ended = encoder.ended.then(() => true);
    const caught = await Promise.race([follower.caughtUp(atMs, STOP_CATCH_UP_MS), ended]);
    if (!caught) this.log.warn(`the encoder was more than ${STOP_CATCH_UP_MS} ms behind the screen at the stop: the recording ends that much early`, { component: 'encoder' });
  }

  private async reply(ref: number, work: () => Promise<unknown>): Promise<void> {
    try {
      const value = await work();
      this.channel.send({ t: 'done', ref, ...(value === undefined ? {} : { value }) });
    } catch (err) {
      const error = err instanceof RecorderError ? err : new RecorderError({ code: 'INTERNAL', message: String(err) });
      this.channel.send({ t: 'done', ref, error: error.toJSON() });
    }
  }

  /** The service died: the encoder closes its files (they are finalized at the service's next start), then this ends. */
  private async orphaned(): Promise<void> {
    this.fanOut?.expectEnd();
    await this.encoder?.stop(ORPHAN_STOP_MS).catch(() => undefined);
    this.channel.exit(0);
  }
}
