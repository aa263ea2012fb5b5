/**
 * What an output kind is to the rest of the recorder: one descriptor per kind, in the kind's own folder
 * (`<kind>/kind.ts`), listed once in kinds.ts. The edges parse requests through it, the recorder checks
 * its rules, the session makes its outputs, delivery takes the files it leaves, the HTTP API serves what
 * it serves: nothing outside lib/output names a kind.
 */
import type { Config } from '../config';
import type { RecorderError } from '../errors';
import type { Output } from './output';

/** Every output request names its kind; the rest is the kind's own. */
export interface BaseRequest {
  kind: string;
}

/** A field of a request that is wrong, and why; never its value (a URL may hold a stream key). */
export interface FieldError {
  field: string;
  message: string;
}

/** The start IQ's attributes for Jibri's one output (beside recording_mode), and the operator's rule for it. */
export interface JibriIqFields {
  streamId?: string;
  youTubeBroadcastId?: string;
  /** The operator records Jicofo's file recordings as sound alone (JIBRI_XMPP_AUDIO_ONLY). */
  audioOnly: boolean;
}

/** How Jibri's own protocol asks for a kind: its mode word, and its fields over HTTP and XMPP. */
export interface JibriWire<R extends BaseRequest> {
  /** startService's `sinkType`, the IQ's `recording_mode`. */
  mode: 'file' | 'stream';
  /** startService's fields that belong to this output (refused beside an `outputs` list). */
  httpFields: readonly string[];
  /** startService's body into its request, or field errors. */
  fromHttp(body: Readonly<Record<string, unknown>>, errors: FieldError[]): R | undefined;
  /** The start IQ's attributes into its request, or why no recorder could serve them. */
  fromIq(iq: JibriIqFields): { ok: true; request: R } | { ok: false; why: string };
}

/** What one session's outputs are made from. */
export interface OutputPlan {
  /** The session's media file (Jibri's layout). */
  mediaFile: string;
  /** The session's folder (default: the media file's). */
  sessionDir?: string;
  /** Each kind reads its own settings. */
  config: Config;
}

/** One session's outputs while they are made. */
export interface SessionOutputs {
  readonly plan: OutputPlan;
  /** The session's folder. */
  readonly dir: string;
  /** Every output of the session made so far; the list stays the session's (a kind may look at it later). */
  readonly outputs: readonly Output[];
  /** One object per session and key, made on first use (the RTMP destinations' one channel). */
  shared<T>(key: string, make: () => T): T;
}

/** A file a kind leaves in the session's folder, delivered with the recording. */
export interface DeliveredFile {
  role: string;
  /** Its path in the session's folder, which is also its name in the store. */
  name: string;
  path: string;
}

/** How the HTTP API answers one request for what an output serves. */
export type ServedAnswer =
  | { file: string; type: string; cache: string }
  | { text: string; type: string; cache: string }
  | { missing: string; retryable?: boolean };

/** One route under `/sessions/{id}/`, answered from the session's output of the kind. */
export interface ServedRoute {
  /** Express's path syntax, e.g. `hls/:file`, `thumbnail.jpg`. */
  path: string;
  /** The answer; `viewerToken` is set when the reader came with the session's viewer token in the query. */
  answer(output: Output, params: Readonly<Record<string, string>>, viewerToken: string | undefined): Promise<ServedAnswer>;
}

/** A file the viewer page loads, served by the HTTP API beside every session's page (the player's scripts). */
export interface ViewerAsset {
  name: string;
  type: string;
  /** Its content, or the file that holds it; called once, when the HTTP API is built. */
  body(): { file: string } | { text: string };
}

/**
 * A player for viewers: links in the start answer and at `/sessions/{id}/<path>/access`; the page under
 * `<path>/` plays `playlist` with the output's viewer token.
 */
export interface ViewerSpec {
  path: string;
  playlist: string;
  /** The page's HTML; `assets` is where the HTTP API serves `assets`' files. It holds nothing of the session. */
  page(assets: string): string;
  /** The page's Content-Security-Policy. */
  csp: string;
  assets: readonly ViewerAsset[];
}

/** What a kind serves over the HTTP API while its session runs. */
export interface ServedSpec {
  routes: readonly ServedRoute[];
  viewer?: ViewerSpec;
}

/** What may change while a session records, for the kinds that can join a running encode. */
export interface LiveChanges<R extends BaseRequest> {
  /** The output added now, or why it cannot be; `current` is every output the session has had, `active` those it has now. */
  add(r: R, current: readonly Output[], active: readonly Output[], config: Config): { ok: true; output: Output } | { ok: false; error: RecorderError };
  /** Why this output cannot be removed now, or undefined. */
  removalRefusal(output: Output): RecorderError | undefined;
  /** Takes a removed output off the running encode. */
  close(output: Output): Promise<void>;
}

export interface OutputKindSpec<R extends BaseRequest> {
  /** The kind's name: the HTTP API's `type`, JIBRI_EXTRA_OUTPUTS' word. */
  readonly kind: R['kind'];
  /** How health and the output ids have always named it, when that is not `kind`. */
  readonly shownKind?: string;
  /** The fields of its HTTP `outputs` entry besides `type`; any other is refused. */
  readonly fields: readonly string[];
  /** Its HTTP `outputs` entry; errors name fields (`<field>.<name>`), never values. */
  parse(entry: Readonly<Record<string, unknown>>, field: string, errors: FieldError[]): R | undefined;
  /** The request JIBRI_EXTRA_OUTPUTS adds to every session; absent when each request must say more. */
  readonly everySession?: R;
  /** At most one per session (it writes one fixed place of the session's folder). */
  readonly onePerSession: boolean;
  /** Its rules over the session's requests, with its settings from the configuration. */
  refusal?(mine: readonly R[], all: readonly BaseRequest[], config: Config): RecorderError | undefined;
  /** It makes the session live: Jibri's `stream` mode, and the streaming encode. */
  readonly live: boolean;
  /** It takes the meeting's sound alone: a session whose every output does captures no picture. */
  soundOnly?(r: R): boolean;
  /** It records the meeting's mix from the encode (a file, a stream, HLS). */
  readonly recordsMix?: boolean;
  /**
   * It records from the meeting page, not the encode (each participant's sound): it has no say in what
   * the capture takes, and goes beside an output that records the mix, whose timeline it places itself on.
   */
  readonly fromPage?: boolean;
  /** How Jibri's own protocol asks for it (the file recording, the stream). */
  readonly jibri?: JibriWire<R>;
  create(r: R, id: string, session: SessionOutputs): Output;
  /**
   * Once every requested output is made, in the order kinds.ts lists the kinds: outputs it adds (the
   * streams' local copy), and what it learns of the others (the tracks' mix).
   */
  complete?(session: SessionOutputs): Output[];
  /** Present when it can be added and removed while the session records. */
  readonly liveChanges?: LiveChanges<R>;
  /** The files it leaves in the session's folder, delivered with the recording. */
  readonly delivery?: {
    /** `mediaName`: the recording they go with (a session folder may hold a second recording's). */
    files(sessionDir: string, mediaName: string): DeliveredFile[];
    /** Whether a journal entry's file name is one it writes (an entry is trusted for nothing else). */
    owns(name: string): boolean;
    /** Roles of files delivered but not announced or listed on their own (the playlist names its segments). */
    readonly partRoles: readonly string[];
  };
  readonly served?: ServedSpec;
}
