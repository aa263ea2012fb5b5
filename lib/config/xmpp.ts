/**
 * The XMPP area: Jibri's XMPP environments (docker-jitsi-meet's XMPP_* variables describe one; jibri.conf
 * may list several, xmpp-file.ts), the connections' pings and grace, and the browser's call login with the
 * origins it is handed to.
 */
import { parseXmppServers, valueAt, type Reader } from '@jibri-ts/common';
import { optionalField, originOf } from './context';
import type { ConfigFileTree } from './jibri-conf';
import { ENVIRONMENTS_KEY, type RecorderLogin, type XmppEnvironment } from './xmpp-environment';
import { readFileEnvironments } from './xmpp-file';
import { jibriUsageTimeout } from './usage-timeout';

export { ENVIRONMENTS_KEY, type RecorderLogin, type XmppEnvironment } from './xmpp-environment';

/** What the XMPP area reads: the environments, and the browser's call login for HTTP-started sessions. */
export interface XmppSettings {
  /** Jibri's XMPP environments; empty when none is configured: the service then runs HTTP-only. */
  xmppEnvironments: XmppEnvironment[];
  /** Seconds between XMPP pings on every connection (Jibri: 30 s); a ping unanswered drops the connection. */
  xmppPingIntervalSec: number;
  /** How long an XMPP server may stay unreachable (or refuse the login) before health says UNHEALTHY. */
  xmppUnreachableGraceSec: number;
  /** JIBRI_XMPP_AUDIO_ONLY: Jicofo's file recordings record the meeting's sound alone (an `.m4a`). */
  xmppAudioOnly: boolean;
  /** The browser's call login for HTTP requests that bring none (JIBRI_RECORDER_USER at XMPP_HIDDEN_DOMAIN). */
  recorderLogin?: RecorderLogin;
  /**
   * The operator's own meeting origins (PUBLIC_URL, https://XMPP_DOMAIN, each environment's base URL and
   * domain, JIBRI_CALL_LOGIN_ALLOWED_ORIGINS): the only ones recorderLogin is handed to.
   */
  recorderLoginOrigins: string[];
}

interface EnvironmentDefaults {
  instanceId: string;
  usageTimeoutSec: number;
  recorderLogin: RecorderLogin | undefined;
}

/** `ignored` collects the jibri.conf keys of the environment list that nothing reads. */
export function readXmpp(r: Reader, file: ConfigFileTree | undefined, instanceId: string, warnings: string[], ignored: string[]): XmppSettings {
  const recorderPassword = r.optional('JIBRI_RECORDER_PASSWORD');
  const recorderLogin: RecorderLogin | undefined = recorderPassword
    ? { domain: r.optional('XMPP_HIDDEN_DOMAIN') ?? r.optional('XMPP_RECORDER_DOMAIN') ?? r.text('XMPP_HIDDEN_DOMAIN'), username: r.text('JIBRI_RECORDER_USER'), password: recorderPassword }
    : undefined;
  const usageTimeoutSec = readEnvUsageTimeout(r, warnings);
  const xmppEnvironments = readEnvironments(r, file, { instanceId, usageTimeoutSec, recorderLogin }, warnings, ignored);
  if (usageTimeoutSec > 0 && !r.isSet('XMPP_SERVER')) {
    warnings.push('JIBRI_USAGE_TIMEOUT limits nothing here: it is the usage timeout of the environment the XMPP_* variables describe, and XMPP_SERVER is not set (jibri.conf environments have their own usage-timeout); HTTP-started sessions take JIBRI_HTTP_USAGE_TIMEOUT');
  }
  return {
    xmppEnvironments,
    xmppPingIntervalSec: r.duration('JIBRI_XMPP_PING_INTERVAL', 1, 3600),
    xmppUnreachableGraceSec: r.duration('JIBRI_XMPP_UNREACHABLE_GRACE', 1, 24 * 3600),
    xmppAudioOnly: r.bool('JIBRI_XMPP_AUDIO_ONLY'),
    ...optionalField('recorderLogin', recorderLogin),
    recorderLoginOrigins: readLoginOrigins(r, xmppEnvironments),
  };
}

/**
 * JIBRI_USAGE_TIMEOUT as Jibri reads the usage-timeout docker-jitsi-meet renders it into: HOCON (a bare
 * number is milliseconds), in whole minutes (usage-timeout.ts).
 */
function readEnvUsageTimeout(r: Reader, warnings: string[]): number {
  const raw = r.text('JIBRI_USAGE_TIMEOUT');
  const shown = `JIBRI_USAGE_TIMEOUT=${JSON.stringify(raw)}`;
  const parsed = jibriUsageTimeout(raw, shown);
  if (!parsed.ok) {
    r.problems.push(`${shown}: ${parsed.error}`);
    return 0;
  }
  if (parsed.sec > 30 * 24 * 3600) r.problems.push(`${shown}: expected at most 30 days`);
  if (parsed.warning) warnings.push(parsed.warning);
  return parsed.sec;
}

