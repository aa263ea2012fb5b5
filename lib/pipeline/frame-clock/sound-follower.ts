/**
 * The frame clock at work beside one encoder: reads the clock rows the encoder hands back, decides where
 * the sound belongs (audio-alignment.ts) and sends the encoder the commands that move it
 * (sound-shift.ts). Runs where the encoder runs: in the session's media worker.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log';
import { AudioAlignment, type AlignmentMove, type SyncState } from './audio-alignment';
import { ClockReader, type ClockSample } from './clock-reader';
import type { SoundMove } from '../../output/participant-audio';
import { fineDelayCommand, stepCommands } from './sound-shift';

/**
 * How far ahead on the sound's timeline a step of its move is queued: ffmpeg reads its commands every
 * 100 ms, and the sound it filters is already some tens of ms behind the wall clock.
 */
const SHIFT_LEAD_MS = 200;

export interface SoundFollowerOptions {
  /** The clock rows' width (the recording's). */
  width: number;
  /** The wall-clock instant the encode's zero stands for. */
  originMs: number;
  /** The sound's own path, page to capture (JIBRI_RECORDING_AUDIO_LATENCY_MS). */
  audioLatencyMs: number;
  /** Sends one of ffmpeg's interactive commands; false when the encoder cannot take it. */
  command: (line: string) => boolean;
  log: Logger;
}

export interface SoundFollowerEvents {
  /** One frame clock sample. */
  sample: [sample: ClockSample];
  /** The sound moved: the state after the move, and where on the encode's timeline the move takes effect. */
  moved: [state: SyncState, move: SoundMove];
}

export class SoundFollower extends EventEmitter<SoundFollowerEvents> {
  private readonly alignment: AudioAlignment;
  private readonly reader: ClockReader;

  constructor(private readonly opts: SoundFollowerOptions) {
    super();
    this.alignment = new AudioAlignment({ audioLatencyMs: opts.audioLatencyMs });
    this.reader = new ClockReader(opts.width, opts.originMs, (sample) => {
      this.emit('sample', sample);
      const move = this.alignment.push(sample.latencyMs);
      if (move) this.move(move);
    });
  }

  /** Raw bytes of the encoder's clock branch. */
  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  /**
   * Resolves once the encoder has passed on a frame grabbed at `atMs` or later (true), or after `maxMs`
   * (false). ffmpeg stopped by a signal drops the frames still queued at its inputs: waiting for this
   * first keeps, on a host where the encoder runs behind, the last moments before a stop.
   */
  async caughtUp(atMs: number, maxMs: number, pollMs = 20): Promise<boolean> {
    for (const until = Date.now() + maxMs; ; await new Promise((r) => setTimeout(r, pollMs))) {
      if ((this.reader.lastGrabMs ?? -Infinity) >= atMs) return true;
      if (Date.now() >= until) return false;
    }
  }

  /** The picture's measured latency and the sound's place, once a first window of samples came. */
  get state(): SyncState | undefined {
    return this.alignment.state;
  }

  private move(move: AlignmentMove): void {
    // The sound's timeline runs about at the wall clock, counted from the origin.
    const nowMs = Date.now() - this.opts.originMs;
    const atSec = (nowMs + SHIFT_LEAD_MS) / 1000;
    const commands = (move.fineMs !== undefined ? fineDelayCommand(move.fineMs) : '') + (move.step ? stepCommands(move.step.from, move.step.to, atSec) : '');
    if (!this.opts.command(commands)) return;
    const state = this.alignment.state!;
    this.opts.log.info(
      `the picture reaches the capture ${move.pictureLatencyMs.toFixed(1)} ms after the page draws it: the sound is now heard ${state.soundMoveMs.toFixed(1)} ms after its capture`,
      { component: 'pipeline' },
    );
    // A step takes effect where it was queued; a fine delay alone as soon as ffmpeg reads it.
    this.emit('moved', state, { atMs: move.step ? atSec * 1000 : nowMs, moveMs: state.soundMoveMs });
  }
}
