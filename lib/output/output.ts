/**
 * Where one encode goes. A session holds a list of outputs; each kind is one module that owns everything
 * about its destination: the request fields (`OutputRequest`), the rules a request must pass, the
 * secrets it registers for redaction, its entry in ffmpeg's output list, and the watching of its link.
 * The session and the pipeline treat every output alike through the `Output` interface; the one place
 * that knows the kinds is lib/output/outputs.ts.
 *
 * Kinds: a file (video, or the sound alone as `.m4a`), any number of RTMP(S) streams (they share one FLV
 * entry of the encode, stream/stream-output.ts, and can be added and removed while the session records),
 * HLS (segments and a playlist served while live), thumbnails (a JPEG every N seconds). A new kind is a
 * new module and a line in outputs.ts.
 */
import type { EventEmitter } from 'node:events';
import type { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { FanOutOpener } from './stream/fan-out';

/** What an output gets when it opens: the session's log, and where the session's media work runs. */
export interface OpenContext {
  log: Logger;
  /** Opens the session's stream fan-out (in its media worker: lib/pipeline/worker/). */
  openFanOut: FanOutOpener;
}

export type OutputKind = 'file' | 'stream' | 'hls' | 'thumbnails';

/** A recording to a file in the session's folder (Jibri's layout). */
export interface FileOutputRequest {
  kind: 'file';
  /** The meeting's sound alone, AAC in an `.m4a`: no picture is captured or encoded. */
  audioOnly?: boolean;
}

/** HLS segments and a playlist in the session's folder, served by the service while live. */
export interface HlsOutputRequest {
  kind: 'hls';
}

/** A JPEG of the meeting every `intervalSec` seconds beside the recording. */
export interface ThumbnailsOutputRequest {
  kind: 'thumbnails';
  intervalSec: number;
}

/** A live stream to an RTMP(S) ingest. */
export interface StreamOutputRequest {
  kind: 'stream';
  /** Full RTMP(S) URL, stream key included. A secret: never logged. */
  rtmpUrl: string;
  /** Where viewers watch the stream, published as `live-stream-view-url`. */
  viewingUrl?: string;
  username?: string;
  password?: string;
}

/** What an edge asks for, parsed from its own wire format (lib/http/bodies.ts, lib/xmpp/start-request.ts). */
export type OutputRequest = FileOutputRequest | StreamOutputRequest | HlsOutputRequest | ThumbnailsOutputRequest;

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
   * The entry is not written from the shared encode but from its own cheap branch of the captured picture
   * (thumbnails: a few scaled JPEGs): its video filters (after the capture's own cropping) and codec options.
   */
  ownEncode?: { filter: string; codec: string[] };
}

/** What health and events show of one output: never a key, a password or a full stream URL. */
export interface OutputSummary {
  kind: OutputKind;
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
  /**
   * Gets ready for the encoder (a private channel, connections to the ingest started in parallel with
   * ffmpeg's start) and says where ffmpeg writes; undefined when the output rides on an entry another
   * output of the session opened (every RTMP destination shares the one FLV entry).
   */
  open(ctx: OpenContext): Promise<MuxerEntry | undefined>;
  summary(): OutputSummary;
  /** Before the encoder is stopped: the end of its writes is then no failure. */
  expectEnd(): void;
  /** After the encoder stopped: what the output still holds reaches its destination; idempotent. */
  finish(): Promise<void>;
}
