/**
 * Pure: the RTMP kind's URL rules. Its descriptor builds one RTMP(S) URL from each wire's fields
 * (kind.ts, jibri-fields.ts); the recorder checks it here (shape and allow-list)
 * before anything starts, and everything that shows a stream URL to a person (logs, health, errors)
 * shows only `redactStreamUrl`'s form: the key and any credentials are secrets.
 */
import { RecorderError } from '../../errors';
import { parseRtmpUrl } from '@jibri-ts/rtmp';

export const YOUTUBE_RTMP = 'rtmp://a.rtmp.youtube.com/live2';

export type UrlResult = { ok: true; url: string } | { ok: false; message: string };

/** Whether a value is meant as a full RTMP(S) URL rather than a stream key. */
export const RTMP_SCHEME = /^rtmps?:\/\//i;

/**
 * What an ingest URL must look like before anything connects to it: rtmp or rtmps, a host, and a path
 * with the application and the stream name. Credentials belong in username/password, not in the URL.
 */
export function checkStreamUrl(raw: string): UrlResult {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { ok: false, message: 'must not contain spaces or control characters' };
  if (raw.length > 2048) return { ok: false, message: 'must be at most 2048 characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'must be a URL such as rtmp://host/app/key' };
  }
  if (url.protocol !== 'rtmp:' && url.protocol !== 'rtmps:') return { ok: false, message: `must be an rtmp:// or rtmps:// URL, not ${url.protocol.replace(/:$/, '')}` };
  if (!url.hostname) return { ok: false, message: 'must name a host' };
  if (url.username || url.password) return { ok: false, message: 'must not carry credentials; pass username and password instead' };
  if (url.pathname.split('/').filter(Boolean).length < 2) return { ok: false, message: 'must name the application and the stream key, as rtmp://host/app/key' };
  // What the publisher will make of it: an application and a stream name it can publish.
  const endpoint = parseRtmpUrl(raw);
  if (!endpoint.ok) return { ok: false, message: endpoint.message };
  return { ok: true, url: raw };
}

/** Jibri's rule: some pattern must match the whole URL. No patterns means everything is allowed. */
export function isAllowed(url: string, allowList: readonly string[]): boolean {
  if (!allowList.length) return true;
  return allowList.some((p) => new RegExp(`^(?:${p})$`).test(url));
}

/** `rtmp://host/app/****`: scheme, host and application, never the key, credentials or query. */
export function redactStreamUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const app = url.pathname.split('/').filter(Boolean)[0];
    return `${url.protocol}//${url.host}/${app ? `${app}/` : ''}****`;
  } catch {
    return 'rtmp://****';
  }
}

/** The values that must never be shown: the full URL, its key path, and the credentials. */
export function streamSecrets(raw: string, username?: string, password?: string): string[] {
  const out = [raw, username, password].filter((s): s is string => !!s);
  try {
    const url = new URL(raw);
    const key = url.pathname.split('/').filter(Boolean).slice(1).join('/');
    if (key) out.push(key, decodeURIComponent(key));
    if (url.search) out.push(url.search.slice(1));
  } catch {
    // checkStreamUrl refuses such URLs before anything is started.
  }
  return out;
}

/**
 * A stream URL that is malformed or outside the allow-list is refused before anything starts, with
 * should_retry=false: no other recorder would take it either. The URL is never quoted (it holds the key).
 */
export function streamUrlRefusal(url: string, allowList: readonly string[]): RecorderError | undefined {
  const checked = checkStreamUrl(url);
  if (!checked.ok) return new RecorderError({ code: 'BAD_STREAM_URL', message: `The stream URL ${checked.message}`, retryable: false });
  if (!isAllowed(url, allowList)) {
    return new RecorderError({
      code: 'STREAM_NOT_ALLOWED',
      message: 'The stream URL is not allowed on this recorder',
      hint: 'It must fully match one of the patterns in JIBRI_STREAMING_RTMP_ALLOW_LIST',
      retryable: false,
    });
  }
  return undefined;
}
