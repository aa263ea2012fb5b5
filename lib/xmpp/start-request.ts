/**
 * Pure: a parsed start IQ, in the environment its connection serves, → the one StartRequest the edges
 * hand inward, or the answer that refuses it (in Jibri's order of checks). Jicofo reads `off` with
 * should_retry to decide whether another recorder should try; a room JID no recorder can serve is a
 * `bad-request` error with a text Jicofo logs.
 */
import type { RecorderLogin, XmppEnvironment } from '../config';
import { jibriIqOutput } from '../output/outputs';
import type { StartRequest } from '../recorder/requests';
import { parseAppData, type Failure, type StartIq } from './jibri-iq';
import { callTargetFromRoomJid } from './room-url';

export type StartFromIq =
  | { ok: true; request: StartRequest }
  | { ok: false; kind: 'off'; failure: Failure; why: string }
  | { ok: false; kind: 'bad-request'; text: string };

const final = (why: string): StartFromIq => ({ ok: false, kind: 'off', failure: { reason: 'error', shouldRetry: false }, why });
const retry = (why: string): StartFromIq => ({ ok: false, kind: 'off', failure: { reason: 'error', shouldRetry: true }, why });

/** The operator's rules for what Jicofo's modes record (JIBRI_XMPP_AUDIO_ONLY). */
export interface IqOutputRules {
  audioOnly?: boolean;
}

/**
 * `environment` is the connection's name for where sessions come from (`<environment>-<server>`);
 * `callLogin` the environment's call login as this session uses it (Jibri's randomize-username applied).
 */
export function startRequestFromIq(iq: StartIq, env: XmppEnvironment, environment: string, callLogin: RecorderLogin | undefined, rules: IqOutputRules = {}): StartFromIq {
  if (iq.sipAddress?.trim()) return final('the SIP gateway is not supported');
  const output = jibriIqOutput(iq.recordingMode, { ...(iq.streamId ? { streamId: iq.streamId } : {}), ...(iq.youTubeBroadcastId ? { youTubeBroadcastId: iq.youTubeBroadcastId } : {}), audioOnly: rules.audioOnly === true });
  if (!output.ok) return final(output.why);
  const sessionId = iq.sessionId;
  if (!sessionId || sessionId.length > 256) return retry('missing or oversized session_id');
  const target = callTargetFromRoomJid(iq.room, { stripFromRoomDomain: env.stripFromRoomDomain, xmppDomain: env.xmppDomain, ...(env.publicUrl ? { baseUrl: env.publicUrl } : {}) });
  if (!target.ok && target.badName) return { ok: false, kind: 'bad-request', text: `The room JID cannot be recorded: ${target.error}` };
  if (!target.ok) return retry(target.error);
  const appData = parseAppData(iq.appData);
  if (!appData.ok) return retry(appData.error);
  if (!callLogin) return retry('no call login: set JIBRI_RECORDER_PASSWORD (and JIBRI_RECORDER_USER, XMPP_HIDDEN_DOMAIN), or call-login in jibri.conf');
  return {
    ok: true,
    request: {
      sessionId,
      call: {
        baseUrl: target.baseUrl,
        callName: target.callName,
        extraUrlParams: iq.rtcstatsEnabled === undefined ? [] : [`config.analytics.rtcstatsEnabled=${iq.rtcstatsEnabled}`],
      },
      callLogin: { domain: callLogin.domain, username: callLogin.username, password: callLogin.password },
      outputs: [output.request],
      metadata: appData.metadata,
      origin: { kind: 'xmpp', environment },
      usageTimeoutSec: env.usageTimeoutSec,
    },
  };
}
