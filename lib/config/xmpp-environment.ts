/** What an XMPP environment is, whichever source describes it (the XMPP_* variables, or jibri.conf's list). */
import type { XmppServer } from '@jibri-ts/common';

/** Where jibri.conf lists Jibri's environments. */
export const ENVIRONMENTS_KEY = 'jibri.api.xmpp.environments';

export interface RecorderLogin {
  domain: string;
  username: string;
  password: string;
  /** Jibri's randomize-username: the browser logs in as `<username>-<8 random characters>`. */
  randomizeUsername?: boolean;
}

/**
 * One of Jibri's XMPP environments: a Jitsi deployment this recorder serves. docker-jitsi-meet's variables
 * describe one; jibri.conf's `jibri.api.xmpp.environments` may list several, each with its own servers,
 * logins, brewery, URL rules and usage timeout.
 */
export interface XmppEnvironment {
  /** Jibri's environment name; with the server entry it names where a session came from. */
  name: string;
  servers: XmppServer[];
  /** Control login: username@authDomain (Jibri's control-login). */
  authDomain: string;
  username: string;
  password: string;
  /** The brewery (control-muc): room@domain, lower case. */
  breweryJid: string;
  nickname: string;
  /** For call URLs: the XMPP domain, the prefix stripped from room domains, and the public base URL. */
  xmppDomain: string;
  stripFromRoomDomain: string;
  publicUrl?: string;
  trustAllCerts: boolean;
  /** The browser's login for sessions from this environment (Jibri's call-login). */
  callLogin?: RecorderLogin;
  /** Longest a session started from this environment may run, in whole minutes as Jibri keeps it; 0 = no limit. */
  usageTimeoutSec: number;
}
