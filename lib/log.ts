/**
 * Logging with winston. One root logger; each session logs through a child that carries its sessionId.
 * Secrets never reach a transport: known secret values are registered once and masked in every message
 * and field, and URLs with credentials or stream keys are shortened before they are logged.
 */
import winston from 'winston';

export type Logger = winston.Logger;

const secrets = new Set<string>();

/** Registers a value (password, token, stream key) that must never appear in any log line. */
export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; nothing real is that short.
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('****');
  return out;
}

const SECRET_KEY = /password|token|secret|streamkey|stream_key|apikey|api_key/i;

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '****' : redactDeep(v, depth + 1);
  return out;
}

const redactFormat = winston.format((info) => {
  const fields = info as Record<string, unknown>;
  for (const key of Object.keys(fields)) fields[key] = SECRET_KEY.test(key) ? '****' : redactDeep(fields[key]);
  return info;
});

export function createLogger(level = 'info', opts: { json?: boolean; silent?: boolean } = {}): Logger {
  const line = winston.format.printf((info) => {
    const { level: lvl, message, timestamp, sessionId, component, ...rest } = info as Record<string, unknown>;
    const where = [component, sessionId ? `session=${String(sessionId)}` : ''].filter(Boolean).join(' ');
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${String(timestamp)} ${String(lvl)} ${where ? `[${where}] ` : ''}${String(message)}${extra}`;
  });
  return winston.createLogger({
    level,
    silent: opts.silent ?? false,
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), opts.json ? winston.format.json() : line),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
