/**
 * jibri.conf's list of XMPP environments (`jibri.api.xmpp.environments`), read as Jibri reads it: each
 * object with Jibri's required keys; what jibri-ts does not read is named in the start-up warning.
 */
import { DURATION_FORMS, isTreeObject, parseBool, parseXmppServers, type Reader, type TreeObject, type TreeValue, type XmppServer } from '@jibri-ts/common';
import { optionalField } from './context';
import { jibriUsageTimeout } from './usage-timeout';
import type { RecorderLogin, XmppEnvironment } from './xmpp-environment';

/** Keys of Jibri's environment object that jibri-ts reads; the others are named in the warning. */
const ENVIRONMENT_KEYS = new Set(['name', 'xmpp-server-hosts', 'xmpp-domain', 'base-url', 'control-login', 'control-muc', 'call-login', 'strip-from-room-domain', 'usage-timeout', 'trust-all-xmpp-certs']);
const LOGIN_KEYS = new Set(['domain', 'username', 'password', 'port', 'randomize-username']);
const UNSUPPORTED_ENVIRONMENT_KEYS: Record<string, string> = {
  'sip-control-muc': 'no SIP gateway',
  'security-mode': 'STARTTLS is used whenever the server offers it',
};

function shown(v: TreeValue): string {
  return JSON.stringify(v);
}

/** Every environment of the list; `where` names the list in problems (`jibri.conf jibri.api.xmpp.environments`). */
export function readFileEnvironments(r: Reader, listed: readonly TreeValue[], where: string, ignored: string[], warnings: string[]): XmppEnvironment[] {
  const environments = listed
    .map((item, i) => readFileEnvironment(new Entry(r, `${where}[${i}]`, ignored, warnings), item))
    .filter((e): e is XmppEnvironment => e !== undefined);
  const names = environments.map((e) => e.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problems.push(`${where}: the name ${JSON.stringify(dup)} is used twice`);
  return environments;
}

/** One object of the list being read: its problems and ignored keys, each named by its path. */
class Entry {
  constructor(
    readonly r: Reader,
    readonly where: string,
    readonly ignored: string[],
    readonly warnings: string[],
  ) {}

  missing(key: string): void {
    this.r.problems.push(`${this.where}.${key} is missing (Jibri requires it)`);
  }

  problem(text: string): void {
    this.r.problems.push(`${this.where}${text}`);
  }

  str(obj: TreeObject, key: string, prefix: string, required = true): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) this.missing(`${prefix}${key}`);
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.problem(`.${prefix}${key}: expected a string`);
      return undefined;
    }
    return String(v);
  }

  obj(item: TreeObject, key: string): TreeObject | undefined {
    const v = item[key];
    if (v === undefined || v === null) {
      this.missing(key);
      return undefined;
    }
    if (!isTreeObject(v)) {
      this.problem(`.${key}: expected an object`);
      return undefined;
    }
    return v;
  }

  ignore(keys: readonly string[], known: (k: string) => boolean, prefix: string, why: (k: string) => string = () => 'unknown'): void {
    for (const k of keys) if (!known(k)) this.ignored.push(`${this.where}.${prefix}${k} (${why(k)})`);
  }
}

