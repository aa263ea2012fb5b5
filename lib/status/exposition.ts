/**
 * Pure: metric families written the way Jibri writes them (jicoco-metrics on Prometheus' Java
 * simpleclient 0.16), in each format its /metrics serves:
 *   - Prometheus text 0.0.4: a counter's family is named `<name>_total` (HELP, TYPE and sample), and its
 *     creation time follows at the end as a gauge family `<name>_created` with the same help;
 *   - OpenMetrics 1.0: the counter family is `<name>`, with `<name>_total` and `<name>_created` samples,
 *     TYPE before HELP, `# EOF` last;
 *   - JSON: one flat object, keyed without the namespace: counters as `<name>_total` numbers, boolean
 *     gauges as true/false, other gauges as numbers.
 * prom-client drops `_total` from counter names in the text format and has no `_created`, so the few
 * lines of each format are written here, where a spec can compare them with promtool's rules.
 */

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** The full name without `_total`, e.g. `jitsi_jibri_sessions_started`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Sample[];
  /** Counters: when the counter was made, in seconds since the epoch. */
  createdSec?: number;
  /** A gauge that is a yes/no (Jibri's `healthy` and `recording`): true/false in JSON. */
  boolean?: boolean;
}

/** Java's Double.toString as simpleclient's doubleToGoString writes it: 0.0, 1.0, 2976.0, 1.7E9, +Inf. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa = '0', exponent = '0'] = v.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function sampleLine(name: string, s: Sample): string {
  const labels = Object.entries(s.labels ?? {});
  const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
  return `${name}${l} ${formatValue(s.value)}\n`;
}

/** Prometheus text format 0.0.4, as simpleclient's TextFormat.write004. */
export function renderText(families: readonly MetricFamily[]): string {
  let out = '';
  const created: MetricFamily[] = [];
  for (const f of families) {
    const name = f.type === 'counter' ? `${f.name}_total` : f.name;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n`;
    for (const s of f.samples) out += sampleLine(name, s);
    if (f.type === 'counter' && f.createdSec !== undefined) {
      created.push({ name: `${f.name}_created`, help: f.help, type: 'gauge', samples: f.samples.map((s) => ({ ...(s.labels ? { labels: s.labels } : {}), value: f.createdSec ?? 0 })) });
    }
  }
  // simpleclient writes the creation times after every family, sorted by name.
  created.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return created.length ? out + renderText(created) : out;
}

/** OpenMetrics 1.0.0, as simpleclient's TextFormat.writeOpenMetrics100. */
export function renderOpenMetrics(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    out += `# TYPE ${f.name} ${f.type}\n# HELP ${f.name} ${escapeHelp(f.help)}\n`;
    for (const s of f.samples) {
      if (f.type === 'counter') {
        out += sampleLine(`${f.name}_total`, s);
        if (f.createdSec !== undefined) out += sampleLine(`${f.name}_created`, { ...s, value: f.createdSec });
      } else out += sampleLine(f.name, s);
    }
  }
  return `${out}# EOF\n`;
}

/**
 * Jibri's flat JSON object. A family with labels (jibri-ts's per-slot encoder speed; Jibri has none)
 * becomes an object keyed by its one label's values.
 */
export function renderJson(families: readonly MetricFamily[], namespace: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const strip = (n: string): string => (n.startsWith(`${namespace}_`) ? n.slice(namespace.length + 1) : n);
  for (const f of families) {
    const key = f.type === 'counter' ? `${strip(f.name)}_total` : strip(f.name);
    const unlabelled = f.samples.length === 1 && !Object.keys(f.samples[0]?.labels ?? {}).length;
    if (unlabelled) {
      const v = f.samples[0]?.value ?? 0;
      out[key] = f.boolean ? v !== 0 : v;
    } else {
      out[key] = Object.fromEntries(f.samples.map((s) => [Object.values(s.labels ?? {}).join(',') || '', s.value]));
    }
  }
  return out;
}

export const CONTENT_TYPES = {
  openMetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  text: 'text/plain; version=0.0.4; charset=utf-8',
  json: 'application/json',
} as const;

export type ExpositionFormat = keyof typeof CONTENT_TYPES;

/**
 * The format for an Accept header: the client's types in order of their q (then as written); the first
 * one served wins. No header, or `*\/*` first, gets OpenMetrics, as Jibri; nothing served is undefined.
 */
export function negotiate(accept: string | undefined): ExpositionFormat | undefined {
  if (!accept?.trim()) return 'openMetrics';
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type && !(r.q <= 0))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of ranges) {
    if (type === 'application/openmetrics-text' || type === '*/*' || type === 'application/*') return 'openMetrics';
    if (type === 'text/plain' || type === 'text/*') return 'text';
    if (type === 'application/json') return 'json';
  }
  return undefined;
}
