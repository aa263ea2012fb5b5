/**
 * Where one encode goes. A session holds a list of outputs; each kind is a folder that owns everything
 * about its destination: its descriptor (`<kind>/kind.ts`: its request and how the edges parse it, its
 * rules, what it leaves for delivery and serves over HTTP; see kind.ts), the secrets it registers for
 * redaction, its entry in ffmpeg's output list, and the watching of its link. The session and the
 * pipeline treat every output alike through the `Output` interface; kinds.ts lists the kinds.
 *
 * Kinds: a file (video, or the sound alone as `.m4a`), any number of RTMP(S) destinations (they share one
 * FLV entry of the encode, rtmp/rtmp-output.ts, and can be added and removed while the session records),
 * HLS (segments and a playlist served while live), thumbnails (a JPEG every N seconds), tracks (each
 * participant's sound on its own, from the meeting page).
 */
import type { EventEmitter } from 'node:events';
import type { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { MixTimeline, ParticipantAudioSink } from './participant-audio';
import type { FanOutOpener } from './rtmp/fan-out';

/** What an output gets when it opens: the session's log, where its media work runs, the mix's timeline. */
export interface OpenContext {
  log: Logger;
  /** Opens the session's stream fan-out (in its media worker: lib/pipeline/worker/). */
  openFanOut: FanOutOpener;
  /** The mixed recording's timeline, for outputs that place something of their own on it (tracks). */
  timeline: MixTimeline;
}

import type { OutputKind } from './kinds';

export type { OutputKind, OutputRequest } from './kinds';

/**
 * One entry of ffmpeg's output list: muxer options (`f` is the format) and the target. Several entries
 * are written by the tee muxer from the one encode; a single file is written directly.
 */
export interface MuxerEntry {
  options: Record<string, string>;
  target: string;
  /**
   * The output watches its own link and reports its failure itself (a stream), so a broken write must
   * not abort the other outputs of the same encode (the tee's onfail=ignore). A file's write error
   * (a full disk) ends the encode, as Jibri's does.
   */
  watchesItself?: boolean;
  /** The entry takes the sound alone (an audio-only file); when every entry does, no picture is captured. */
  audioOnly?: boolean;
  /** The entry cuts its media at key frames this many seconds apart (HLS segments): the encode makes them. */
  keyframeIntervalSec?: number;
  /**
   * The entry is not written from the shared encode but by an ffmpeg of its own that grabs the screen
   * (thumbnails: a few scaled JPEGs): its video filters (after the capture's own cropping) and codec options.
   */
  ownEncode?: { filter: string; codec: string[] };
}

/** What health and events show of one output: never a key, a password or a full stream URL. */
export interface OutputSummary {
  /** The kind as health has always named it (`stream` for an RTMP destination). */
  kind: string;
  /** The destination as people may see it: a file path, or rtmp://host/app/****. */
  shownAs: string;
  /** The link to a remote destination: connecting, live, reconnecting, failed (with why). */
  link?: { state: string; reconnects: number; error?: string };
  viewingUrl?: string;
}

/** Files an output serves over the HTTP API while the session runs (HLS, the latest thumbnail). */
export interface ServedFiles {
  /** The folder they are in. */
  dir: string;
  /** A per-session token that also lets viewers read them (HLS). A secret: never logged. */
  viewerToken?: string;
}

export interface OutputEvents {
  /** The output cannot go on (an ingest refused the stream, a link was lost for too long). */
  failure: [error: RecorderError];
}

export interface Output extends Pick<EventEmitter<OutputEvents>, 'on' | 'off' | 'once'> {
  readonly kind: OutputKind;
  /** Unique within the session. */
  readonly id: string;
  /** How logs name it: `recording`, `a local copy`, `stream to rtmp://host/app/****`. */
  readonly title: string;
  /** Whether this output asks for the live encode (zerolatency, fixed GOP, capped bitrate). */
  readonly live: boolean;
  /** The file this output leaves in the session's folder, to be finalized and delivered; none for a stream. */
  readonly mediaFile?: string;
  /** Fields for the conference presence that tell the meeting about this output (the viewing URL). */
  readonly presence: Record<string, string>;
  /** What this output serves over HTTP while live, if anything. */
  readonly served?: ServedFiles;
  /** Set when the output takes each participant's sound from the meeting page rather than from the encode. */
  readonly participantAudio?: ParticipantAudioSink;
  /**
   * Gets ready for the encoder (a private channel, connections to the ingest started in parallel with
   * ffmpeg's start) and says where ffmpeg writes; undefined when the output rides on an entry another
   * output of the session opened (every RTMP destination shares the one FLV entry), or takes nothing of
   * the encode.
   */
  open(ctx: OpenContext): Promise<MuxerEntry | undefined>;
  summary(): OutputSummary;
  /** Before the encoder is stopped: the end of its writes is then no failure. */
  expectEnd(): void;
  /** After the encoder stopped: what the output still holds reaches its destination; idempotent. */
  finish(): Promise<void>;
  /**
   * When the session is finalized, before its finalize script runs: files the output derives from what it
   * recorded (the tracks' timeline, subtitles, a combined file). Never rejects; a failure is logged.
   */
  finalize?(log: Logger): Promise<void>;
}