function readFileEnvironment(e: Entry, item: TreeValue): XmppEnvironment | undefined {
  if (!isTreeObject(item)) {
    e.problem(': expected an object');
    return undefined;
  }
  const before = e.r.problems.length;
  e.ignore(Object.keys(item), (k) => ENVIRONMENT_KEYS.has(k), '', (k) => (UNSUPPORTED_ENVIRONMENT_KEYS[k] ? `not supported: ${UNSUPPORTED_ENVIRONMENT_KEYS[k]}` : 'unknown'));
  const name = e.str(item, 'name', '');
  const controlLogin = e.obj(item, 'control-login');
  const controlMuc = e.obj(item, 'control-muc');
  const callLogin = e.obj(item, 'call-login');
  for (const [key, login] of [['control-login', controlLogin], ['call-login', callLogin]] as const) e.ignore(Object.keys(login ?? {}), (k) => LOGIN_KEYS.has(k), `${key}.`);
  const servers = readServers(e, item, controlLogin);
  const xmppDomain = e.str(item, 'xmpp-domain', '');
  const baseUrl = e.str(item, 'base-url', '', false)?.replace(/\/+$/, '');
  if (baseUrl && !/^https?:\/\/[^/\s#?]+/.test(baseUrl)) e.problem(`.base-url = ${JSON.stringify(baseUrl)}: expected an http(s) URL`);
  const strip = e.str(item, 'strip-from-room-domain', '');
  const usageTimeoutSec = readUsageTimeout(e, item['usage-timeout']);
  const trustAllCerts = readTrust(e, item['trust-all-xmpp-certs']);
  const control = readLogin(e, controlLogin, 'control-login');
  const call = readLogin(e, callLogin, 'call-login');
  const mucDomain = controlMuc ? e.str(controlMuc, 'domain', 'control-muc.') : undefined;
  const roomName = controlMuc ? e.str(controlMuc, 'room-name', 'control-muc.') : undefined;
  const nickname = controlMuc ? e.str(controlMuc, 'nickname', 'control-muc.') : undefined;
  e.ignore(Object.keys(controlMuc ?? {}), (k) => ['domain', 'room-name', 'nickname'].includes(k), 'control-muc.');
  if (e.r.problems.length > before || !name || !xmppDomain || strip === undefined || !control || !mucDomain || !roomName || !nickname) return undefined;
  return {
    name,
    servers,
    authDomain: control.domain,
    username: control.username,
    password: control.password,
    breweryJid: `${roomName}@${mucDomain}`.toLowerCase(),
    nickname,
    xmppDomain,
    stripFromRoomDomain: strip,
    ...(baseUrl ? { publicUrl: baseUrl } : {}),
    trustAllCerts,
    ...optionalField('callLogin', call),
    usageTimeoutSec,
  };
}

/** xmpp-server-hosts, on control-login's port (Jibri's default 5222). */
function readServers(e: Entry, item: TreeObject, controlLogin: TreeObject | undefined): XmppServer[] {
  const portText = controlLogin ? e.str(controlLogin, 'port', 'control-login.', false) : undefined;
  const port = portText === undefined ? 5222 : Number(portText);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) e.problem(`.control-login.port = ${JSON.stringify(portText)}: expected a port from 1 to 65535`);
  const hosts = item['xmpp-server-hosts'];
  if (hosts === undefined || hosts === null) {
    e.missing('xmpp-server-hosts');
    return [];
  }
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string')) {
    e.problem('.xmpp-server-hosts: expected a list of "host" or "host:port"');
    return [];
  }
  const parsed = parseXmppServers(hosts, port);
  if (typeof parsed !== 'string') return parsed;
  e.problem(`.xmpp-server-hosts: ${parsed}`);
  return [];
}

function readUsageTimeout(e: Entry, usage: TreeValue | undefined): number {
  if (usage === undefined || usage === null) {
    e.missing('usage-timeout');
    return 0;
  }
  const where = `${e.where}.usage-timeout = ${shown(usage)}`;
  const parsed = typeof usage === 'string' || typeof usage === 'number' ? jibriUsageTimeout(usage, where) : { ok: false as const, error: `expected ${DURATION_FORMS}` };
  if (!parsed.ok) {
    e.r.problems.push(`${where}: ${parsed.error}`);
    return 0;
  }
  if (parsed.warning) e.warnings.push(parsed.warning);
  return parsed.sec;
}

function readTrust(e: Entry, trust: TreeValue | undefined): boolean {
  if (trust === undefined || trust === null) {
    e.missing('trust-all-xmpp-certs');
    return false;
  }
  const b = typeof trust === 'boolean' ? trust : parseBool(String(trust));
  if (b === undefined) e.problem(`.trust-all-xmpp-certs = ${shown(trust)}: expected true or false`);
  return b ?? false;
}

function readLogin(e: Entry, o: TreeObject | undefined, key: string): RecorderLogin | undefined {
  if (!o) return undefined;
  const domain = e.str(o, 'domain', `${key}.`);
  const username = e.str(o, 'username', `${key}.`);
  const password = e.str(o, 'password', `${key}.`);
  const randomize = o['randomize-username'];
  const randomizeUsername = randomize === undefined ? false : typeof randomize === 'boolean' ? randomize : parseBool(String(randomize));
  if (randomizeUsername === undefined) e.problem(`.${key}.randomize-username: expected true or false`);
  return domain && username && password !== undefined ? { domain, username, password, ...(randomizeUsername ? { randomizeUsername } : {}) } : undefined;
}
