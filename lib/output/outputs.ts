/**
 * The one place that knows every output kind: which rules a request must pass before a session starts,
 * and which outputs a session gets for its requests. Everything else works through `Output`.
 */
import * as path from 'node:path';
import { RecorderError } from '../errors';
import { audioOnlyFile, FileOutput } from './file/file-output';
import { HlsOutput } from './hls/hls-output';
import type { Output, OutputRequest } from './output';
import { streamUrlRefusal } from './stream/rules';
import { StreamOutput, type StreamOutputSettings } from './stream/stream-output';
import { ThumbnailsOutput } from './thumbnails/thumbnails-output';

export interface OutputRules {
  /** JIBRI_STREAMING_RTMP_ALLOW_LIST: patterns a stream URL must fully match (none: any). */
  streamAllowList: readonly string[];
}

/** Why a request cannot be served by any recorder with these rules, or undefined when it can. */
export function outputRefusal(requests: readonly OutputRequest[], rules: OutputRules): RecorderError | undefined {
  // Each of these writes one fixed place in the session's folder (Jibri's layout has one media file).
  for (const kind of ['file', 'hls', 'thumbnails'] as const) {
    if (requests.filter((r) => r.kind === kind).length > 1) {
      return new RecorderError({ code: 'BAD_REQUEST', message: `A session has at most one "${kind}" output`, hint: 'Ask for it once in outputs' });
    }
  }
  for (const r of requests) {
    const refusal = r.kind === 'stream' ? streamUrlRefusal(r.rtmpUrl, rules.streamAllowList) : undefined;
    if (refusal) return refusal;
  }
  return undefined;
}

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
 * The outputs of one session, in ffmpeg's order. One file per session today (Jibri's layout has one
 * media file): a file request, or a stream's local copy.
 */
export function createOutputs(requests: readonly OutputRequest[], plan: OutputPlan): Output[] {
  const outputs: Output[] = requests.map((r, i) => createOutput(r, `${r.kind}-${i + 1}`, plan));
  const hasFile = outputs.some((o) => o.mediaFile);
  if (plan.streamLocalCopy && !hasFile && outputs.some((o) => o.kind === 'stream')) outputs.push(new FileOutput('local-copy', plan.mediaFile, 'a local copy'));
  return outputs;
}

function createOutput(r: OutputRequest, id: string, plan: OutputPlan): Output {
  switch (r.kind) {
    case 'file':
      return r.audioOnly ? new FileOutput(id, audioOnlyFile(plan.mediaFile), 'audio recording', true) : new FileOutput(id, plan.mediaFile);
    case 'stream':
      return new StreamOutput(id, r, plan.stream);
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
 * Jibri's one word for a session's destination (`recording_mode`, `sinkType`, the presence `mode`): a
 * session with a live output is a stream, else a file recording.
 */
export function sessionMode(requests: readonly OutputRequest[]): 'file' | 'stream' {
  return requests.some((r) => r.kind === 'stream') ? 'stream' : 'file';
}
