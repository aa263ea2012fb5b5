/**
 * Pure: outputs as the HTTP API takes them, for startService's `outputs` list and for the body of
 * POST .../sessions/{id}/outputs, into the session's output requests or field errors. Each is
 * `{"type": <kind>, ...}`; each kind's descriptor (lib/output/<kind>/kind.ts) names its fields and parses
 * them: `file` (`audioOnly`), `rtmp` (`url`, `username`, `password`, `viewingUrl`), `hls`, `thumbnails`
 * (`intervalSeconds`, default 10). Which of them may join a running session is the recorder's rule, not
 * the parser's. Error messages name fields, never their values (a URL holds a stream key).
 */
import type { FieldError } from '../output/kind';
import { allKinds, type OutputRequest } from '../output/kinds';
import { MAX_OUTPUTS } from '../output/outputs';

export type { FieldError };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typesInWords(): string {
  const types = allKinds().map((k) => `"${k.kind}"`);
  return `${types.slice(0, -1).join(', ')} or ${types.at(-1)}`;
}

/** One output object; `field` is where it is in the body (`outputs[1]`, or `(body)`). */
export function parseOutput(v: unknown, field: string, errors: FieldError[]): OutputRequest | undefined {
  if (!isObject(v)) {
    errors.push({ field, message: `must be an object with a type (${allKinds().map((k) => `"${k.kind}"`).join(', ')})` });
    return undefined;
  }
  const type = typeof v.type === 'string' ? v.type.toLowerCase() : undefined;
  const spec = allKinds().find((k) => k.kind === type);
  if (!spec) {
    const shown = typeof v.type === 'string' ? JSON.stringify(v.type.slice(0, 40)) : 'missing';
    errors.push({ field: `${field}.type`, message: `is ${shown}: must be ${typesInWords()}` });
    return undefined;
  }
  const extra = Object.keys(v).find((k) => k !== 'type' && !spec.fields.includes(k));
  if (extra) {
    errors.push({ field: `${field}.${extra}`, message: `is not a field of a ${spec.kind} output` });
    return undefined;
  }
  return spec.parse(v, field, errors) as OutputRequest | undefined;
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
