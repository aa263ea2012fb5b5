/** Pure helpers shared by the HTTP routes: error bodies, status mapping (token comparison is @jibri-ts/common's tokenMatches). */
import type { Response } from 'express';
import type { ErrorCode, RecorderError } from '../errors';
import { redactDeep } from '../redact';

export const API_BASE = '/jibri/api/v1.0';
export const MAX_BODY = '64kb';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_STREAM_URL: 400,
  STREAM_NOT_ALLOWED: 400,
  BUSY: 412,
  SESSION_EXISTS: 409,
  SESSION_NOT_FOUND: 404,
  OUTPUT_NOT_FOUND: 404,
  OUTPUT_CHANGE_REFUSED: 409,
  EXPIRED: 412,
  CALL_LOGIN_MISSING: 412,
  UNHEALTHY: 503,
};

export function httpStatusOf(err: RecorderError): number {
  return STATUS_BY_CODE[err.code] ?? 500;
}

export function sendError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error: redactDeep({ code, message, ...extra }) });
}
