/**
 * Pure: the bodies of Jibri's webhooks (reference section 8). Enum values are upper case, as Jackson
 * writes Jibri's, and absent values are null rather than missing.
 */
import type { SessionChange } from '../recorder/recorder';
import type { StatusSnapshot } from '../recorder/snapshot';

export interface StatusWebhookBody {
  jibriId: string;
  status: { busyStatus: string; health: { healthStatus: string; details: StatusSnapshot['details'] } };
}

export interface SessionWebhookBody {
  jibriId: string;
  session: {
    sessionId: string;
    status: 'ON' | 'OFF';
    sipAddress: null;
    failure: null | { reason: 'ERROR'; error: { scope: 'SESSION' | 'SYSTEM'; detail: string } };
    shouldRetry: null | boolean;
  };
}

export function statusWebhookBody(jibriId: string, s: StatusSnapshot): StatusWebhookBody {
  return { jibriId, status: { busyStatus: s.busyStatus, health: { healthStatus: s.healthStatus, details: s.details } } };
}

/**
 * A session is ON once it records and OFF once its file is closed (or it failed), like the XMPP `on` and
 * `off`; other changes send nothing. Only HTTP-started sessions: XMPP ones report to Jicofo.
 */
export function sessionWebhookBody(jibriId: string, change: SessionChange): SessionWebhookBody | undefined {
  if (change.session.origin.kind !== 'http') return undefined;
  const { state, previous } = change;
  let status: 'ON' | 'OFF';
  if (state.name === 'recording' && previous.name === 'starting') status = 'ON';
  // Every session, failed ones included, passes through finalizing once its capture is closed.
  else if (state.name === 'finalizing' && previous.name !== 'finalizing') status = 'OFF';
  else return undefined;
  const error = status === 'OFF' ? state.error : undefined;
  return {
    jibriId,
    session: {
      sessionId: change.session.sessionId,
      status,
      sipAddress: null,
      failure: error ? { reason: 'ERROR', error: { scope: error.scope === 'system' ? 'SYSTEM' : 'SESSION', detail: error.message } } : null,
      shouldRetry: error ? error.retryable : null,
    },
  };
}
