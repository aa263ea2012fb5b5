/**
 * Pure: the body of POST .../sessions/{id}/outputs into an OutputRequest: `{"type": "rtmp", "url",
 * "username", "password", "viewingUrl"}` (and `{"type": "file"}`, which the recorder then refuses while
 * live, with why). startService's list is http/outputs-body.ts's. Error messages name fields, never their
 * values (a URL holds a stream key).
 */
import type { OutputRequest } from '../output/output';
import { checkStreamUrl } from '../output/stream/rules';
import type { FieldError } from './bodies';

/** The types this API takes; the kinds behind them are lib/output's. */
export const OUTPUT_TYPES = ['file', 'rtmp'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalText(v: unknown, field: string, max: number, errors: FieldError[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (typeof v !== 'string' || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
    errors.push({ field, message: `must be a string of at most ${max} characters without control characters` });
    return undefined;
  }
  return v === '' ? undefined : v;
}

/** One output object; `field` is where it is in the body (`outputs[1]`, or `(body)`). */
export function parseOutput(v: unknown, field: string, errors: FieldError[]): OutputRequest | undefined {
  if (!isObject(v)) {
    errors.push({ field, message: 'must be an object with a type ("file" or "rtmp")' });
    return undefined;
  }
  const type = typeof v.type === 'string' ? v.type.toLowerCase() : undefined;
  if (type === 'file') {
    const extra = Object.keys(v).find((k) => k !== 'type');
    if (extra) errors.push({ field: `${field}.${extra}`, message: 'is not a field of a file output' });
    return extra ? undefined : { kind: 'file' };
  }
  if (type === 'rtmp') {
    const before = errors.length;
    if (typeof v.url !== 'string' || !v.url.trim()) errors.push({ field: `${field}.url`, message: 'is required: the full rtmp:// or rtmps:// URL with the stream key' });
    const username = optionalText(v.username, `${field}.username`, 255, errors);
    const password = optionalText(v.password, `${field}.password`, 1024, errors);
    const viewingUrl = optionalText(v.viewingUrl, `${field}.viewingUrl`, 2048, errors);
    if (viewingUrl !== undefined && !/^https?:\/\/\S+$/i.test(viewingUrl)) errors.push({ field: `${field}.viewingUrl`, message: 'must be an http(s) URL' });
    if (errors.length > before || typeof v.url !== 'string') return undefined;
    const checked = checkStreamUrl(v.url.trim());
    if (!checked.ok) {
      errors.push({ field: `${field}.url`, message: checked.message });
      return undefined;
    }
    return { kind: 'stream', rtmpUrl: checked.url, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(viewingUrl ? { viewingUrl } : {}) };
  }
  const shown = typeof v.type === 'string' ? JSON.stringify(v.type.slice(0, 40)) : 'missing';
  errors.push({ field: `${field}.type`, message: `is ${shown}: must be one of ${OUTPUT_TYPES.map((t) => `"${t}"`).join(', ')} (only RTMP destinations join a running session; HLS and thumbnails are asked for at the start)` });
  return undefined;
}
