/**
 * Pure: a startService body → a StartRequest (its outputs), or the list of what is wrong with it,
 * field by field.
 * Accepts Jibri's full StartServiceParams (unknown fields are ignored, as Jackson does there): `sinkType`
 * and its fields give Jibri's one output (the kind whose descriptor serves that mode reads them). jibri-ts's `outputs` list (outputs-body.ts) gives the
 * whole list instead; `sinkType` may then be left out, and when sent it must say what the list is.
 */
import { callNameProblem, MAX_CALL_NAME } from '../meeting/call-url';
import type { OutputRequest } from '../output/output';
import { jibriHttpFields, jibriHttpOutput, jibriModes, sessionMode } from '../output/outputs';
import { parseOutputList, type FieldError } from './outputs-body';
import type { CallLogin } from '../meeting/call-url';
import type { StartRequest } from '../recorder/requests';

export type { FieldError };

export type ParsedStart =
  | { ok: true; request: Omit<StartRequest, 'callLogin'> & { callLogin?: CallLogin } }
  | { ok: false; status: 400; errors: FieldError[] };

const MAX_ID = 256;
const MAX_TEXT = 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown, field: string, errors: FieldError[], opts: { max?: number; required?: boolean } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (opts.required !== false) errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string') {
    errors.push({ field, message: 'must be a string' });
    return undefined;
  }
  if (opts.required !== false && v.trim() === '') {
    errors.push({ field, message: 'must not be empty' });
    return undefined;
  }
  if (v.length > (opts.max ?? MAX_TEXT)) {
    errors.push({ field, message: `must be at most ${opts.max ?? MAX_TEXT} characters` });
    return undefined;
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(v)) {
    errors.push({ field, message: 'must not contain control characters' });
    return undefined;
  }
  return v;
}

/** An http(s) URL with a host and no hash or query; trailing slashes dropped so no `//` appears. */
export function parseBaseUrl(raw: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'must be a URL such as https://meet.example.com' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: `must be an http or https URL, not ${url.protocol.replace(/:$/, '')}` };
  if (!url.hostname) return { ok: false, message: 'must name a host' };
  if (url.hash || url.search) return { ok: false, message: 'must not have a query or a #fragment' };
  if (url.username || url.password) return { ok: false, message: 'must not carry credentials' };
  return { ok: true, url: raw.replace(/\/+$/, '') };
}

function parseCallLogin(v: unknown, errors: FieldError[]): CallLogin | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    errors.push({ field: 'callLoginParams', message: 'must be an object with domain, username and password' });
    return undefined;
  }
  const domain = text(v.domain, 'callLoginParams.domain', errors, { max: 255 });
  const username = text(v.username, 'callLoginParams.username', errors, { max: 255 });
  const password = text(v.password, 'callLoginParams.password', errors, { max: 1024 });
  if (domain !== undefined && !/^[A-Za-z0-9.-]+$/.test(domain)) errors.push({ field: 'callLoginParams.domain', message: 'must be a domain name' });
  return domain && username && password ? { domain, username, password } : undefined;
}

/**
 * `outputs` is the whole list: Jibri's fields of its one output beside it would be a second, unlisted
 * output, and a `sinkType` that says otherwise than the list (`stream` when it has a live output, else
 * `file`) would be read differently by Jibri's clients and by us.
 */
function listedOutputs(body: Record<string, unknown>, sinkType: string | undefined, errors: FieldError[]): OutputRequest[] | undefined {
  for (const { field, kind, listFields } of jibriHttpFields()) {
    const entry = [`"type": "${kind}"`, ...listFields.map((f) => `"${f}"`)].join(', ');
    if (body[field] !== undefined && body[field] !== null) errors.push({ field, message: `cannot be sent with outputs: put it in outputs as {${entry}}` });
  }
  const before = errors.length;
  const outputs = parseOutputList(body.outputs, errors);
  if (errors.length > before) return undefined;
  if (sinkType === undefined) return outputs;
  const mode = sessionMode(outputs);
  if (sinkType !== mode) {
    errors.push({ field: 'sinkType', message: `is "${sinkType}" but outputs make a ${mode} session: leave sinkType out, or send "${mode}"` });
    return undefined;
  }
  return outputs;
}

export function parseStartBody(body: unknown): ParsedStart {
  const errors: FieldError[] = [];
  if (!isObject(body)) return { ok: false, status: 400, errors: [{ field: '(body)', message: 'must be a JSON object' }] };

  const sessionId = text(body.sessionId, 'sessionId', errors, { max: MAX_ID });

  let baseUrl: string | undefined;
  let callName: string | undefined;
  const callParams = body.callParams;
  const urlInfo = isObject(callParams) ? callParams.callUrlInfo : undefined;
  if (!isObject(callParams)) errors.push({ field: 'callParams', message: 'is required and must be an object' });
  else if (!isObject(urlInfo)) errors.push({ field: 'callParams.callUrlInfo', message: 'is required and must be an object' });
  else {
    const rawBase = text(urlInfo.baseUrl, 'callParams.callUrlInfo.baseUrl', errors, { max: 2048 });
    if (rawBase !== undefined) {
      const parsed = parseBaseUrl(rawBase.trim());
      if (parsed.ok) baseUrl = parsed.url;
      else errors.push({ field: 'callParams.callUrlInfo.baseUrl', message: parsed.message });
    }
    callName = text(urlInfo.callName, 'callParams.callUrlInfo.callName', errors, { max: MAX_CALL_NAME });
    const problem = callName === undefined ? undefined : callNameProblem(callName);
    if (problem) {
      errors.push({ field: 'callParams.callUrlInfo.callName', message: problem });
      callName = undefined;
    }
  }

  const callLogin = parseCallLogin(body.callLoginParams, errors);

  // `sinkType` is Jibri's word for where the recording goes: one output, unless `outputs` lists them.
  const listed = body.outputs !== undefined && body.outputs !== null;
  const rawSinkType = text(body.sinkType, 'sinkType', errors, { max: 32, required: !listed });
  const sinkType = rawSinkType?.toLowerCase();
  let outputs: OutputRequest[] | undefined;
  if (listed) outputs = listedOutputs(body, sinkType, errors);
  else if (sinkType !== undefined && jibriModes().includes(sinkType)) {
    const output = jibriHttpOutput(sinkType, body, errors);
    outputs = output ? [output] : undefined;
  } else if (sinkType === 'gateway') errors.push({ field: 'sinkType', message: '"gateway" (SIP) is not supported by jibri-ts' });
  else if (sinkType !== undefined) errors.push({ field: 'sinkType', message: `must be ${jibriModes().map((m) => `"${m}"`).join(' or ')}` });

  if (errors.length || !sessionId || !baseUrl || !callName || !outputs) return { ok: false, status: 400, errors };
  return {
    ok: true,
    request: {
      sessionId,
      call: { baseUrl, callName, extraUrlParams: [] },
      ...(callLogin ? { callLogin } : {}),
      outputs,
      metadata: {},
      origin: { kind: 'http' },
    },
  };
}
