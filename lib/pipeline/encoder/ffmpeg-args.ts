/**
 * Pure: what ffmpeg is asked to do for one session. Capture is x11grab of the session's display plus the
 * monitor of the session's PulseAudio sink; one encode, with Jibri's recording parameters, or its
 * streaming ones when an output is live; the encode goes to every output's muxer entry (each output's
 * module writes its own, lib/output/).
 */
import type { EncodingConfig } from '../../config';
import type { MuxerEntry } from '../../output/output';
import { CLOCK_ROWS, clockFilter } from '../frame-clock/clock-code';
import { soundShiftGraph } from '../frame-clock/sound-shift';

export interface FfmpegInput {
  format: string;
  options: string[];
  source: string;
}

export interface FfmpegOutput {
  options: string[];
  target: string;
}

export interface FfmpegSpec {
  global: string[];
  inputs: FfmpegInput[];
  /** The shared encode, to one entry directly or to several through the tee. */
  output: FfmpegOutput;
  /** Every output of the shared encode takes the sound alone: no picture is captured or encoded for them. */
  audioOnly?: boolean;
  /**
   * The frame clock's rows of every grabbed frame, with the grab's time, go to ffmpeg's standard output as
   * raw grey rows (frame-clock/clock-code.ts); absent without a picture.
   */
  clock?: FfmpegOutput;
}

/** What ffmpeg reads: the session's display and the monitor of its PulseAudio sink. */
export interface CaptureInput {
  /** X display, e.g. ':99'. */
  display: string;
  /** PulseAudio source to read, the monitor of the session's sink. */
  audioSource: string;
  /**
   * The wall-clock instant (ms since the epoch) that the recording's zero stands for, taken just before
   * ffmpeg starts: both inputs' timestamps are wall-clock times, and both are counted from this one instant.
   */
  originMs: number;
}

/**
 * Picture and sound stay in step because both inputs keep the wall-clock time at which each frame and
 * each block of sound was captured (-copyts), and both are counted from the same instant (-itsoffset,
 * the same origin for both). Without that, ffmpeg starts each input's timeline at its own first packet,
 * and the two first packets are taken at different moments (the sound input opens after the first frame
 * is grabbed, 10-100 ms later, more under load): whole recordings came out 40-140 ms apart.
 *
 * What the capture cannot see is how late each path delivers: the sound by a steady few tens of
 * milliseconds, the picture by a different amount in every session and from time to time. The picture's
 * delay is measured while recording (the frame clock, lib/pipeline/frame-clock/) and the sound is moved
 * by the difference at run time (frame-clock/sound-shift.ts).
 */
function captureInputs(enc: EncodingConfig, src: CaptureInput, audioOnly: boolean): FfmpegInput[] {
  const queue = String(enc.queueSize);
  const videoOffset = -src.originMs;
  const audioOffset = -src.originMs;
  const audio: FfmpegInput = {
    format: 'pulse',
    // Small fragments (20 ms at 48 kHz stereo) and no probing: with PulseAudio's defaults, opening
    // the monitor of a quiet null sink waits for one of its large idle blocks, up to 2 s.
    options: [
      '-thread_queue_size', queue, '-fragment_size', '3840', '-analyzeduration', '0', '-probesize', '32',
      // Not -use_wallclock_as_timestamps: it stamps a burst of buffered packets with the time it
      // reads them. The pulse input's own stamps (wall clock minus the stream's latency) are right.
      '-itsoffset', seconds(audioOffset),
    ],
    source: src.audioSource,
  };
  if (audioOnly) return [audio];
  return [
    {
      format: 'x11grab',
      options: [
        // The screen is the picture plus the frame clock's rows below it; one grab takes both.
        '-draw_mouse', '0', '-framerate', String(enc.framerate), '-video_size', `${enc.width}x${enc.height + CLOCK_ROWS}`, '-thread_queue_size', queue,
        '-itsoffset', seconds(videoOffset),
      ],
      source: `${src.display}.0+0,0`,
    },
    audio,
  ];
}

/** ffmpeg's duration syntax, to the millisecond. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const AUDIO_CODEC = ['-c:a', 'aac', '-b:a', '128k', '-ar', '44100'];

/** The shared encode's inputs: a picture session's sound comes out of the graph that moves it. */
function sharedMaps(audioOnly: boolean, inputs: readonly FfmpegInput[]): string[] {
  if (audioOnly) return ['-map', `${inputs.length - 1}:a`, ...AUDIO_CODEC, '-af', AUDIO_ONLY_FILTER];
  return ['-filter_complex', soundShiftGraph('1:a', AUDIO_FILTER, 'sound'), '-map', '0:v', '-map', '[sound]', ...AUDIO_CODEC];
}

