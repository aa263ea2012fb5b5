/**
 * Pure: where a stream goes. Both edges turn their fields into one RTMP(S) URL here, the recorder checks
 * it against the allow-list here, and everything that shows a stream URL to a person (logs, health,
 * errors) shows only `redactStreamUrl`'s form: the key and any credentials are secrets.
 */

import { parseRtmpUrl } from './rtmp/url';

export const YOUTUBE_RTMP = 'rtmp://a.rtmp.youtube.com/live2';

export type UrlResult = { ok: true; url: string } | { ok: false; message: string };

const RTMP_SCHEME = /^rtmps?:\/\//i;

/**
 * HTTP startService: `youTubeStreamKey` and `rtmpUrl` as the seed describes them. A key that is itself a
 * full rtmp(s) URL is used as it is (today's Jibri clients send that); otherwise the key is appended to
 * `rtmpUrl`, which defaults to YouTube's ingest. `rtmpUrl` alone is the whole URL.
 */
export function streamUrlFromHttp(key: string | undefined, rtmpUrl: string | undefined): UrlResult {
  if (key !== undefined && RTMP_SCHEME.test(key)) return { ok: true, url: key };
  if (key === undefined) {
    if (rtmpUrl === undefined) return { ok: false, message: 'youTubeStreamKey or rtmpUrl is required with sinkType "stream"' };
    return { ok: true, url: rtmpUrl };
  }
  if (/[/\s]/.test(key)) return { ok: false, message: 'youTubeStreamKey must be a stream key or an rtmp(s):// URL' };
  return { ok: true, url: `${(rtmpUrl ?? YOUTUBE_RTMP).replace(/\/+$/, '')}/${key}` };
}

/**
 * XMPP `streamid`: an rtmp(s) URL as it is, otherwise a YouTube key (Jibri's rule). Jibri appends
 * anything; here only what can be a key is, so that `http://...` or a mistyped URL is refused instead of
 * being sent to YouTube as a key.
 */
export function streamUrlFromIq(streamId: string): UrlResult {
  if (RTMP_SCHEME.test(streamId)) return { ok: true, url: streamId };
  if (!/^[A-Za-z0-9._~-]{1,256}$/.test(streamId)) return { ok: false, message: 'is neither an rtmp(s):// URL nor a stream key' };
  return { ok: true, url: `${YOUTUBE_RTMP}/${streamId}` };
}

/** XMPP `you_tube_broadcast_id`: a watch URL as it is, anything else a YouTube broadcast id. */
export function viewingUrlFromIq(broadcastId: string): string {
  return /^https?:\/\//i.test(broadcastId) ? broadcastId : `http://youtu.be/${broadcastId}`;
}

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
