/**
 * Pure: Jibri's own fields for its one stream, as Jibri reads them, into the RTMP kind's request. Over
 * HTTP, startService's `youTubeStreamKey`, `rtmpUrl`, `username` and `password` (sinkType `stream`); over
 * XMPP, the start IQ's `streamid` and `you_tube_broadcast_id` (recording_mode `stream`). The URL rules
 * themselves (shape, allow-list, redaction) are rules.ts'. Error messages name fields, never values.
 */
import type { FieldError } from '../kind';
import { checkStreamUrl, RTMP_SCHEME, YOUTUBE_RTMP, type UrlResult } from './rules';
import type { RtmpOutputRequest } from './kind';

/** Jibri's HTTP fields of a stream. */
export const JIBRI_HTTP_FIELDS = ['youTubeStreamKey', 'rtmpUrl', 'username', 'password'] as const;

/**
 * `youTubeStreamKey` and `rtmpUrl` as the seed describes them. A key that is itself a full rtmp(s) URL is
 * used as it is (today's Jibri clients send that); otherwise the key is appended to `rtmpUrl`, which
 * defaults to YouTube's ingest. `rtmpUrl` alone is the whole URL.
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

function optionalText(v: unknown, field: string, max: number, errors: FieldError[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    errors.push({ field, message: 'must be a string' });
    return undefined;
  }
  if (v.length > max) {
    errors.push({ field, message: `must be at most ${max} characters` });
    return undefined;
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(v)) {
    errors.push({ field, message: 'must not contain control characters' });
    return undefined;
  }
  return v;
}

/** startService's stream fields (sinkType `stream`) into the stream's request, or field errors. */
export function rtmpFromHttp(body: Readonly<Record<string, unknown>>, errors: FieldError[]): RtmpOutputRequest | undefined {
  const before = errors.length;
  const key = optionalText(body.youTubeStreamKey, 'youTubeStreamKey', 2048, errors);
  const rtmpUrl = optionalText(body.rtmpUrl, 'rtmpUrl', 2048, errors);
  const username = optionalText(body.username, 'username', 255, errors);
  const password = optionalText(body.password, 'password', 1024, errors);
  if (errors.length > before) return undefined;
  const built = streamUrlFromHttp(key?.trim() || undefined, rtmpUrl?.trim() || undefined);
  if (!built.ok) {
    errors.push({ field: key ? 'youTubeStreamKey' : 'rtmpUrl', message: built.message });
    return undefined;
  }
  const checked = checkStreamUrl(built.url);
  if (!checked.ok) {
    const field = key && /^rtmps?:\/\//i.test(key) ? 'youTubeStreamKey' : 'rtmpUrl';
    errors.push({ field, message: `${field === 'rtmpUrl' && key ? 'with the stream key appended, ' : ''}${checked.message}` });
    return undefined;
  }
  return { kind: 'rtmp', rtmpUrl: built.url, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/**
 * `streamid`: an rtmp(s) URL as it is, otherwise a YouTube key (Jibri's rule). Jibri appends anything;
 * here only what can be a key is, so that `http://...` or a mistyped URL is refused instead of being
 * sent to YouTube as a key.
 */
export function streamUrlFromIq(streamId: string): UrlResult {
  if (RTMP_SCHEME.test(streamId)) return { ok: true, url: streamId };
  if (!/^[A-Za-z0-9._~-]{1,256}$/.test(streamId)) return { ok: false, message: 'is neither an rtmp(s):// URL nor a stream key' };
  return { ok: true, url: `${YOUTUBE_RTMP}/${streamId}` };
}

/** `you_tube_broadcast_id`: a watch URL as it is, anything else a YouTube broadcast id. */
export function viewingUrlFromIq(broadcastId: string): string {
  return /^https?:\/\//i.test(broadcastId) ? broadcastId : `http://youtu.be/${broadcastId}`;
}

/** The start IQ's stream attributes into the stream's request, or why no recorder could serve them. */
export function rtmpFromIq(iq: { streamId?: string; youTubeBroadcastId?: string }): { ok: true; request: RtmpOutputRequest } | { ok: false; why: string } {
  // A stream without a key cannot go anywhere, here or on another recorder.
  if (!iq.streamId?.trim()) return { ok: false, why: 'recording_mode stream without a streamid' };
  const target = streamUrlFromIq(iq.streamId.trim());
  if (!target.ok) return { ok: false, why: `the streamid ${target.message}` };
  const viewingUrl = iq.youTubeBroadcastId ? viewingUrlFromIq(iq.youTubeBroadcastId) : undefined;
  return { ok: true, request: { kind: 'rtmp', rtmpUrl: target.url, ...(viewingUrl ? { viewingUrl } : {}) } };
}
