/**
 * The settings reader both programs use: a table of Settings (each default written there once), the
 * environment, and, for the recorder, a parsed configuration file under it. Each typed read returns the
 * setting's value, or its default after noting a problem that names the variable (or the file key) and
 * what it expects; the caller throws one ConfigError with every problem at the end.
 */
import { parseDuration, type BareUnit } from './duration';
import { parseAllowedHosts, type AllowedHost } from './net/address-policy';
import { envValue, type Env, type Setting } from './settings';
import { valueAt, type TreeObject, type TreeValue } from './settings-tree';

/** A configuration file under the environment: its tree, and (see `find`) the tree without its last override file. */
export interface SettingsFile {
  tree: TreeObject;
  /**
   * The tree without an override file read last (docker-jitsi-meet's custom-jibri.conf): a key whose value
   * differs there was set by that file, and wins over the environment too.
   */
  beforeCustom?: TreeObject;
  /** How problems name the file, e.g. "jibri.conf". */
  label: string;
}

/** A value as found: the environment's text, or a file's value with its key, or the table's default. */
export type Found = { from: 'env'; text: string } | { from: 'file'; value: TreeValue; key: string } | { from: 'default'; text: string };

/** What a parser of one setting's form answers: the value, or what it expected. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

export function parseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
}

function shownValue(v: TreeValue): string {
  return JSON.stringify(v);
}

function usable(v: TreeValue | undefined): v is TreeValue {
  return v !== undefined && v !== null && v !== '';
}

export class Reader {
  readonly problems: string[] = [];
  /** File keys some setting read (the caller names the others in a warning). */
  readonly usedKeys = new Set<string>();
  private readonly byName: ReadonlyMap<string, Setting>;

  constructor(settings: readonly Setting[], private readonly env: Env, private readonly file?: SettingsFile) {
    this.byName = new Map(settings.map((s) => [s.name, s]));
  }

  setting(name: string): Setting {
    const s = this.byName.get(name);
    // A programming error: every variable must be declared in the table.
    if (!s) throw new Error(`${name} is not declared in the settings table`);
    return s;
  }

  /** The value the setting has: an override file's key, else the environment, else the file, else the default. */
  find(name: string): Found {
    const s = this.setting(name);
    const keys = s.hocon === undefined ? [] : typeof s.hocon === 'string' ? [s.hocon] : s.hocon;
    const file = this.file;
    // A key the override file set (its value differs from the tree without it) wins over the environment.
    for (const key of file?.beforeCustom ? keys : []) {
      const value = valueAt(file!.tree, key);
      if (!usable(value)) continue;
      if (JSON.stringify(value) !== JSON.stringify(valueAt(file!.beforeCustom!, key))) {
        this.usedKeys.add(key);
        return { from: 'file', value, key };
      }
    }
    const fromEnv = envValue(this.env, name);
    if (fromEnv !== undefined) return { from: 'env', text: fromEnv };
    if (!file) return { from: 'default', text: s.default };
    for (const key of keys) this.usedKeys.add(key);
    for (const key of keys) {
      const value = valueAt(file.tree, key);
      if (usable(value)) return { from: 'file', value, key };
    }
    return { from: 'default', text: s.default };
  }

  /** Whether the environment or the file set the variable (not just its default). */
  isSet(name: string): boolean {
    return this.find(name).from !== 'default';
  }

  /** Notes a problem with the value found, in the words of where it was found. */
  problem(name: string, f: Found, expected: string): void {
    if (f.from === 'default') throw new Error(`the default of ${name} (${JSON.stringify(f.text)}) is invalid: ${expected}`);
    this.problems.push(f.from === 'env' ? `${name}=${JSON.stringify(f.text)}: ${expected}` : `${this.file?.label ?? 'the configuration file'} ${f.key} = ${shownValue(f.value)}: ${expected} (or set ${name})`);
  }

  /** The value as text; a list or object in the file is a problem. */
  private scalar(name: string, f: Found): string | undefined {
    if (f.from !== 'file') return f.text;
    if (typeof f.value === 'string' || typeof f.value === 'number' || typeof f.value === 'boolean') return String(f.value);
    this.problem(name, f, 'expected a single value');
    return undefined;
  }

  text(name: string): string {
    return this.scalar(name, this.find(name)) ?? this.setting(name).default;
  }

  /** The value when the environment or the file sets one (the default is not looked at). */
  optional(name: string): string | undefined {
    const f = this.find(name);
    if (f.from === 'default') return undefined;
    const v = this.scalar(name, f)?.trim();
    return v ? v : undefined;
  }

  private fallback<T>(name: string, parse: (f: Found) => T | undefined): T {
    const v = parse(this.find(name));
    if (v !== undefined) return v;
    const d = parse({ from: 'default', text: this.setting(name).default });
    if (d === undefined) throw new Error(`the default of ${name} is invalid`);
    return d;
  }

  /** A value of the setting's own form; a value `parse` refuses is a problem, and the default is parsed instead. */
  parsed<T>(name: string, parse: (raw: string) => Parsed<T>): T {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f);
      if (raw === undefined) return undefined;
      const r = parse(raw);
      if (r.ok) return r.value;
      this.problem(name, f, r.expected);
      return undefined;
    });
  }

  int(name: string, min: number, max: number): number {
    return this.parsed(name, (raw) =>
      /^-?\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? { ok: true, value: Number(raw) } : { ok: false, expected: `expected a whole number from ${min} to ${max}` },
    );
  }

  decimal(name: string, min: number, max: number): number {
    return this.parsed(name, (raw) =>
      /^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? { ok: true, value: Number(raw) } : { ok: false, expected: `expected a number from ${min} to ${max}` },
    );
  }

  bool(name: string): boolean {
    return this.parsed(name, (raw) => {
      const v = parseBool(raw);
      return v === undefined ? { ok: false, expected: 'expected true or false' } : { ok: true, value: v };
    });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    return this.parsed(name, (raw) => (allowed.includes(raw.trim() as T) ? { ok: true, value: raw.trim() as T } : { ok: false, expected: `expected one of ${allowed.join(', ')}` }));
  }

  /**
   * Seconds. A file's bare numbers are milliseconds (HOCON, as Jibri reads them); the environment's are
   * seconds, as jibri-ts has always documented them.
   */
  duration(name: string, minSec: number, maxSec: number): number {
    return this.fallback(name, (f) => {
      const bare: BareUnit = f.from === 'file' ? 'ms' : 's';
      const raw = f.from === 'file' && typeof f.value === 'number' ? f.value : this.scalar(name, f);
      if (raw === undefined) return undefined;
      const r = parseDuration(raw, bare);
      if (!r.ok) {
        this.problem(name, f, r.error);
        return undefined;
      }
      const sec = r.ms / 1000;
      if (sec < minSec || sec > maxSec) {
        this.problem(name, f, `expected a duration from ${minSec} to ${maxSec} seconds`);
        return undefined;
      }
      return sec;
    });
  }

  /** The environment's comma-separated list, or the file's list of strings. */
  list(name: string): string[] {
    const f = this.find(name);
    if (f.from === 'file' && Array.isArray(f.value)) {
      const items = f.value.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : undefined));
      if (items.some((v) => v === undefined)) {
        this.problem(name, f, 'expected a list of strings');
        return [];
      }
      return (items as string[]).filter(Boolean);
    }
    const raw = this.scalar(name, f) ?? '';
    return raw.split(',').map((p) => p.trim()).filter(Boolean);
  }
}

/** An address policy's exceptions the operator lists: `host` or `host:port`, comma-separated. */
export function readAllowedHosts(r: Reader, name: string): AllowedHost[] {
  const parsed = parseAllowedHosts(r.optional(name) ?? '');
  if (parsed.ok) return parsed.hosts;
  r.problems.push(`${name}: ${JSON.stringify(parsed.entry)} is not host or host:port`);
  return [];
}
