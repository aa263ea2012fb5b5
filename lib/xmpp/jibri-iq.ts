/**
 * Pure: the `<jibri xmlns='http://jitsi.org/protocol/jibri'/>` element, read and written as Jibri does.
 * Parsing never throws: any input becomes a start, a stop, or a bad request with a reason. Unknown
 * attributes and child elements (e.g. Jicofo's trace context) are ignored; an empty attribute counts as
 * absent; enum values are case-insensitive.
 */
import { NS_JIBRI } from '@jibri-ts/common';
import xml, { type Element } from '@xmpp/xml';

// Defined once for the recorder and the fleet's brewery watch; the recorder's modules meet it here.
export { NS_JIBRI };

/** Longest attribute we look at; Jicofo's values are short, anything longer is not from Jicofo. */
const MAX_ATTR = 8192;

export interface StartIq {
  kind: 'start';
  recordingMode?: 'file' | 'stream';
  room?: string;
  streamId?: string;
  youTubeBroadcastId?: string;
  displayName?: string;
  sipAddress?: string;
  sessionId?: string;
  appData?: string;
  rtcstatsEnabled?: boolean;
}

export type ParsedJibriIq = StartIq | { kind: 'stop'; sessionId?: string; sipAddress?: string } | { kind: 'invalid'; text: string; sipAddress?: string };

function attr(el: Element, name: string): string | undefined {
  const v: unknown = el.attrs[name];
  if (typeof v !== 'string' || v === '') return undefined;
  return v.length > MAX_ATTR ? undefined : v;
}

export function parseJibriIq(el: Element): ParsedJibriIq {
  const sipAddress = attr(el, 'sipaddress');
  const sip = sipAddress !== undefined ? { sipAddress } : {};
  if (el.name !== 'jibri' || el.attrs.xmlns !== NS_JIBRI) return { kind: 'invalid', text: 'not a jibri element', ...sip };
  const action = attr(el, 'action')?.toLowerCase();
  const sessionId = attr(el, 'session_id');
  if (action === 'stop') return { kind: 'stop', ...(sessionId ? { sessionId } : {}), ...sip };
  if (action !== 'start') return { kind: 'invalid', text: action ? `unknown action "${action.slice(0, 40)}"` : 'no action', ...sip };
  const mode = attr(el, 'recording_mode')?.toLowerCase();
  const rtc = attr(el, 'rtcstats_enabled')?.toLowerCase();
  const out: StartIq = { kind: 'start' };
  if (mode === 'file' || mode === 'stream') out.recordingMode = mode;
  const fields: Array<[keyof StartIq, string]> = [
    ['room', 'room'], ['streamId', 'streamid'], ['youTubeBroadcastId', 'you_tube_broadcast_id'], ['displayName', 'displayname'],
    ['sipAddress', 'sipaddress'], ['sessionId', 'session_id'], ['appData', 'app_data'],
  ];
  for (const [key, name] of fields) {
    const v = attr(el, name);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = v;
  }
  if (rtc === 'true' || rtc === 'false') out.rtcstatsEnabled = rtc === 'true';
  return out;
}

/** `app_data` JSON: only `file_recording_metadata` (an object) is used; other keys are ignored. */
export function parseAppData(raw: string | undefined): { ok: true; metadata: Record<string, unknown> } | { ok: false; error: string } {
  if (raw === undefined) return { ok: true, metadata: {} };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'app_data is not valid JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'app_data is not a JSON object' };
  const meta = (v as Record<string, unknown>).file_recording_metadata;
  if (meta === undefined || meta === null) return { ok: true, metadata: {} };
  if (typeof meta !== 'object' || Array.isArray(meta)) return { ok: false, error: 'app_data.file_recording_metadata is not an object' };
  return { ok: true, metadata: meta as Record<string, unknown> };
}

export interface Failure {
  reason: 'busy' | 'error';
  shouldRetry: boolean;
}

/**
 * The `<jibri>` payload of an answer or a status update, attributes in Smack's order. should_retry is
 * always explicit with a failure: Jicofo reads a missing one as "do not retry".
 */
export function jibriStatusChild(status: 'pending' | 'on' | 'off', opts: { failure?: Failure; sipAddress?: string } = {}): Element {
  const attrs: Record<string, string> = { xmlns: NS_JIBRI, status };
  if (opts.sipAddress !== undefined) attrs.sipaddress = opts.sipAddress;
  if (opts.failure) {
    attrs.failure_reason = opts.failure.reason;
    attrs.should_retry = String(opts.failure.shouldRetry);
  }
  return xml('jibri', attrs);
}
