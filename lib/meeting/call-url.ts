/**
 * The URL the browser opens: `<baseUrl>/<callName>#<Jibri's recording options>&<extras>&<hidden login>`.
 * Jitsi Meet reads the hash as config overrides; the order and the (non-)encoding follow Jibri exactly,
 * because deployments have tuned their config.js against what Jibri sends.
 */
/** Credentials the browser uses to join the conference (Jibri's "call login"). */
export interface CallLogin {
  domain: string;
  username: string;
  password: string;
}

/** Where the meeting page is: `<baseUrl>/<callName>`, plus hash parameters added after Jibri's own. */
export interface CallTarget {
  baseUrl: string;
  callName: string;
  /** Extra `key=value` hash parameters, e.g. `config.analytics.rtcstatsEnabled=true`. */
  extraUrlParams: string[];
}

export const RECORDING_URL_OPTIONS: readonly string[] = [
  'config.analytics.disabled=true',
  'config.disableInitialGUM=true',
  'config.externalConnectUrl=null',
  'config.iAmRecorder=true',
  'config.p2p.enabled=false',
  'config.prejoinConfig.enabled=false',
  'config.requireDisplayName=false',
  'config.deeplinking.disabled=true',
  'config.startWithAudioMuted=true',
  'config.startWithVideoMuted=true',
  'interfaceConfig.APP_NAME="Jibri"',
];

/** The keys Jitsi Meet copies into its local storage before it connects, in Jibri's order. */
export function localStorageEntries(login: CallLogin | undefined, callStatsUserName: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [
    ['displayname', ''],
    ['email', ''],
    ['callStatsUserName', callStatsUserName],
  ];
  if (login) {
    entries.push(['xmpp_username_override', `${login.username}@${login.domain}`]);
    entries.push(['xmpp_password_override', login.password]);
  }
  return entries;
}

/** Java's URLEncoder plus Jibri's fix-ups, which is JavaScript's encodeURIComponent for ASCII input. */
function encodeLikeJibri(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Jitsi Meet parses `appData.localStorageContent` twice (once as a URL param, once as JSON), so the
 * object is serialised, wrapped as a JSON string literal, then percent-encoded.
 */
export function encodeLocalStorageContent(entries: Array<[string, string]>): string {
  const inner = JSON.stringify(Object.fromEntries(entries));
  // A JSON string of the JSON object, as Jibri builds it; JSON.stringify also escapes backslashes,
  // which a password may hold.
  const outer = JSON.stringify(inner);
  return encodeLikeJibri(outer);
}

/** Longest call name accepted, from either edge. */
export const MAX_CALL_NAME = 1024;

/**
 * Pure: what is wrong with a call name (the HTTP `callName`, or the local part of a room JID), or
 * undefined. The same rules for both edges: the name becomes the URL's last path segment and the start
 * of the file name, so `#`, `?` and spaces (which would move the rest into the hash or the query) and
 * control characters are refused rather than passed on.
 */
export function callNameProblem(name: string): string | undefined {
  if (!name.trim()) return 'must not be empty';
  if (name.length > MAX_CALL_NAME) return `must be at most ${MAX_CALL_NAME} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  if (/[#?\s]/.test(name)) return 'must not contain spaces, "#" or "?"';
  return undefined;
}

/**
 * Whether the recorder's own (configured) login may be handed to the meeting at `baseUrl`: only when the
 * meeting is on one of the operator's origins. The login goes into the page's hash and localStorage, so
 * any other page, on a host or port a caller chose, would receive the password.
 */
export function recorderLoginAllowed(baseUrl: string, origins: readonly string[]): boolean {
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    return false;
  }
  return origins.includes(origin);
}

/** The meeting URL without any hash: what metadata.json and the logs show. */
export function meetingUrl(call: Pick<CallTarget, 'baseUrl' | 'callName'>): string {
  return `${call.baseUrl}/${call.callName}`;
}

export function hashParams(call: CallTarget, login: CallLogin | undefined, callStatsUserName: string): string[] {
  const params = [...RECORDING_URL_OPTIONS, ...call.extraUrlParams, 'config.useHostPageLocalStorage=true'];
  params.push(`appData.localStorageContent=${encodeLocalStorageContent(localStorageEntries(login, callStatsUserName))}`);
  return [...new Set(params)];
}

/** The full URL, hidden login included: a secret, never to be logged. */
export function callUrlWithLogin(call: CallTarget, login: CallLogin | undefined, callStatsUserName: string): string {
  return `${meetingUrl(call)}#${hashParams(call, login, callStatsUserName).join('&')}`;
}
