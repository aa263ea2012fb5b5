/**
 * Pure: durations as Jibri takes them. Jibri reads its durations with Typesafe Config's getDuration, so
 * jibri.conf and docker-jitsi-meet (which renders JIBRI_USAGE_TIMEOUT into it) write `1 hour`,
 * `90 minutes`, `30 seconds` or `500 ms`; a bare number there means milliseconds. jibri-ts documented
 * its environment variables in whole seconds before it read Jibri's forms, so a bare number in the
 * environment stays seconds; the unit decides only for bare numbers.
 */

/** How a bare number (no unit) is read: milliseconds in jibri.conf (HOCON), seconds in the environment. */
export type BareUnit = 'ms' | 's';

/** HOCON's unit names (Typesafe Config's getDuration), each with its length in milliseconds. */
const UNITS: ReadonlyArray<[readonly string[], number]> = [
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1e-6],
  [['us', 'micro', 'micros', 'microsecond', 'microseconds'], 1e-3],
  [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1],
  [['s', 'second', 'seconds'], 1000],
  [['m', 'minute', 'minutes'], 60_000],
  [['h', 'hour', 'hours'], 3_600_000],
  [['d', 'day', 'days'], 86_400_000],
];

const MS_PER_UNIT = new Map<string, number>(UNITS.flatMap(([names, ms]) => names.map((n) => [n, ms] as [string, number])));

/** What a user may write, quoted in every error about a duration. */
export const DURATION_FORMS = 'a number with a unit (e.g. "1 hour", "90 minutes", "30 seconds", "500 ms"; units ns, us, ms, s, m, h, d and their long names)';

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/**
 * `text` is what was written, `bare` how to read a number without a unit. Negative values are refused:
 * no duration Jibri takes can be negative.
 */
export function parseDuration(text: string | number, bare: BareUnit): DurationResult {
  const bareHint = bare === 's' ? 'or a whole number of seconds' : 'or a number of milliseconds';
  const fail = (): DurationResult => ({ ok: false, error: `expected ${DURATION_FORMS}, ${bareHint}` });
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? { ok: true, ms: bare === 's' ? text * 1000 : text } : fail();
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m?.[1]) return fail();
  const value = Number(m[1]);
  const unit = m[2] ?? '';
  if (!unit) return { ok: true, ms: bare === 's' ? value * 1000 : value };
  // Typesafe Config accepts the unit names as written here, in lower case only; so does this.
  const per = MS_PER_UNIT.get(unit);
  if (per === undefined) return fail();
  return { ok: true, ms: value * per };
}

/** For documentation and logs: the shortest exact way to write a number of seconds. */
export function formatSeconds(sec: number): string {
  if (sec === 0) return '0';
  for (const [unit, size] of [['hours', 3600], ['minutes', 60]] as const) {
    if (sec % size === 0) return `${sec / size} ${sec === size ? unit.slice(0, -1) : unit}`;
  }
  return Number.isInteger(sec) ? `${sec} second${sec === 1 ? '' : 's'}` : `${Math.round(sec * 1000)} ms`;
}
