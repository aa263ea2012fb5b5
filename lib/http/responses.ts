/** Pure helpers shared by the HTTP routes: the health body, error bodies, status mapping, token comparison. */
import * as crypto from 'node:crypto';
import type { Response } from 'express';
import type { ErrorCode, RecorderError } from '../errors';
import { redactDeep } from '../redact';
import type { StatusSnapshot } from '../recorder/snapshot';

export const API_BASE = '/jibri/api/v1.0';
export const MAX_BODY = '64kb';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_STREAM_URL: 400,
  STREAM_NOT_ALLOWED: 400,
  BUSY: 412,
  SESSION_EXISTS: 409,
  EXPIRED: 412,
  CALL_LOGIN_MISSING: 412,
  UNHEALTHY: 503,
};

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
    if (name.startsWith('session:') || name === 'lastSession') continue;
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

export function httpStatusOf(err: RecorderError): number {
  return STATUS_BY_CODE[err.code] ?? 500;
}

export function sendError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error: redactDeep({ code, message, ...extra }) });
}

/** Compares digests so that neither the token's content nor its length leaks through timing. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