function codecOptions(enc: EncodingConfig, preset: string): string[] {
  return [
    // Each frame keeps the time it was grabbed at. Resampling to a fixed rate (-r) moved frames by up to
    // a frame period and kept that error for the rest of the session. The grab runs at the frame rate,
    // so the output is at that rate with only the grab's jitter.
    '-fps_mode', 'passthrough', '-vf', `${pictureCrop(enc)},${videoFilter(enc.framerate)}`,
    // The encoder keeps each frame's time to 11 µs. By default its clock ticks at the frame rate, which
    // moved every frame to a 33 ms grid: the whole picture by the same -17 to +17 ms in a session (the
    // grabs keep one phase against the grid), and a frame whose grab came late onto its neighbour's
    // tick, where it was dropped.
    '-enc_time_base:v', '1:90000',
    '-c:v', 'libx264', '-preset', preset, '-crf', String(enc.crf), '-pix_fmt', 'yuv420p',
    // No B-frames, whatever the preset: a fragmented MP4 has no edit list, so their reordering delay
    // (67-300 ms with veryfast) would move the whole picture later than the sound.
    '-bf', '0',
    // Two threads whatever the host: on a meeting's picture x264's default (1.5 per core) cost 7 % more
    // at the same SSIM on two cores (docs/MEETING-COST.md), and on a large host it would give every
    // session dozens of threads, each with its own frames in memory.
    '-threads:v', '2',
    '-profile:v', 'main',
  ];
}

/** Jibri's streaming encode: preset, bitrate cap and key frame interval. */
export interface StreamEncoding {
  preset: string;
  maxBitrateKbps: number;
  gopSize: number;
}

// Standard input stays open: the commands that move the sound go there (frame-clock/sound-shift.ts).
const GLOBAL = ['-v', 'info', '-stats_period', '0.5', '-copyts'];

/**
 * One encode to every output. A single entry that is not live is written directly (its muxer options
 * as output options, the format last); otherwise the tee muxer writes each entry from the same encode.
 * With a live output the encode is Jibri's streaming one (zerolatency, fixed GOP, capped bitrate).
 * An entry whose output watches its own link is marked onfail=ignore when there are others, so its
 * broken write never stops them (a stream's channel breaking leaves the local copy going).
 */
export function encodeSpec(enc: EncodingConfig, src: CaptureInput, all: readonly MuxerEntry[], live?: StreamEncoding): FfmpegSpec {
  // An output with an encode of its own (thumbnails) runs in an ffmpeg of its own (ownEncodeSpec).
  const entries = all.filter((e) => !e.ownEncode);
  const audioOnly = entries.length > 0 && entries.every((e) => e.audioOnly);
  const inputs = captureInputs(enc, src, audioOnly);
  const shared = sharedMaps(audioOnly, inputs);
  const [only] = entries;
  if (!only) throw new Error('an encode needs at least one output that takes the shared encode');
  const base = { global: GLOBAL, inputs, ...(audioOnly ? { audioOnly } : { clock: clockBranch(enc) }) };
  // Segmented outputs (HLS) cut at key frames: one every interval, at the timestamps themselves.
  const keyInterval = Math.min(...entries.map((e) => e.keyframeIntervalSec ?? Infinity));
  const keyFrames = Number.isFinite(keyInterval) && !audioOnly ? ['-force_key_frames', `expr:gte(t,n_forced*${keyInterval})`] : [];
  const codec = audioOnly ? ['-vn'] : [...codecOptions(enc, live ? live.preset : enc.presetRecording), ...keyFrames];
  if (!live && entries.length === 1) {
    const { f, ...rest } = only.options;
    return {
      ...base,
      output: { options: [...shared, ...codec, ...Object.entries(rest).flatMap(([k, v]) => [`-${k}`, v]), ...(f ? ['-f', f] : [])], target: only.target },
    };
  }
  const liveOptions = live && !audioOnly
    ? ['-tune', 'zerolatency', '-g', String(live.gopSize), '-maxrate', `${live.maxBitrateKbps}k`, '-bufsize', `${live.maxBitrateKbps * 2}k`]
    : [];
  const slaves = entries.map((e) =>
    teeSlave({ ...e.options, ...(e.watchesItself && entries.length > 1 ? { onfail: 'ignore' } : {}), ...(e.audioOnly && !audioOnly ? { select: 'a' } : {}) }, e.target),
  );
  return {
    ...base,
    output: {
      options: [
        ...shared,
        ...codec,
        ...liveOptions,
        // FLV and MP4 both want the codec headers up front; the tee cannot ask each output for them.
        '-flags', '+global_header',
        '-f', 'tee',
      ],
      target: slaves.join('|'),
    },
  };
}

/**
 * An output with an encode of its own (thumbnails) runs in an ffmpeg of its own that grabs the screen once
 * a second (the shortest interval). It was a branch of the session's ffmpeg, which (5.1) reads next for
 * the output furthest behind and waits while that output's input has nothing new: an output that writes
 * a frame every few seconds held the others back, so the sound was read only up to the last thumbnail,
 * and at the stop its last seconds (two intervals) were lost, in every session with thumbnails.
 */
