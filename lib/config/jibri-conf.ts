/**
 * Jibri's own configuration file, `/etc/jitsi/jibri/jibri.conf` (HOCON), and docker-jitsi-meet's
 * `custom-jibri.conf` override beside it. Parsing is @pushcorn/hocon-parser's (includes, substitutions,
 * `+=`, comments, unquoted strings such as `1 hour`); this module only decides which files are read,
 * merges them as HOCON does (the later file's keys win, objects merge) and offers the parsed tree to
 * the settings reader, which maps its keys onto the settings (lib/config). No value is interpreted here.
 */
import * as fs from 'node:fs';
import { isTreeObject as isObject, type TreeObject, type TreeValue } from '@jibri-ts/common';

type HoconParser = (opts: { text?: string; url?: string; strict?: boolean }) => Promise<unknown>;

/** Loaded when there is a file to parse: a service configured by its environment alone needs none of it. */
function hoconParser(): HoconParser {
  // No types are published for the parser; its one entry point is declared above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@pushcorn/hocon-parser') as HoconParser;
}

/** HOCON's values are plain values: the settings reader's tree (@jibri-ts/common). */
export type HoconValue = TreeValue;
export type HoconObject = TreeObject;

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
  // Only empty files: nothing to parse, and no parser to load.
  if (!text) return { files: [...files], tree: {} };
  let parsed: unknown;
  try {
    parsed = await hoconParser()({ text, strict: true });
  } catch (err) {
    // The parser names the file, line and column of the problem in its message.
    throw new ConfigFileError(`${files.join(' + ')} is not valid HOCON: ${(err as Error).message}`);
  }
  if (parsed !== undefined && parsed !== null && !isObject(parsed)) throw new ConfigFileError(`${files.join(' + ')}: expected an object at the top level`);
  return { files: [...files], tree: (parsed ?? {}) };
}

export { isTreeObject as isHoconObject, leafKeys, valueAt } from '@jibri-ts/common';
