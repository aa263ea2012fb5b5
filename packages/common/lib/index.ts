/**
 * @jibri-ts/common: what the recorder (the repository's root package) and the fleet (packages/fleet) both
 * use, in one place: logging with the one secret redaction, the settings reader, token comparison, the
 * pieces of the XMPP brewery client the fleet's domain check shares with the recorder, and the pid probe.
 * It depends on winston and @xmpp/client only, so neither program carries the other's dependencies.
 */
export { createLogger, type Logger } from './log';
export * from './redact';
export { ConfigError, environmentWithDotEnv, parseDotEnv, parseXmppServers, readSecretFiles, withSecretFiles, type Env, type Setting, type XmppServer } from './settings';
export { tokenMatches } from './token';
export { pidAlive } from './pid';
export { NS_JIBRI } from './xmpp/namespaces';
export { stayOnService } from './xmpp/stay-on-service';
export { setSocketTrust, trustAllCertsFor } from './xmpp/tls-trust';
