/**
 * @jibri-ts/common: what the recorder (the repository's root package) and the fleet (packages/fleet) both
 * use, in one place: logging with the one secret redaction, the settings reader (settings, their reader, durations), token comparison, the
 * programs' version, the pieces of the XMPP brewery client the fleet's domain check shares with the recorder,
 * the pid probe, and the address rules every customer-aimed connection is checked with (net/address-policy.ts).
 * It depends on winston, @xmpp/client and ipaddr.js only, so neither program carries the other's dependencies.
 */
export { createLogger, type Logger } from './log';
export * from './redact';
export { ConfigError, environmentWithDotEnv, envValue, parseDotEnv, parseXmppServers, readSecretFiles, withSecretFiles, type Env, type Setting, type XmppServer } from './settings';
export { parseBool, Reader, readAllowedHosts, type Found, type Parsed, type SettingsFile } from './settings-reader';
export { isTreeObject, leafKeys, valueAt, type TreeObject, type TreeValue } from './settings-tree';
export { DURATION_FORMS, formatSeconds, parseDuration, type BareUnit, type DurationResult } from './duration';
export { tokenMatches } from './token';
export { pidAlive } from './pid';
export { packageVersion, versionLine } from './version';
export { NS_JIBRI } from './xmpp/namespaces';
export { stayOnService } from './xmpp/stay-on-service';
export { setSocketTrust, trustAllCertsFor } from './xmpp/tls-trust';
export {
  canonicalHost,
  checkingLookup,
  classifyAddress,
  describeRange,
  isAllowedHost,
  OUTBOUND_REFUSED_CODE,
  OutboundRefused,
  OutboundUnresolved,
  parseAllowedHosts,
  pinnedLookup,
  resolveChecked,
  type AddressVerdict,
  type AllowedHost,
  type CheckedAddress,
  type Resolver,
} from './net/address-policy';
