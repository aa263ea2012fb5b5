/**
 * Pure: startService's `outputs` list → the session's output requests, or field errors. Each entry is
 * `{"type": ...}`: `file` (optionally `"audioOnly": true`), `rtmp` (`url`, `username`, `password`),
 * `hls`, `thumbnails` (`intervalSeconds`, default 10). Error messages name fields, never their values.
 */
import type { OutputRequest } from '../output/output';
import { checkStreamUrl } from '../output/stream/rules';
import { intervalProblem } from '../output/thumbnails/thumbnails';

export const MAX_OUTPUTS = 16;
export const DEFAULT_THUMBNAIL_INTERVAL_SEC = 10;

interface FieldError {
  field: string;
  message: string;
}

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
  return v;
}

function parseEntry(e: unknown, field: string, errors: FieldError[]): OutputRequest | undefined {
  if (!isObject(e)) {
    errors.push({ field, message: 'must be an object with a "type"' });
    return undefined;
  }
  switch (e.type) {
    case 'file':
      if (e.audioOnly !== undefined && typeof e.audioOnly !== 'boolean') {
        errors.push({ field: `${field}.audioOnly`, message: 'must be true or false' });
        return undefined;
      }
      return e.audioOnly ? { kind: 'file', audioOnly: true } : { kind: 'file' };
    case 'hls':
      return { kind: 'hls' };
    case 'thumbnails': {
      const interval = e.intervalSeconds ?? DEFAULT_THUMBNAIL_INTERVAL_SEC;
      const problem = intervalProblem(interval);
      if (problem) {
        errors.push({ field: `${field}.intervalSeconds`, message: problem });
        return undefined;
      }
      return { kind: 'thumbnails', intervalSec: interval as number };
    }
    case 'rtmp': {
      const before = errors.length;
      const url = optionalText(e.url, `${field}.url`, 2048, errors);
      const username = optionalText(e.username, `${field}.username`, 255, errors);
      const password = optionalText(e.password, `${field}.password`, 1024, errors);
      if (errors.length > before) return undefined;
      const checked = url ? checkStreamUrl(url.trim()) : { ok: false as const, message: 'is required' };
      if (!checked.ok) {
        errors.push({ field: `${field}.url`, message: checked.message });
        return undefined;
      }
      return { kind: 'stream', rtmpUrl: url!.trim(), ...(username ? { username } : {}), ...(password ? { password } : {}) };
    }
    default:
      errors.push({ field: `${field}.type`, message: 'must be "file", "rtmp", "hls" or "thumbnails"' });
      return undefined;
  }
}

/** The list's requests in order; an empty result comes with errors. */
export function parseOutputList(v: unknown, errors: FieldError[]): OutputRequest[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_OUTPUTS) {
    errors.push({ field: 'outputs', message: `must be a list of 1 to ${MAX_OUTPUTS} outputs` });
    return [];
  }
  const out: OutputRequest[] = [];
  v.forEach((e, i) => {
    const r = parseEntry(e, `outputs[${i}]`, errors);
    if (r) out.push(r);
  });
  return out;
}
