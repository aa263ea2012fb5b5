/**
 * The only types the edges (XMPP, HTTP) hand inward. Each edge parses its own wire format into a
 * StartRequest; everything below works from this resolved, validated value and never sees raw input.
 */
import type { CallLogin, CallTarget } from '../meeting/call-url';
import type { OutputRequest } from '../output/output';

/** Which edge a session came from; XMPP sessions carry Jibri's environment context name (`<environment>-<server>`). */
export type Origin = { kind: 'http' } | { kind: 'xmpp'; environment: string };

export interface StartRequest {
  sessionId: string;
  call: CallTarget;
  callLogin?: CallLogin;
  /** Where the encode goes: a file and any number of streams (at most one file), each of its kind's request type. */
  outputs: OutputRequest[];
  /** `file_recording_metadata` from the IQ's app_data; written at the top level of metadata.json. */
  metadata: Record<string, unknown>;
  origin: Origin;
  /** Longest the session may run (0 = no limit): its XMPP environment's; absent, JIBRI_USAGE_TIMEOUT. */
  usageTimeoutSec?: number;
}
