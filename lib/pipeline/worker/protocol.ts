/**
 * The messages between the service and a session's media worker, over the worker's IPC channel. The
 * service asks (`ToWorker`); the worker answers a request that returns something with `done` and the
 * request's `ref`, and reports everything else as it happens (`FromWorker`). Errors cross as JSON.
 */
import type { RecorderErrorJson } from '../../errors';
import type { FanOutSettings, RtmpDestinationSpec } from '../../output/rtmp/fan-out';
import type { RtmpLinkStatus } from '../../output/rtmp/link';
import type { EncoderProgress } from '../encoder/encoder';
import type { FfmpegSpec } from '../encoder/ffmpeg-args';
import type { SyncState } from '../frame-clock/audio-alignment';
import type { ClockSample } from '../frame-clock/clock-reader';
import type { SoundMove } from '../../output/participant-audio';

export interface EncoderStart {
  spec: FfmpegSpec;
  ffmpegBinary: string;
  /** The frame clock, when the spec has a clock branch. */
  clock?: { width: number; originMs: number; audioLatencyMs: number };
}

export type ToWorker =
  | { t: 'fanout-open'; ref: number; settings: FanOutSettings }
  | { t: 'fanout-add'; spec: RtmpDestinationSpec }
  | { t: 'fanout-remove'; ref: number; id: string }
  | { t: 'fanout-expect-end' }
  | { t: 'fanout-finish'; ref: number }
  | { t: 'encoder-start'; start: EncoderStart }
  | { t: 'encoder-stop'; ref: number; graceMs: number }
  | { t: 'clock-samples' }
  | { t: 'exit' };

export type EncoderEndJson = { ok: true } | { ok: false; error: RecorderErrorJson };

export type FromWorker =
  | { t: 'done'; ref: number; value?: unknown; error?: RecorderErrorJson }
  | { t: 'fanout-link'; id: string; status: RtmpLinkStatus }
  | { t: 'fanout-failure'; error: RecorderErrorJson }
  | { t: 'fanout-destination-failed'; id: string; error: RecorderErrorJson }
  | { t: 'encoder-started'; pid: number | undefined }
  | { t: 'encoder-running' }
  | { t: 'encoder-progress'; progress: EncoderProgress }
  | { t: 'encoder-ended'; end: EncoderEndJson }
  | { t: 'sync'; state: SyncState }
  /** The sound moved on the encode's timeline (outputs that place their own sound on it follow). */
  | { t: 'sound-moved'; move: SoundMove }
  | { t: 'clock'; sample: ClockSample };
