/**
 * The one place that knows every output kind: which rules a request must pass before a session starts,
 * which outputs a session gets for its requests, which kinds the operator may add to every session, and
 * which outputs may be added and removed while a session records. Everything else works through `Output`.
 */
import * as path from 'node:path';
import { RecorderError } from '../errors';
import { audioOnlyFile, FileOutput } from './file/file-output';
import { HlsOutput } from './hls/hls-output';
import type { Output, OutputKind, OutputRequest, StreamOutputRequest } from './output';
import { streamUrlRefusal } from './stream/rules';
import { StreamChannel, StreamOutput, type StreamOutputSettings } from './stream/stream-output';
import { ThumbnailsOutput } from './thumbnails/thumbnails-output';

/** The most outputs one session may have: each destination is a connection and a queue in this process. */
export const MAX_OUTPUTS = 10;

/**
 * Kinds the operator may add to every session (JIBRI_EXTRA_OUTPUTS): those that need nothing from the
 * request. A file is the recording (a stream session then also records, and goes on if its streams fail).
 */
export const EXTRA_OUTPUT_KINDS: readonly string[] = ['file', 'hls', 'thumbnails'];

/** Kinds a session can take while it records: an RTMP destination joins the encode's running FLV channel. */
export const LIVE_KINDS: readonly OutputKind[] = ['stream'];

export interface OutputRules {
  /** JIBRI_STREAMING_RTMP_ALLOW_LIST: patterns a stream URL must fully match (none: any). */
  streamAllowList: readonly string[];
}

/** Why a request cannot be served by any recorder with these rules, or undefined when it can. */
export function outputRefusal(requests: readonly OutputRequest[], rules: OutputRules): RecorderError | undefined {
  const refuse = (message: string): RecorderError => new RecorderError({ code: 'BAD_REQUEST', message, retryable: false });
  if (requests.length === 0) return refuse('A session needs at least one output');
  if (requests.length > MAX_OUTPUTS) return refuse(`A session may have at most ${MAX_OUTPUTS} outputs`);
  // Each of these writes one fixed place in the session's folder (Jibri's layout has one media file).
  for (const kind of ['file', 'hls', 'thumbnails'] as const) {
    if (requests.filter((r) => r.kind === kind).length > 1) {
      return new RecorderError({ code: 'BAD_REQUEST', message: `A session has at most one "${kind}" output`, hint: 'Ask for it once in outputs', retryable: false });
    }
  }
  const urls = new Set<string>();
  for (const r of requests) {
    if (r.kind !== 'stream') continue;
    const refusal = streamUrlRefusal(r.rtmpUrl, rules.streamAllowList);
    if (refusal) return refusal;
    // Two publishes of one key fight at the ingest; the URL itself is a secret and is not quoted.
    if (urls.has(r.rtmpUrl)) return refuse('Two stream outputs have the same URL');
    urls.add(r.rtmpUrl);
  }
  return undefined;
}

/**
 * Problems with JIBRI_EXTRA_OUTPUTS, checked at start-up: a kind this recorder does not have, or one that
 * needs fields from each request (a stream needs its URL).
 */
export function extraOutputsProblem(kinds: readonly string[]): string | undefined {
  for (const kind of kinds) {
    if (kind === 'rtmp' || kind === 'stream') return `JIBRI_EXTRA_OUTPUTS: "${kind}" needs a URL per session and cannot be added to every session; send it in the start request's outputs`;
    if (!EXTRA_OUTPUT_KINDS.includes(kind)) return `JIBRI_EXTRA_OUTPUTS: "${kind}" is not an output kind this recorder has (it has: ${EXTRA_OUTPUT_KINDS.join(', ')})`;
  }
  return undefined;
}

/** A session's requests with the operator's extra outputs, each kind once. */
export function withExtraOutputs(requests: readonly OutputRequest[], extras: readonly string[]): OutputRequest[] {
  const out = [...requests];
  for (const kind of extras) {
    if (out.some((r) => r.kind === kind)) continue;
    if (kind === 'file' || kind === 'hls') out.push({ kind });
    // The API's default interval (http/outputs-body.ts).
    else if (kind === 'thumbnails') out.push({ kind, intervalSec: 10 });
  }
  return out;
}

/** The id of a stream's local copy (JIBRI_STREAMING_LOCAL_COPY). */
const LOCAL_COPY = 'local-copy';

export interface OutputPlan {
  /** The session's media file (Jibri's layout), for file outputs and a stream's local copy. */
  mediaFile: string;
  /** The session's folder (default: the media file's): HLS and thumbnails go in folders inside it. */
  sessionDir?: string;
  stream: StreamOutputSettings;
  /** JIBRI_STREAMING_LOCAL_COPY: a stream is also written to the media file, from the same encode. */
  streamLocalCopy: boolean;
}

/**
 * The outputs of one session, in ffmpeg's order. One file per session (Jibri's layout has one media
 * file): a file request, or a stream's local copy. Every stream shares the session's one channel.
 */
