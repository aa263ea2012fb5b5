/**
 * Jibri's own configuration file, `/etc/jitsi/jibri/jibri.conf` (HOCON), and docker-jitsi-meet's
 * `custom-jibri.conf` override beside it. Parsing is @pushcorn/hocon-parser's (includes, substitutions,
 * `+=`, comments, unquoted strings such as `1 hour`); this module only decides which files are read,
 * merges them as HOCON does (the later file's keys win, objects merge) and offers the parsed tree to
 * lib/config.ts, which maps its keys onto the settings. No value is interpreted here.
 */
import * as fs from 'node:fs';
// No types are published for the parser; its one entry point is declared below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseHocon = require('@pushcorn/hocon-parser') as (opts: { text?: string; url?: string; strict?: boolean }) => Promise<unknown>;

export type HoconValue = string | number | boolean | null | HoconValue[] | HoconObject;
export interface HoconObject {
  [key: string]: HoconValue;
}

/** The parsed files, merged, and which files they were (for messages). */
export interface ConfigFileTree {
  files: string[];
  tree: HoconObject;
  /**
   * When docker-jitsi-meet's custom-jibri.conf was read, the tree without it: a key whose value differs
   * there was set by custom-jibri.conf, and wins over the environment too, as in docker-jitsi-meet, which
   * includes it after the jibri.conf it writes from the environment.
   */
  beforeCustom?: HoconObject;
}

export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

function isObject(v: unknown): v is HoconObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses the files in order into one tree. Each file is included from one generated document, so that
 * substitutions in a later file see the keys of an earlier one, exactly as Jibri's
 * `include "/run/jibri/config/custom-jibri.conf"` at the end of its jibri.conf.
 */
export async function parseConfigFiles(files: readonly string[]): Promise<ConfigFileTree | undefined> {
  if (!files.length) return undefined;
  for (const f of files) {
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch (err) {
      throw new ConfigFileError(`cannot read the configuration file ${f} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  // An empty file (or /dev/null, to read none) has nothing to include; the parser refuses to include it.
  const text = files
    .filter((f) => fs.readFileSync(f, 'utf8').trim() !== '')
    .map((f) => `include required(file(${JSON.stringify(f)}))`)
    .join('\n');
  let parsed: unknown;
  try {
    parsed = await parseHocon({ text, strict: true });
  } catch (err) {
    // The parser names the file, line and column of the problem in its message.
    throw new ConfigFileError(`${files.join(' + ')} is not valid HOCON: ${(err as Error).message}`);
  }
  if (parsed !== undefined && parsed !== null && !isObject(parsed)) throw new ConfigFileError(`${files.join(' + ')}: expected an object at the top level`);
  return { files: [...files], tree: (parsed ?? {}) };
}

/** Pure: the value at a dotted path (`jibri.api.http.external-api-port`), if the tree has one. */
export function valueAt(tree: HoconObject, key: string): HoconValue | undefined {
  let node: HoconValue | undefined = tree;
  for (const part of key.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Pure: every leaf's dotted path; a list is a leaf (its items are checked by whoever reads it). */
export function leafKeys(tree: HoconObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObject(v) && Object.keys(v).length) out.push(...leafKeys(v, key));
    else out.push(key);
  }
  return out;
}

export { isObject as isHoconObject };
