/**
 * The session's outputs over every kind (kinds.ts lists them, each kind's descriptor says what it is):
 * the rules a request must pass before a session starts, the outputs a session gets, what the operator
 * may add to every session, what may change while a session records, Jibri's word for a session, and
 * what the kinds leave for delivery. Nothing here or outside lib/output names a kind.
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { BaseRequest, DeliveredFile, FieldError, JibriIqFields, OutputKindSpec, OutputPlan, SessionOutputs } from './kind';
import { allKinds, kindSpec, type OutputRequest } from './kinds';
import type { Output } from './output';

export type { OutputPlan } from './kind';

/** The most outputs one session may have: each destination is a connection and a queue in this process. */
export const MAX_OUTPUTS = 10;

function specOf(kind: string): OutputKindSpec<BaseRequest> {
  const spec = kindSpec(kind);
  // A programming error: requests are made by the kinds' own parsers.
  if (!spec) throw new Error(`no output kind "${kind}"`);
  return spec;
}

/** Why a request cannot be served by any recorder with this configuration, or undefined when it can. */
export function outputRefusal(requests: readonly OutputRequest[], config: Config): RecorderError | undefined {
  const refuse = (message: string): RecorderError => new RecorderError({ code: 'BAD_REQUEST', message, retryable: false });
  if (requests.length === 0) return refuse('A session needs at least one output');
  if (requests.length > MAX_OUTPUTS) return refuse(`A session may have at most ${MAX_OUTPUTS} outputs`);
  for (const spec of allKinds()) {
    const mine = requests.filter((r) => r.kind === spec.kind);
    // Each of these writes one fixed place in the session's folder (Jibri's layout has one media file).
    if (spec.onePerSession && mine.length > 1) {
      return new RecorderError({ code: 'BAD_REQUEST', message: `A session has at most one "${spec.kind}" output`, hint: 'Ask for it once in outputs', retryable: false });
    }
  }
  const pageOnly = requests.find((r) => specOf(r.kind).fromPage);
  if (pageOnly && !requests.some((r) => specOf(r.kind).recordsMix)) {
    const mixKinds = allKinds().filter((k) => k.recordsMix).map((k) => `"${k.kind}"`);
    return new RecorderError({
      code: 'BAD_REQUEST',
      message: `A "${pageOnly.kind}" output goes beside an output that records the meeting (${mixKinds.join(', ')}): its timeline is theirs`,
      hint: 'Add {"type": "file"} to outputs',
      retryable: false,
    });
  }
  for (const spec of allKinds()) {
    const mine = requests.filter((r) => r.kind === spec.kind);
    const refusal = mine.length ? spec.refusal?.(mine, requests, config) : undefined;
    if (refusal) return refusal;
  }
  return undefined;
}

/** Kinds the operator may add to every session (JIBRI_EXTRA_OUTPUTS): those that need nothing from the request. */
export function everySessionKinds(): string[] {
  return allKinds().filter((k) => k.everySession).map((k) => k.kind);
}

/**
 * Problems with JIBRI_EXTRA_OUTPUTS, checked at start-up: a kind this recorder does not have, or one that
 * needs fields from each request (a stream needs its URL).
 */
export function extraOutputsProblem(kinds: readonly string[]): string | undefined {
  for (const kind of kinds) {
    const spec = allKinds().find((k) => k.kind === kind || k.shownKind === kind);
    if (spec && !spec.everySession) return `JIBRI_EXTRA_OUTPUTS: "${kind}" needs a URL per session and cannot be added to every session; send it in the start request's outputs`;
    if (!spec || spec.kind !== kind) return `JIBRI_EXTRA_OUTPUTS: "${kind}" is not an output kind this recorder has (it has: ${everySessionKinds().join(', ')})`;
  }
  return undefined;
}

/** A session's requests with the operator's extra outputs, each kind once. */
export function withExtraOutputs(requests: readonly OutputRequest[], extras: readonly string[]): OutputRequest[] {
  const out: OutputRequest[] = [...requests];
  for (const kind of extras) {
    const extra = kindSpec(kind)?.everySession;
    if (extra && !out.some((r) => r.kind === kind)) out.push(extra as OutputRequest);
  }
  return out;
}

/** The prefix of a kind's output ids (`file-1`, `stream-2`...). */
function idPrefix(spec: OutputKindSpec<BaseRequest>): string {
  return spec.shownKind ?? spec.kind;
}

/**
 * The outputs of one session, in ffmpeg's order: one per request, then what a kind adds once all are
 * made (the streams' local copy).
 */
export function createOutputs(requests: readonly OutputRequest[], plan: OutputPlan): Output[] {
  const outputs: Output[] = [];
  const shared = new Map<string, unknown>();
  const session: SessionOutputs = {
    plan,
    dir: plan.sessionDir ?? path.dirname(plan.mediaFile),
    outputs,
    shared: <T>(key: string, make: () => T): T => {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key) as T;
    },
  };
  requests.forEach((r, i) => {
    const spec = specOf(r.kind);
    outputs.push(spec.create(r, `${idPrefix(spec)}-${i + 1}`, session));
  });
  for (const spec of allKinds()) outputs.push(...(spec.complete?.(session) ?? []));
  return outputs;
}

/**
 * A session whose outputs all take the sound alone captures no picture (an audio-only recording); what an
 * output records from the meeting page (each participant's sound) has no say in it.
 */
export function audioOnlySession(requests: readonly OutputRequest[]): boolean {
  const encoded = requests.filter((r) => !specOf(r.kind).fromPage);
  return encoded.length > 0 && encoded.every((r) => specOf(r.kind).soundOnly?.(r) === true);
}