export function ownEncodeSpec(enc: EncodingConfig, display: string, e: MuxerEntry): FfmpegSpec {
  if (!e.ownEncode) throw new Error('ownEncodeSpec: the entry has no encode of its own');
  const { f, ...rest } = e.options;
  return {
    global: ['-v', 'info', '-stats_period', '0.5'],
    inputs: [{ format: 'x11grab', options: ['-draw_mouse', '0', '-framerate', '1', '-video_size', `${enc.width}x${enc.height + CLOCK_ROWS}`], source: `${display}.0+0,0` }],
    output: {
      options: ['-map', '0:v', '-vf', `${pictureCrop(enc)},${e.ownEncode.filter}`, ...e.ownEncode.codec, ...Object.entries(rest).flatMap(([k, v]) => [`-${k}`, v]), ...(f ? ['-f', f] : [])],
      target: e.target,
    },
  };
}

/** The recorded picture: the grab without the frame clock's rows. */
function pictureCrop(enc: EncodingConfig): string {
  return `crop=${enc.width}:${enc.height}:0:0`;
}

/** The frame clock's rows of every grab with the grab's time, raw grey to standard output. */
function clockBranch(enc: EncodingConfig): FfmpegOutput {
  return {
    options: ['-map', '0:v', '-vf', clockFilter(enc.width, enc.height), '-fps_mode', 'passthrough', '-f', 'rawvideo'],
    target: 'pipe:1',
  };
}

/**
 * One `[opt=value:...]target` entry of the tee muxer's output list. The option values are ours (no
 * separators in them); the target is unescaped once by the tee's list split, so its `\\`, `'` and `|`
 * are escaped once.
 */
export function teeSlave(options: Record<string, string>, target: string): string {
  const opts = Object.entries(options).map(([k, v]) => `${k}=${v}`).join(':');
  return `[${opts}]${target.replace(/[\\'|]/g, (c) => `\\${c}`)}`;
}

/**
 * Both tracks start at the origin. Fragmented MP4 has no edit list to say that a track starts late, so
 * a track that starts after zero would be played from zero, earlier than it was captured: the sound is
 * padded with silence from zero (first_pts), the first frame is shown from zero (videoFilter). After that,
 * async=1000 keeps the sound on its timestamps by stretching it up to 1000 samples a second (Jibri's
 * async=1 allows one, too little to follow the sink's clock).
 */
export const AUDIO_FILTER = 'aresample=async=1000:first_pts=0';

/**
 * A recording with no picture has nothing to keep in step with, so its sound is never stretched: it
 * follows the pulse input's stamps only where they are more than half a second away from its samples,
 * with silence or a cut. Stretching towards them, as AUDIO_FILTER does, bent the pitch by up to 2.3 %
 * while a busy host's stamps jittered (a 440 Hz tone measured 9.8 Hz off); following them past 0.1 s
 * (Jibri's async=1) left it 3 Hz off once in the full test run's load: cuts and pads where the stamps
 * jittered more than that. They are followed at all because the samples alone lost time once: a session's
 * file came out 2 s short of the time it recorded, a stretch the input skipped.
 */
export const AUDIO_ONLY_FILTER = 'aresample=async=1:min_hard_comp=0.5:first_pts=0';

/**
 * The grab keeps a schedule of one frame per period from the moment it opened; a grab that fell behind
 * (ffmpeg still opening its encoder, a busy core) catches up with frames a few ms apart, the same picture
 * again. Those are dropped: a frame is kept when it comes at least CATCH_UP_GAP of a period after the last
 * kept one, so the file is never denser than its frame rate, while the grab's ordinary jitter (a ms or
 * two) never drops a frame. Then the first frame is shown from zero.
 */
const CATCH_UP_GAP = 0.75;
export function videoFilter(framerate: number): string {
  const minGapSec = (CATCH_UP_GAP / framerate).toFixed(4);
  return `select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,${minGapSec}),setpts=if(eq(N\\,0)\\,0\\,PTS)`;
}

/** The flat argv, in the order ffmpeg reads it; used for logs and to run the bare pipeline in the bench. */
export function toArgv(spec: FfmpegSpec): string[] {
  return [
    ...spec.global,
    ...spec.inputs.flatMap((i) => ['-f', i.format, ...i.options, '-i', i.source]),
    '-y',
    ...spec.output.options,
    spec.output.target,
    ...(spec.clock ? [...spec.clock.options, spec.clock.target] : []),
  ];
}

/** Stream copy of a finished fragmented MP4 into an ordinary one with its index at the front. */
export function remuxArgv(input: string, output: string): string[] {
  return ['-v', 'error', '-nostdin', '-y', '-i', input, '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', output];
}
