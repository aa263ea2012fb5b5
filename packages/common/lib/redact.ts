/**
 * The one redaction function. Secrets (passwords, tokens, stream keys and URLs) are registered once, when
 * they become known, and masked as `****` in every text that leaves the process: log lines, error
 * messages, health, the event stream and webhook bodies all pass through `redact` / `redactDeep`.
 *
 * A secret is found however it was written down: as it is, percent-encoded with upper- or lower-case hex
 * (also twice, `%2540`), form-encoded (a space as `+`), JSON-escaped, or any mix of these, so
 * `rtmp://user:p%40ss@host` or a query string with the password in it are masked too. A leaf module:
 * anything may import it.
 *
 * One thing is never masked: the `X-Amz-Credential` parameter of a pre-signed S3 link. It holds the
 * access key id (with a date, region and service), which is not a secret; masking it breaks the link.
 * Only when the store's secret equals its key id (MinIO's minioadmin/minioadmin) would the secret be
 * found there, and then every link gives it away anyway: the recorder warns at start to use a separate
 * key pair (lib/config.ts).
 */

/** Very short values would mask ordinary words; nothing real is that short. */
const MIN_LENGTH = 4;
/** Per-session secrets (stream keys) are kept for this many later ones; configured secrets for ever. */
const MAX_SESSION_SECRETS = 2000;

const pinned = new Set<string>();
const recent = new Set<string>();
let pattern: RegExp | undefined;

/**
 * Registers a value that must never be shown. `pinned` keeps it for the life of the process (the
 * service's own configuration); others are forgotten after many later registrations, so a recorder that
 * streams for months does not mask an ever-growing list.
 */
export function registerSecret(value: string | undefined, opts: { pinned?: boolean } = {}): void {
  if (!value || value.length < MIN_LENGTH) return;
  if (pinned.has(value)) return;
  if (opts.pinned) {
    recent.delete(value);
    pinned.add(value);
  } else {
    recent.delete(value);
    recent.add(value);
    if (recent.size > MAX_SESSION_SECRETS) recent.delete(recent.values().next().value as string);
  }
  pattern = undefined;
}

const HEX = '0123456789ABCDEF';

/** One hex digit, either case: `[aA]`, or the digit itself. */
function hexDigit(nibble: number): string {
  const d = HEX[nibble]!;
  return /[A-F]/.test(d) ? `[${d}${d.toLowerCase()}]` : d;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Every way one character of a secret may be written: itself, its UTF-8 bytes percent-encoded, and more. */
function charPattern(ch: string): string {
  const bytes = [...Buffer.from(ch, 'utf8')];
  const percent = bytes.map((b) => `%(?:25)?${hexDigit(b >> 4)}${hexDigit(b & 15)}`).join('');
  const ways = [escapeRegExp(ch), percent];
  if (ch === ' ') ways.push('\\+');
  if (ch === '"') ways.push('\\\\"');
  if (ch === '\\') ways.push('\\\\\\\\');
  return `(?:${ways.join('|')})`;
}

/** Pure: a regular expression source that matches `secret` in any of the encodings above. */
export function secretPattern(secret: string): string {
  return [...secret].map(charPattern).join('');
}

/**
 * A pre-signed link's credential parameter: `X-Amz-Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request`,
 * its `=` and `/` as written or percent-encoded (once, or twice inside another URL). Kept as it is: the
 * first alternative of the pattern, group 1. Only this exact shape, so that no other text escapes masking.
 */
const SLASH = '(?:/|%2[Ff]|%252[Ff])';
const KEY_ID_PARAMETER = `((?:X-Amz-Credential|x-amz-credential)(?:=|%3[Dd]|%253[Dd])(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+${SLASH}\\d{8}${SLASH}[A-Za-z0-9-]+${SLASH}[A-Za-z0-9-]+${SLASH}aws4_request)`;

function currentPattern(): RegExp | undefined {
  if (pattern) return pattern;
  const all = [...pinned, ...recent];
  if (!all.length) return undefined;
  // Longest first: a whole URL is masked as one, not around the key inside it.
  all.sort((a, b) => b.length - a.length);
  pattern = new RegExp(`${KEY_ID_PARAMETER}|${all.map(secretPattern).join('|')}`, 'g');
  return pattern;
}

/** The text with every registered secret, in any encoding, replaced by `****`. */
export function redact(text: string): string {
  const re = currentPattern();
  if (!re || !text) return text;
  return text.replace(re, (_found: string, keyId: string | undefined) => keyId ?? '****');
}

/** Whether the text holds a registered secret in any encoding. */
export function containsSecret(text: string): boolean {
  const re = currentPattern();
  if (!re || !text) return false;
  re.lastIndex = 0;
  let found = false;
  for (let m = re.exec(text); m && !found; m = re.exec(text)) {
    found = m[1] === undefined;
    // An empty match cannot happen (every alternative takes characters); this keeps the loop safe anyway.
    if (m[0] === '') re.lastIndex++;
  }
  re.lastIndex = 0;
  return found;
}

/** Field names whose values are secrets whatever they hold. */
export const SECRET_FIELD = /password|token|secret|streamkey|stream_key|apikey|api_key/i;

/**
 * A copy of a value (a health body, an event, a log record's fields) with every string redacted and
 * every field named like a secret masked whole. Errors become their (redacted) message.
 */
export function redactDeep<T>(value: T): T {
  return deep(value, 0) as T;
}

function deep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => deep(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return deep(json.call(value), depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? '****' : deep(v, depth + 1);
  return out;
}