/**
 * Jibri's one word for a session's destination (`recording_mode`, `sinkType`, the presence `mode`): a
 * session with a live output is a stream, else a file recording.
 */
export function sessionMode(requests: readonly OutputRequest[]): 'file' | 'stream' {
  return requests.some((r) => specOf(r.kind).live) ? 'stream' : 'file';
}

function jibriKind(mode: string | undefined): OutputKindSpec<BaseRequest> | undefined {
  return allKinds().find((k) => k.jibri?.mode === mode);
}

/** Jibri's modes (startService's `sinkType`, the IQ's `recording_mode`) this recorder serves. */
export function jibriModes(): string[] {
  return allKinds().flatMap((k) => (k.jibri ? [k.jibri.mode] : []));
}

/**
 * startService's fields of Jibri's one output (refused beside an `outputs` list), each with the kind that
 * reads it and that kind's own `outputs` fields, for the hint.
 */
export function jibriHttpFields(): Array<{ field: string; kind: string; listFields: readonly string[] }> {
  return allKinds().flatMap((k) => (k.jibri?.httpFields ?? []).map((field) => ({ field, kind: k.kind, listFields: k.fields })));
}

/** Jibri's one output from startService's `sinkType` and fields; undefined (with errors) when they are wrong. */
export function jibriHttpOutput(mode: string, body: Readonly<Record<string, unknown>>, errors: FieldError[]): OutputRequest | undefined {
  return jibriKind(mode)?.jibri?.fromHttp(body, errors) as OutputRequest | undefined;
}

/** Jibri's one output from the start IQ's `recording_mode` and attributes, or why no recorder could serve it. */
export function jibriIqOutput(mode: string | undefined, iq: JibriIqFields): { ok: true; request: OutputRequest } | { ok: false; why: string } {
  const wire = jibriKind(mode)?.jibri;
  if (!wire) return { ok: false, why: 'no supported recording_mode' };
  return wire.fromIq(iq) as { ok: true; request: OutputRequest } | { ok: false; why: string };
}

/** The kinds that can join and leave a running session, for hints (`"rtmp"`). */
function liveKindsInWords(): string {
  return allKinds().filter((k) => k.liveChanges).map((k) => `"${k.kind}"`).join(' or ');
}

function changeRefused(message: string, hint: string): { ok: false; error: RecorderError } {
  return { ok: false, error: new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message, retryable: false, hint }) };
}

/**
 * An output added while the session records, or why it cannot be. `current` is every output the session
 * has had (ids are never reused), `active` those it has now. Only kinds that can join a running encode
 * (RTMP destinations join its running FLV channel) may be added: any other changes ffmpeg's output list,
 * which a running ffmpeg cannot change.
 */
export function liveOutput(request: OutputRequest, current: readonly Output[], active: readonly Output[], config: Config): { ok: true; output: Output } | { ok: false; error: RecorderError } {
  const live = specOf(request.kind).liveChanges;
  if (!live) return changeRefused(`A ${request.kind} output cannot be added while the session records`, `Only ${liveKindsInWords()} outputs can be added live; start the session with the outputs it needs`);
  const refusal = outputRefusal([request], config);
  if (refusal) return { ok: false, error: refusal };
  if (active.length + 1 > MAX_OUTPUTS) return { ok: false, error: new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message: `A session may have at most ${MAX_OUTPUTS} outputs`, retryable: false }) };
  return live.add(request, current, active, config);
}

/**
 * Why an output cannot be removed while the session records, or undefined when it can. An RTMP
 * destination can go as long as something else of the session still works; the recording (and any
 * other kind) stays until the session stops. The last working output of a session is refused rather
 * than leaving an encode that goes nowhere: stopService ends the session.
 */
export function removalRefusal(output: Output): RecorderError | undefined {
  const live = kindSpec(output.kind)?.liveChanges;
  if (!live) return new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message: `The ${output.title} cannot be removed while the session records`, retryable: false, hint: `Only ${liveKindsInWords()} outputs can be removed live; stop the session with stopService` });
  return live.removalRefusal(output);
}

/** Takes a removed output off the running encode (an RTMP destination unpublishes; the encode goes on). */
export async function closeLiveOutput(output: Output): Promise<void> {
  await kindSpec(output.kind)?.liveChanges?.close(output);
}

/** Every file the kinds left in a session's folder, to deliver with its recording `mediaName`. */
export function deliveredFiles(sessionDir: string, mediaName: string): DeliveredFile[] {
  return allKinds().flatMap((k) => k.delivery?.files(sessionDir, mediaName) ?? []);
}

/** Whether a journal entry's file name (in the session's folder) is one some kind writes. */
export function ownsDeliveredName(name: string): boolean {
  return allKinds().some((k) => k.delivery?.owns(name));
}

/** Whether a delivered file is a part of another (an HLS segment of its playlist): neither announced nor listed alone. */
export function isPartRole(role: string): boolean {
  return allKinds().some((k) => k.delivery?.partRoles.includes(role));
}

/** The kinds that serve something over the HTTP API while live. */
export function servedKinds(): ReadonlyArray<OutputKindSpec<BaseRequest> & { served: NonNullable<OutputKindSpec<BaseRequest>['served']> }> {
  return allKinds().filter((k): k is OutputKindSpec<BaseRequest> & { served: NonNullable<OutputKindSpec<BaseRequest>['served']> } => k.served !== undefined);
}