export function createOutputs(requests: readonly OutputRequest[], plan: OutputPlan): Output[] {
  const outputs: Output[] = [];
  // A local copy follows the stream (Jibri's rule: the stream failing fails the session); other outputs stand alone.
  const standsAlone = (o: Output): boolean => o.kind !== 'stream' && o.id !== LOCAL_COPY;
  const channel = new StreamChannel(plan.stream, () => outputs.some(standsAlone));
  requests.forEach((r, i) => outputs.push(createOutput(r, `${r.kind}-${i + 1}`, plan, channel)));
  const hasFile = outputs.some((o) => o.mediaFile);
  if (plan.streamLocalCopy && !hasFile && outputs.some((o) => o.kind === 'stream')) outputs.push(new FileOutput(LOCAL_COPY, plan.mediaFile, 'a local copy'));
  return outputs;
}

function createOutput(r: OutputRequest, id: string, plan: OutputPlan, channel: StreamChannel): Output {
  switch (r.kind) {
    case 'file':
      return r.audioOnly ? new FileOutput(id, audioOnlyFile(plan.mediaFile), 'audio recording', true) : new FileOutput(id, plan.mediaFile);
    case 'stream':
      return new StreamOutput(id, r, channel);
    case 'hls':
      return new HlsOutput(id, plan.sessionDir ?? path.dirname(plan.mediaFile));
    case 'thumbnails':
      return new ThumbnailsOutput(id, plan.sessionDir ?? path.dirname(plan.mediaFile), r.intervalSec);
  }
}

/** A session whose outputs all take the sound alone captures no picture (an audio-only recording). */
export function audioOnlySession(requests: readonly OutputRequest[]): boolean {
  return requests.length > 0 && requests.every((r) => r.kind === 'file' && r.audioOnly);
}

/**
 * An output added while the session records, or why it cannot be. `current` is every output the session
 * has had (ids are never reused). Only RTMP destinations can join a running encode, and only a session
 * whose encode writes the stream channel (one started with a stream) has one to join: a file, HLS or any
 * other kind changes ffmpeg's output list, which a running ffmpeg cannot.
 */
export function liveOutput(request: OutputRequest, current: readonly Output[], active: readonly Output[], rules: OutputRules): { ok: true; output: Output } | { ok: false; error: RecorderError } {
  const refuse = (message: string, hint?: string): { ok: false; error: RecorderError } => ({
    ok: false,
    error: new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message, retryable: false, ...(hint ? { hint } : {}) }),
  });
  if (!LIVE_KINDS.includes(request.kind)) return refuse(`A ${request.kind} output cannot be added while the session records`, 'Only RTMP destinations can be added live; start the session with the outputs it needs');
  const stream = request as StreamOutputRequest;
  const refusal = outputRefusal([stream], rules);
  if (refusal) return { ok: false, error: refusal };
  if (active.length + 1 > MAX_OUTPUTS) return refuse(`A session may have at most ${MAX_OUTPUTS} outputs`);
  if (active.some((o) => o instanceof StreamOutput && o.url === stream.rtmpUrl)) return refuse('The session already streams to this URL');
  const channel = current.find((o): o is StreamOutput => o instanceof StreamOutput)?.channel;
  if (!channel?.running) {
    return refuse(
      channel ? 'The session is not recording yet' : 'This session has no stream to add a destination to',
      channel ? 'Try again once the session records' : 'Start the session with an rtmp output (or sinkType "stream") to add destinations while it records',
    );
  }
  const numbers = current.map((o) => Number(/-(\d+)$/.exec(o.id)?.[1] ?? 0));
  const output = new StreamOutput(`stream-${Math.max(0, ...numbers) + 1}`, stream, channel);
  output.openLive();
  return { ok: true, output };
}

/**
 * Why an output cannot be removed while the session records, or undefined when it can. An RTMP
 * destination can go as long as something else of the session still works; the recording (and any
 * other kind) stays until the session stops. The last working output of a session is refused rather
 * than leaving an encode that goes nowhere: stopService ends the session.
 */
export function removalRefusal(output: Output): RecorderError | undefined {
  const refuse = (message: string, hint: string): RecorderError => new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message, retryable: false, hint });
  if (!(output instanceof StreamOutput)) return refuse(`The ${output.title} cannot be removed while the session records`, 'Only RTMP destinations can be removed live; stop the session with stopService');
  if (!output.channel.worksWithout(output.id)) return refuse('This is the last working output of the session', 'Stop the session with stopService instead');
  return undefined;
}

/** Unpublishes a removed output (an RTMP destination leaves the channel; the encode goes on). */
export async function closeLiveOutput(output: Output): Promise<void> {
  if (output instanceof StreamOutput) await output.close();
}

/**
 * Jibri's one word for a session's destination (`recording_mode`, `sinkType`, the presence `mode`): a
 * session with a live output is a stream, else a file recording.
 */
export function sessionMode(requests: readonly OutputRequest[]): 'file' | 'stream' {
  return requests.some((r) => r.kind === 'stream') ? 'stream' : 'file';
}
