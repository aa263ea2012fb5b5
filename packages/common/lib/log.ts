/**
 * Logging with winston. One root logger; each session logs through a child that carries its sessionId.
 * Secrets never reach a transport: every message and field passes through the one redaction function
 * (redact.ts), which masks every registered secret in any encoding and every field named like one.
 */
import winston from 'winston';
import { redactDeep, SECRET_FIELD } from './redact';

// Where most callers meet them; the functions live in redact.ts.
export { redact, registerSecret } from './redact';

export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  const fields = info as Record<string, unknown>;
  for (const key of Object.keys(fields)) fields[key] = SECRET_FIELD.test(key) ? '****' : redactDeep(fields[key]);
  return info;
});

export function createLogger(level = 'info', opts: { json?: boolean; silent?: boolean } = {}): Logger {
  const line = winston.format.printf((info) => {
    const { level: lvl, message, timestamp, sessionId, component, ...rest } = info as Record<string, unknown>;
    const where = [component, sessionId ? `session=${String(sessionId as string | number)}` : ''].filter(Boolean).join(' ');
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
