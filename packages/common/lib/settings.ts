/**
 * What both programs' settings are made of (the recorder's lib/config and the fleet's config): the
 * Setting declaration, NAME_FILE secrets, the optional `.env` file, the XMPP server list and the one
 * configuration error; settings-reader.ts reads them. Pure except where a function reads the file it is given.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The process environment, or a copy of it with some values read from files. */
export type Env = Record<string, string | undefined>;

/** A variable's value, trimmed; a missing variable and an empty one mean the same, as in docker-jitsi-meet's templates. */
export function envValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One setting: its environment variable, default (as text, as a user would write it) and meaning. */
export interface Setting {
  name: string;
  default: string;
  group: string;
  description: string;
  secret?: boolean;
  /** The jibri.conf key(s) that set it too, when the environment does not; the first one present wins. */
  hocon?: string | readonly string[];
  /** This is `<fileOf>_FILE`: the path of a file that holds the secret setting `fileOf`. */
  fileOf?: string;
}

/** Pure: after each secret setting, its NAME_FILE twin (docker secrets). */
export function withSecretFiles(settings: readonly Setting[]): Setting[] {
  return settings.flatMap((s) =>
    s.secret ? [s, { name: `${s.name}_FILE`, default: '', group: s.group, description: `File that holds ${s.name} (docker secrets), read once at start; not together with ${s.name}`, fileOf: s.name }] : [s],
  );
}

/**
 * The secret settings given as files, read once: NAME_FILE's content becomes NAME (one trailing newline
 * dropped). An unreadable or empty file, or NAME and NAME_FILE both set, is a problem that names them.
 */
export function readSecretFiles(env: Env, settings: readonly Setting[], problems: string[], readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): Env {
  const out: Env = { ...env };
  for (const s of settings) {
    if (!s.fileOf) continue;
    const file = envValue(env, s.name);
    if (file === undefined) continue;
    delete out[s.name];
    if (envValue(env, s.fileOf) !== undefined) {
      problems.push(`${s.fileOf} and ${s.name} are both set: set one of them`);
      continue;
    }
    let content: string;
    try {
      content = readFile(file).replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${s.name}=${JSON.stringify(file)}: the file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it must exist and be readable by this process`);
      continue;
    }
    if (!content.trim()) problems.push(`${s.name}=${JSON.stringify(file)}: the file is empty; it must hold ${s.fileOf}`);
    else out[s.fileOf] = content;
  }
  return out;
}

/**
 * Parses a `.env` file the way docker compose does for the simple cases people write: KEY=VALUE lines,
 * comments, optional quotes. Variables already in the environment win over the file.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)?\s*$/.exec(line);
    if (!m || !m[1]) continue;
    let value = (m[2] ?? '').trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

/** The environment as the service sees it: the optional `.env` file under the real environment. */
export function environmentWithDotEnv(env: Env, dotEnvPath = path.resolve('.env')): Env {
  if (!fs.existsSync(dotEnvPath)) return env;
  return { ...parseDotEnv(fs.readFileSync(dotEnvPath, 'utf8')), ...env };
}

/** One XMPP server of an environment: one connection per slot. */
export interface XmppServer {
  host: string;
  port: number;
  /** The entry as written, e.g. "xmpp.meet.jitsi:5222"; names the connection in logs and health. */
  id: string;
}

/** `host`, `host:port` or `[v6]:port`; the port falls back to `defaultPort`. */
export function parseXmppServers(raw: string | readonly string[], defaultPort: number): XmppServer[] | string {
  const servers: XmppServer[] = [];
  const entries = typeof raw === 'string' ? raw.split(',') : raw;
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = m?.[2] ? Number(m[2]) : defaultPort;
    if (!m?.[1] || port < 1 || port > 65535) return `"${entry}" is not host or host:port`;
    servers.push({ host: m[1].replace(/^\[|\]$/g, ''), port, id: entry });
  }
  return servers.length ? servers : 'no server listed';
}
