/**
 * Pure: the start IQ's stream attributes as Jibri reads them, turned into the stream output's request
 * fields. The URL rules themselves (shape, allow-list, redaction) are the stream output's
 * (lib/output/stream/rules.ts).
 */
import { RTMP_SCHEME, YOUTUBE_RTMP, type UrlResult } from '../output/stream/rules';

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
