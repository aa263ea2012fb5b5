/**
 * What reading the configuration needs to know about the machine, and the helpers every area reader
 * shares. The real file system and network interfaces by default; unit specs give their own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigFileTree } from './jibri-conf';

export type Env = Record<string, string | undefined>;

export interface ConfigContext {
  /** The parsed jibri.conf (and custom-jibri.conf); none by default. */
  file?: ConfigFileTree;
  /** Whether the service could write into this folder (it, or the nearest folder above it that exists). */
  writable?: (dir: string) => boolean;
  /** Whether this path is a folder. */
  isDirectory?: (dir: string) => boolean;
  /** The machine's addresses, for the autoscaler's privateIp. */
  localAddress?: () => string;
  /** A key file's name after following symbolic links, for the autoscaler's default kid. */
  realpath?: (file: string) => string;
  /** The autoscaler instance id of this start when none is set (a new `jibri-<nanoseconds>` by default). */
  newInstanceId?: () => string;
  /** Reads a NAME_FILE secret (fs by default). */
  readSecretFile?: (file: string) => string;
}

export function writableFolder(dir: string): boolean {
  let d = path.resolve(dir);
  for (;;) {
    try {
      fs.accessSync(d, fs.constants.W_OK);
      return fs.statSync(d).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      const up = path.dirname(d);
      if (up === d) return false;
      d = up;
    }
  }
}

export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The first non-internal IPv4 address, as docker-jitsi-meet's `ip route get 1` would pick on most hosts. */
export function firstLocalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function optionalField<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Loopback addresses and names: an API bound there is reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The origin (`scheme://host[:port]`) of an http(s) URL, or undefined. */
export function originOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
