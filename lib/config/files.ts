/**
 * Which configuration files are read (the Debian package's defaults, jibri.conf, custom-jibri.conf), the
 * settings reader over them and the environment, and the jibri.conf keys no setting reads.
 */
import * as fs from 'node:fs';
import { ConfigError, envValue, leafKeys, Reader, type TreeObject } from '@jibri-ts/common';
import type { Env } from './context';
import { parseConfigFiles, type ConfigFileTree } from './jibri-conf';
import { SETTINGS } from './settings';

/** The reader of the recorder's settings: the environment over jibri.conf (when one was read) over the table's defaults. */
export function readerFor(env: Env, file: ConfigFileTree | undefined): Reader {
  return new Reader(SETTINGS, env, file ? { tree: file.tree, ...(file.beforeCustom ? { beforeCustom: file.beforeCustom } : {}), label: 'jibri.conf' } : undefined);
}

function defaultOf(name: string): string {
  return SETTINGS.find((s) => s.name === name)?.default ?? '';
}

/** The configuration files to read: a file named in the environment must exist; a default one is read when it does. */
function configFilesFor(env: Env): string[] {
  // Read in this order, the later ones winning: the package's defaults, jibri.conf, custom-jibri.conf.
  const defaults = envValue(env, 'JIBRI_DEFAULTS_CONFIG_FILE');
  const files: string[] = defaults ? [defaults] : [];
  for (const name of ['JIBRI_CONFIG_FILE', 'JIBRI_CUSTOM_CONFIG_FILE']) {
    const given = envValue(env, name);
    const file = given ?? defaultOf(name);
    if (given !== undefined || fs.existsSync(file)) files.push(file);
  }
  return files;
}

/**
 * The configuration files of this environment, merged; with custom-jibri.conf, also the tree without it
 * (its keys win over the environment; it may refer to jibri.conf's keys, so it is not read alone).
 */
export async function readConfigFiles(env: Env): Promise<ConfigFileTree | undefined> {
  const files = configFilesFor(env);
  try {
    const file = await parseConfigFiles(files);
    const custom = envValue(env, 'JIBRI_CUSTOM_CONFIG_FILE') ?? defaultOf('JIBRI_CUSTOM_CONFIG_FILE');
    if (!file || !custom || files.at(-1) !== custom || files.length < 2) return file;
    const before = await parseConfigFiles(files.slice(0, -1));
    return { ...file, beforeCustom: before?.tree ?? {} };
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

/**
 * The value a setting has after the environment, jibri.conf and its default, as text: what
 * `jibri-ts config get NAME` prints for the ops scripts (they need the API ports, wherever they are set).
 */
export async function settingValue(name: string, env: Env): Promise<string> {
  if (!SETTINGS.some((s) => s.name === name)) throw new ConfigError([`${name} is not a jibri-ts setting; see .env.example`]);
  const file = await readConfigFiles(env);
  const f = readerFor(env, file).find(name);
  if (f.from !== 'file') return f.text;
  return Array.isArray(f.value) ? f.value.map(String).join(',') : String(f.value);
}

/** jibri.conf keys jibri-ts knows but does not act on, with why; named in the start-up warning when set. */
const UNSUPPORTED_KEYS: ReadonlyArray<[RegExp, string]> = [
  [/^jibri\.sip\./, 'no SIP gateway'],
  [/^jibri\.selenium\./, 'the browser is driven through Playwright'],
  [/^jibri\.ffmpeg\.(ffmpeg|input-linux|input-mac|audio-params|video-params|video-params-recording|video-params-streaming|command-[a-z-]+)$/, 'the ffmpeg command is built by jibri-ts'],
  [/^jibri\.ffmpeg\.(audio-source|audio-device)$/, 'audio comes from a PulseAudio sink per session'],
  [/^jibri\.ffmpeg\.(streaming-buf-size|streaming-format|recording-format|recording-extension)$/, 'fixed: FLV streams with a buffer of twice the max bitrate, MP4 files'],
];

/** jibri.conf's leaf keys no setting reads (but `skip`, read as a whole elsewhere), each with why. */
export function ignoredKeys(tree: TreeObject, used: ReadonlySet<string>, skip: string): string[] {
  const out: string[] = [];
  for (const key of leafKeys(tree)) {
    if (used.has(key) || key === skip) continue;
    const unsupported = UNSUPPORTED_KEYS.find(([re]) => re.test(key));
    out.push(unsupported ? `${key} (not supported: ${unsupported[1]})` : `${key} (unknown)`);
  }
  return out;
}
