/** The HTTP area: Jibri's HTTP API and its internal API (the process's life: shutdowns, single use). */
import type { Reader } from '@jibri-ts/common';
import { isLoopbackHost, optionalField } from './context';

export interface HttpConfig {
  host: string;
  port: number;
  /** When set, every endpoint but health needs `Authorization: Bearer <token>`, and health's details need it too. */
  token?: string;
  /** The operator's explicit choice of an API without a token on a non-loopback address. */
  allowOpen: boolean;
  /** Server-Sent Events streams open at once; one more is answered 503. */
  maxEventStreams: number;
  /** Both HTTP servers speak TLS only, with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

/** The process's life: Jibri's internal API, and single-use mode. */
export interface LifecycleConfig {
  internalHost: string;
  internalPort: number;
  /** The internal API takes the HTTP API's token too (JIBRI_HTTP_API_INTERNAL_AUTH; off, as Jibri, by default). */
  internalToken?: string;
  singleUse: boolean;
  /** JIBRI_SHUTDOWN_AT, ms since the epoch: the recorder does Jibri's shutdown by itself then (the fleet's paid end). */
  shutdownAtMs?: number;
}

export function readHttp(r: Reader): HttpConfig {
  const token = r.optional('JIBRI_HTTP_API_TOKEN');
  const host = r.text('JIBRI_HTTP_API_EXTERNAL_HOST');
  const allowOpen = r.bool('JIBRI_HTTP_API_ALLOW_OPEN');
  if (!token && !allowOpen && !isLoopbackHost(host)) {
    r.problems.push(
      `JIBRI_HTTP_API_EXTERNAL_HOST=${JSON.stringify(host)} is not a loopback address and JIBRI_HTTP_API_TOKEN is not set: anyone who reaches the API ` +
        'could start and stop recordings. Set JIBRI_HTTP_API_TOKEN to a long random value (e.g. the output of `openssl rand -hex 32`) and send it as ' +
        '"Authorization: Bearer <token>"; or bind the API to 127.0.0.1; or, if it really must be open, set JIBRI_HTTP_API_ALLOW_OPEN=true',
    );
  }
  const certFile = r.optional('JIBRI_HTTP_API_TLS_CERT_FILE');
  const keyFile = r.optional('JIBRI_HTTP_API_TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile)) r.problems.push('JIBRI_HTTP_API_TLS_CERT_FILE and JIBRI_HTTP_API_TLS_KEY_FILE go together: set both for HTTPS, or neither');
  return {
    host,
    port: r.int('JIBRI_HTTP_API_EXTERNAL_PORT', 0, 65535),
    ...(token ? { token } : {}),
    allowOpen,
    maxEventStreams: r.int('JIBRI_HTTP_API_MAX_EVENT_STREAMS', 1, 1000),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  };
}

export function readLifecycle(r: Reader): LifecycleConfig {
  const token = r.optional('JIBRI_HTTP_API_TOKEN');
  const internalAuth = r.bool('JIBRI_HTTP_API_INTERNAL_AUTH');
  if (internalAuth && !token) r.problems.push('JIBRI_HTTP_API_INTERNAL_AUTH=true needs JIBRI_HTTP_API_TOKEN (or JIBRI_HTTP_API_TOKEN_FILE): the internal API would take that token');
  const internalHost = r.text('JIBRI_HTTP_API_INTERNAL_HOST');
  if (!internalAuth && !r.bool('JIBRI_HTTP_API_ALLOW_OPEN') && !isLoopbackHost(internalHost)) {
    r.problems.push(
      `JIBRI_HTTP_API_INTERNAL_HOST=${JSON.stringify(internalHost)} is not a loopback address and the internal API takes no token: anyone who reaches it ` +
        'could shut the recorder down mid-recording. Keep it on 127.0.0.1 (Jibri\'s scripts call it there); or set JIBRI_HTTP_API_INTERNAL_AUTH=true with ' +
        'JIBRI_HTTP_API_TOKEN; or, if it really must be open, set JIBRI_HTTP_API_ALLOW_OPEN=true',
    );
  }
  return {
    internalHost,
    internalPort: r.int('JIBRI_HTTP_API_INTERNAL_PORT', 0, 65535),
    ...(internalAuth && token ? { internalToken: token } : {}),
    singleUse: r.bool('JIBRI_SINGLE_USE_MODE'),
    ...optionalField('shutdownAtMs', readInstant(r, 'JIBRI_SHUTDOWN_AT')),
  };
}

/** An ISO 8601 instant with its time zone, as ms since the epoch; undefined when unset. */
function readInstant(r: Reader, name: string): number | undefined {
  const raw = r.optional(name);
  if (raw === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) r.problems.push(`${name}=${JSON.stringify(raw)}: expected an instant in ISO 8601 with its time zone, e.g. 2026-03-01T12:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
