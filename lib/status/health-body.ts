/**
 * Pure: Jibri's health body, the one shape in which the recorder's status leaves the process: the HTTP
 * health endpoint, the SSE `status` events, the autoscaler's reports. Callers without the token get the
 * public view.
 */
import { redactDeep } from '../redact';
import type { StatusSnapshot } from '../recorder/snapshot';

export interface HealthBody {
  busy: boolean;
  status: { busyStatus: string; health: { healthStatus: string; details: Record<string, Record<string, unknown>> } };
}

/** `full`: everything, for token holders; `public`: what anyone may read (see publicDetails). */
export type HealthView = 'full' | 'public';

/**
 * Pure: the details a caller without the token sees: each check's name and status, and for a check that
 * fails, its hint (what is wrong and what to do). No session entries, no meeting URLs, files or errors:
 * a room name is enough to join a meeting.
 */
export function publicDetails(details: StatusSnapshot['details']): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(details)) {
    if (name.startsWith('session:') || name === 'lastSession' || name === 'recentSessions') continue;
    out[name] = { healthStatus: d.healthStatus, ...(d.healthStatus !== 'HEALTHY' ? { detail: d.detail } : {}) };
  }
  return out;
}

/**
 * The health endpoint's body: the seed's `busy` and Jibri's `status`, so old and new clients read it.
 * Every string in it is redacted (an error may quote a URL).
 */
export function healthBody(s: StatusSnapshot, view: HealthView = 'full'): HealthBody {
  const details = view === 'full' ? s.details : publicDetails(s.details);
  return redactDeep({ busy: s.busyStatus !== 'IDLE', status: { busyStatus: s.busyStatus, health: { healthStatus: s.healthStatus, details } } });
}

