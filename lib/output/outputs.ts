/**
 * The one place that knows every output kind: which rules a request must pass before a session starts,
 * and which outputs a session gets for its requests. Everything else works through `Output`.
 */
import type { RecorderError } from '../errors';
import { FileOutput } from './file/file-output';
import type { Output, OutputKind, OutputRequest } from './output';
import { streamUrlRefusal } from './stream/rules';
import { StreamOutput, type StreamOutputSettings } from './stream/stream-output';

export interface OutputRules {
  /** JIBRI_STREAMING_RTMP_ALLOW_LIST: patterns a stream URL must fully match (none: any). */
  streamAllowList: readonly string[];
}

/** Why a request cannot be served by any recorder with these rules, or undefined when it can. */
export function outputRefusal(requests: readonly OutputRequest[], rules: OutputRules): RecorderError | undefined {
  for (const r of requests) {
    const refusal = r.kind === 'stream' ? streamUrlRefusal(r.rtmpUrl, rules.streamAllowList) : undefined;
    if (refusal) return refusal;
  }
  return undefined;
}

export interface OutputPlan {
  /** The session's media file (Jibri's layout), for file outputs and a stream's local copy. */
  mediaFile: string;
  stream: StreamOutputSettings;
  /** JIBRI_STREAMING_LOCAL_COPY: a stream is also written to the media file, from the same encode. */
  streamLocalCopy: boolean;
}

/**
 * The outputs of one session, in ffmpeg's order. One file per session today (Jibri's layout has one
 * media file): a file request, or a stream's local copy.
 */
export function createOutputs(requests: readonly OutputRequest[], plan: OutputPlan): Output[] {
  const outputs: Output[] = requests.map((r, i) => (r.kind === 'file' ? new FileOutput(`file-${i + 1}`, plan.mediaFile) : new StreamOutput(`stream-${i + 1}`, r, plan.stream)));
  const hasFile = outputs.some((o) => o.mediaFile);
  if (plan.streamLocalCopy && !hasFile && outputs.some((o) => o.kind === 'stream')) outputs.push(new FileOutput('local-copy', plan.mediaFile, 'a local copy'));
  return outputs;
}

/**
 * Jibri's one word for a session's destination (`recording_mode`, `sinkType`, the presence `mode`): a
 * session with a live output is a stream, else a file recording.
 */
export function sessionMode(requests: readonly OutputRequest[]): OutputKind {
  return requests.some((r) => r.kind === 'stream') ? 'stream' : 'file';
}
