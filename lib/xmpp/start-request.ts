/**
 * Pure: a parsed start IQ, in the environment its connection serves, → the one StartRequest the edges
 * hand inward, or the answer that refuses it (in Jibri's order of checks). Jicofo reads `off` with
 * should_retry to decide whether another recorder should try; a room JID no recorder can serve is a
 * `bad-request` error with a text Jicofo logs.
 */
import type { RecorderLogin, XmppEnvironment } from '../config';
import type { OutputRequest } from '../output/output';
import type { StartRequest } from '../recorder/requests';
import { parseAppData, type Failure, type StartIq } from './jibri-iq';
import { callTargetFromRoomJid } from './room-url';
import { streamUrlFromIq, viewingUrlFromIq } from './stream-fields';

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
  let output: OutputRequest;
  if (iq.recordingMode === 'file') output = rules.audioOnly ? { kind: 'file', audioOnly: true } : { kind: 'file' };
  else if (iq.recordingMode === 'stream') {
    // A stream without a key cannot go anywhere, here or on another recorder.
    if (!iq.streamId?.trim()) return final('recording_mode stream without a streamid');
    const target = streamUrlFromIq(iq.streamId.trim());
    if (!target.ok) return final(`the streamid ${target.message}`);
    const viewingUrl = iq.youTubeBroadcastId ? viewingUrlFromIq(iq.youTubeBroadcastId) : undefined;
    output = { kind: 'stream', rtmpUrl: target.url, ...(viewingUrl ? { viewingUrl } : {}) };
  } else return final('no supported recording_mode');
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
      outputs: [output],
      metadata: appData.metadata,
      origin: { kind: 'xmpp', environment },
      usageTimeoutSec: env.usageTimeoutSec,
    },
  };
}
