/**
 * Pure: outputs as the HTTP API takes them, for startService's `outputs` list and for the body of
 * POST .../sessions/{id}/outputs, into the session's output requests or field errors. Each is
 * `{"type": ...}`: `file` (optionally `"audioOnly": true`), `rtmp` (`url`, `username`, `password`,
 * `viewingUrl`), `hls`, `thumbnails` (`intervalSeconds`, default 10). Which of them may join a running
 * session is the recorder's rule (output/outputs.ts), not the parser's. Error messages name fields,
 * never their values (a URL holds a stream key).
 */
import type { OutputRequest } from '../output/output';
import { MAX_OUTPUTS } from '../output/outputs';
import { checkStreamUrl } from '../output/stream/rules';
import { intervalProblem } from '../output/thumbnails/thumbnails';

/** The types this API takes; the kinds behind them are lib/output's. */
export const OUTPUT_TYPES = ['file', 'rtmp', 'hls', 'thumbnails'] as const;
export const DEFAULT_THUMBNAIL_INTERVAL_SEC = 10;

export interface FieldError {
  field: string;
  message: string;
}

/** The fields each type has besides `type`; any other is refused, so a typo is not silently dropped. */
const FIELDS: Record<(typeof OUTPUT_TYPES)[number], readonly string[]> = {
  file: ['audioOnly'],
  rtmp: ['url', 'username', 'password', 'viewingUrl'],
  hls: [],
  thumbnails: ['intervalSeconds'],
};

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

function parseStream(v: Record<string, unknown>, field: string, errors: FieldError[]): OutputRequest | undefined {
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

/** One output object; `field` is where it is in the body (`outputs[1]`, or `(body)`). */
export function parseOutput(v: unknown, field: string, errors: FieldError[]): OutputRequest | undefined {
  if (!isObject(v)) {
    errors.push({ field, message: `must be an object with a type (${OUTPUT_TYPES.map((t) => `"${t}"`).join(', ')})` });
    return undefined;
  }
  const type = typeof v.type === 'string' ? v.type.toLowerCase() : undefined;
  if (!(OUTPUT_TYPES as readonly string[]).includes(type ?? '')) {
    const shown = typeof v.type === 'string' ? JSON.stringify(v.type.slice(0, 40)) : 'missing';
    errors.push({ field: `${field}.type`, message: `is ${shown}: must be "file", "rtmp", "hls" or "thumbnails"` });
    return undefined;
  }
  const known = OUTPUT_TYPES.find((t) => t === type)!;
  const extra = Object.keys(v).find((k) => k !== 'type' && !FIELDS[known].includes(k));
  if (extra) {
    errors.push({ field: `${field}.${extra}`, message: `is not a field of a ${known} output` });
    return undefined;
  }
  switch (known) {
    case 'file':
      if (v.audioOnly !== undefined && typeof v.audioOnly !== 'boolean') {
        errors.push({ field: `${field}.audioOnly`, message: 'must be true or false' });
        return undefined;
      }
      return v.audioOnly ? { kind: 'file', audioOnly: true } : { kind: 'file' };
    case 'hls':
      return { kind: 'hls' };
    case 'thumbnails': {
      const interval = v.intervalSeconds ?? DEFAULT_THUMBNAIL_INTERVAL_SEC;
      const problem = intervalProblem(interval);
      if (problem) {
        errors.push({ field: `${field}.intervalSeconds`, message: problem });
        return undefined;
      }
      return { kind: 'thumbnails', intervalSec: interval as number };
    }
    case 'rtmp':
      return parseStream(v, field, errors);
  }
}

/** startService's list, in order; an empty result comes with errors. */
export function parseOutputList(v: unknown, errors: FieldError[]): OutputRequest[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_OUTPUTS) {
    errors.push({ field: 'outputs', message: `must be a list of 1 to ${MAX_OUTPUTS} outputs` });
    return [];
  }
  const out: OutputRequest[] = [];
  v.forEach((e, i) => {
    const r = parseOutput(e, `outputs[${i}]`, errors);
    if (r) out.push(r);
  });
  return out;
}