/**
 * The XMPP environments: the one docker-jitsi-meet's variables describe when XMPP_SERVER is set, else
 * jibri.conf's list. Both at once would be two sources for the same thing; the environment wins, as
 * everywhere, and the file's list is named in a warning.
 */
function readEnvironments(r: Reader, file: ConfigFileTree | undefined, d: EnvironmentDefaults, warnings: string[], ignored: string[]): XmppEnvironment[] {
  const listed = file ? valueAt(file.tree, ENVIRONMENTS_KEY) : undefined;
  const fromEnv = readEnvEnvironment(r, d);
  const haveFileList = Array.isArray(listed) && listed.length > 0;
  if (fromEnv) {
    if (haveFileList) warnings.push(`${ENVIRONMENTS_KEY} in ${file?.files.join(' + ')} is not used: XMPP_SERVER is set, so the XMPP_* variables describe the one environment`);
    return [fromEnv];
  }
  if (listed === undefined || listed === null) return [];
  if (!Array.isArray(listed)) {
    r.problems.push(`jibri.conf ${ENVIRONMENTS_KEY}: expected a list of environments`);
    return [];
  }
  return readFileEnvironments(r, listed, `jibri.conf ${ENVIRONMENTS_KEY}`, ignored, warnings);
}

/** docker-jitsi-meet's variables: one environment, with one connection per XMPP_SERVER entry. */
function readEnvEnvironment(r: Reader, d: EnvironmentDefaults): XmppEnvironment | undefined {
  const raw = r.optional('XMPP_SERVER');
  const defaultPort = r.int('XMPP_PORT', 1, 65535);
  const trustAllCerts = r.bool('XMPP_TRUST_ALL_CERTS');
  if (raw === undefined) return undefined;
  const servers = parseXmppServers(raw, defaultPort);
  if (typeof servers === 'string') {
    r.problems.push(`XMPP_SERVER=${JSON.stringify(raw)}: ${servers}; expected a comma-separated list of host or host:port`);
    return undefined;
  }
  const password = r.optional('JIBRI_XMPP_PASSWORD');
  if (!password) r.problems.push('JIBRI_XMPP_PASSWORD is not set: with XMPP_SERVER, the control login needs its password');
  const mucDomain = r.text('XMPP_MUC_DOMAIN');
  // docker-jitsi-meet writes strip-from-room-domain = "<JIBRI_STRIP_DOMAIN_JID>.".
  const strip = r.optional('JIBRI_STRIP_DOMAIN_JID') ?? mucDomain.split('.')[0] ?? '';
  const publicUrl = r.optional('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl && !/^https?:\/\/[^/\s#?]+/.test(publicUrl)) r.problems.push(`PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an http(s) URL such as https://meet.example.com`);
  return {
    name: r.text('XMPP_ENV_NAME'),
    servers,
    authDomain: r.text('XMPP_AUTH_DOMAIN'),
    username: r.text('JIBRI_XMPP_USER'),
    password: password ?? '',
    breweryJid: `${r.text('JIBRI_BREWERY_MUC')}@${r.text('XMPP_INTERNAL_MUC_DOMAIN')}`.toLowerCase(),
    nickname: d.instanceId,
    xmppDomain: r.text('XMPP_DOMAIN'),
    stripFromRoomDomain: strip ? `${strip}.` : '',
    ...(publicUrl ? { publicUrl } : {}),
    trustAllCerts,
    ...optionalField('callLogin', d.recorderLogin),
    usageTimeoutSec: d.usageTimeoutSec,
  };
}

/**
 * The operator's own origins: PUBLIC_URL and https://XMPP_DOMAIN (read even without XMPP_SERVER, for an
 * HTTP-only recorder), each XMPP environment's base URL and domain, and JIBRI_CALL_LOGIN_ALLOWED_ORIGINS.
 * A PUBLIC_URL that is no URL adds nothing here (the XMPP environment reports it).
 */
function readLoginOrigins(r: Reader, environments: readonly XmppEnvironment[]): string[] {
  const origins = new Set<string>();
  const add = (raw: string | undefined): void => {
    const origin = raw ? originOf(raw) : undefined;
    if (origin) origins.add(origin);
  };
  add(r.optional('PUBLIC_URL'));
  add(`https://${r.text('XMPP_DOMAIN')}`);
  for (const env of environments) {
    add(env.publicUrl);
    add(`https://${env.xmppDomain}`);
  }
  for (const raw of r.list('JIBRI_CALL_LOGIN_ALLOWED_ORIGINS')) {
    let bare: boolean;
    try {
      const url = new URL(raw);
      bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password;
    } catch {
      bare = false;
    }
    const origin = bare ? originOf(raw) : undefined;
    if (!origin) r.problems.push(`JIBRI_CALL_LOGIN_ALLOWED_ORIGINS: ${JSON.stringify(raw.slice(0, 100))} is not an origin such as https://meet.example.com (scheme, host and port only)`);
    else origins.add(origin);
  }
  return [...origins];
}
