/**
 * Errors are values with a scope and a retry flag, as in Jibri: a SESSION error ends one recording, a
 * SYSTEM error says the machine cannot record (and turns health UNHEALTHY while it lasts). `retryable`
 * becomes Jicofo's should_retry. Messages carry a hint for the user and never a secret: they are
 * redacted when made and again when shown (a secret may be registered in between).
 */
import { redact } from './redact';

export type ErrorScope = 'session' | 'system';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'BUSY'
  | 'SESSION_EXISTS'
  | 'SESSION_NOT_FOUND'
  | 'OUTPUT_NOT_FOUND'
  | 'OUTPUT_CHANGE_REFUSED'
  | 'EXPIRED'
  | 'UNHEALTHY'
  | 'CALL_LOGIN_MISSING'
  | 'BROWSER_LAUNCH_FAILED'
  | 'PAGE_LOAD_FAILED'
  | 'BROWSER_CRASHED'
  | 'CALL_JOIN_FAILED'
  | 'CALL_NO_MEDIA'
  | 'CALL_ICE_FAILED'
  | 'DISPLAY_FAILED'
  | 'AUDIO_FAILED'
  | 'ENCODER_FAILED_TO_START'
  | 'ENCODER_EXITED'
  | 'ENCODER_UNEXPECTED_SIGNAL'
  | 'MEDIA_WORKER_FAILED'
  | 'BROKEN_PIPE'
  | 'BAD_STREAM_URL'
  | 'STREAM_NOT_ALLOWED'
  | 'STREAM_REFUSED'
  | 'STREAM_UNREACHABLE'
  | 'STREAM_LOST'
  | 'STREAM_UNTRUSTED'
  | 'DISK_FULL'
  | 'RECORDINGS_DIR_NOT_WRITABLE'
  | 'METADATA_WRITE_FAILED'
  | 'INTERNAL';

export interface RecorderErrorInit {
  code: ErrorCode;
  message: string;
  scope?: ErrorScope;
  retryable?: boolean;
  hint?: string;
  cause?: unknown;
}

/** What a RecorderError shows: in health, events, and across processes. */
export interface RecorderErrorJson {
  code: ErrorCode;
  scope: ErrorScope;
  retryable: boolean;
  message: string;
  hint?: string;
}

export class RecorderError extends Error {
  readonly code: ErrorCode;
  readonly scope: ErrorScope;
  readonly retryable: boolean;
  readonly hint?: string;

  constructor(init: RecorderErrorInit) {
    super(redact(init.message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RecorderError';
    this.code = init.code;
    this.scope = init.scope ?? 'session';
    this.retryable = init.retryable ?? true;
    if (init.hint !== undefined) this.hint = redact(init.hint);
  }

  /** What a user reads: the message and, when there is one, what to do about it. */
  describe(): string {
    return redact(this.hint ? `${this.message}. ${this.hint}` : this.message);
  }

  toJSON(): RecorderErrorJson {
    return { code: this.code, scope: this.scope, retryable: this.retryable, message: redact(this.message), ...(this.hint ? { hint: redact(this.hint) } : {}) };
  }

  /** The error again from its JSON (one that crossed to another process). */
  static fromJSON(json: RecorderErrorJson): RecorderError {
    return new RecorderError(json);
  }
}

/** Anything thrown becomes a RecorderError, so that every failure has a scope and a retry flag. */
export function asRecorderError(err: unknown, fallback: Omit<RecorderErrorInit, 'message' | 'cause'> = { code: 'INTERNAL' }): RecorderError {
  if (err instanceof RecorderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RecorderError({ ...fallback, message, cause: err });
}
