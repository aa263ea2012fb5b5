/**
 * Pure: the two challenge-responses RTMP ingests use for a publisher's username and password, as ffmpeg
 * speaks them. The ingest turns the first connect down with `authmod=adobe` or `authmod=llnw` in the
 * error's description; the client connects again with `?authmod=...&user=...` after the application (in
 * `app` and `tcUrl`), is answered with a salt and challenge (adobe) or a nonce (llnw), and connects a
 * last time with the response. The password itself never leaves the recorder; the username does (in the
 * query), so neither is ever logged.
 *
 * - adobe: response = b64(md5(b64(md5(user + salt + password)) + (opaque ?? challenge) + clientChallenge))
 * - llnw (Limelight, HTTP digest style, realm "live", method "publish", qop "auth", nc 00000001):
 *   response = hex(md5(hex(md5(user:live:password)) : nonce : nc : cnonce : auth : hex(md5(publish:/app))))
 *   where app gets `/_definst_` when it has no instance.
 */
import { createHash } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
}

export type AuthStep =
  /** Connect again with these parameters after the application name. */
  | { kind: 'retry'; params: string; responded: boolean }
  /** Authentication cannot succeed: say why (never with the credentials in it). */
  | { kind: 'fail'; reason: string }
  /** The rejection is not about authentication. */
  | { kind: 'not-auth' };

function md5(s: string): Buffer {
  return createHash('md5').update(s, 'utf8').digest();
}

export function adobeResponse(opts: { user: string; password: string; salt: string; challenge: string; clientChallenge: string }): string {
  const key = md5(opts.user + opts.salt + opts.password).toString('base64');
  return md5(key + opts.challenge + opts.clientChallenge).toString('base64');
}

export const LLNW_NC = '00000001';

export function llnwResponse(opts: { user: string; password: string; app: string; nonce: string; cnonce: string }): string {
  const ha1 = md5(`${opts.user}:live:${opts.password}`).toString('hex');
  const app = opts.app.includes('/') ? opts.app : `${opts.app}/_definst_`;
  const ha2 = md5(`publish:/${app}`).toString('hex');
  return md5(`${ha1}:${opts.nonce}:${LLNW_NC}:${opts.cnonce}:auth:${ha2}`).toString('hex');
}

/** `key=value&...` after `?reason=needauth` in a description, as the ingest sent it. */
function challengeFields(description: string): Map<string, string> {
  const at = description.indexOf('?reason=needauth');
  const fields = new Map<string, string>();
  if (at < 0) return fields;
  for (const pair of description.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1).trim());
  }
  return fields;
}

/**
 * What to do after a rejected connect. `responded` says whether the last connect already carried a
 * response (a second rejection then means the credentials are wrong). `random8` gives the client's
 * challenge or cnonce: eight hex digits, random in use, fixed in tests.
 */
export function nextAuthStep(opts: { description: string; credentials?: Credentials; app: string; responded: boolean; random8: () => string }): AuthStep {
  const { description, credentials } = opts;
  const mod = /authmod=(adobe|llnw)\b/.exec(description)?.[1];
  if (!mod) return { kind: 'not-auth' };
  if (!credentials?.username || !credentials.password) return { kind: 'fail', reason: 'the ingest asks for a username and password and none were given' };
  if (description.includes('?reason=authfailed')) return { kind: 'fail', reason: 'the ingest refused the username or password' };
  if (description.includes('?reason=nosuchuser')) return { kind: 'fail', reason: 'the ingest does not know the username' };
  if (opts.responded) return { kind: 'fail', reason: 'the ingest refused the authentication' };
  // Values go into the query as they are, as ffmpeg sends them: ingests compare them unescaped.
  if (description.includes('code=403 need auth')) return { kind: 'retry', params: `?authmod=${mod}&user=${credentials.username}`, responded: false };
  const fields = challengeFields(description);
  if (!fields.size) return { kind: 'fail', reason: `the ingest asked for ${mod} authentication without a challenge` };
  // The ingest echoes the user it knows; the hash is over that name, as the ingest will compute it.
  const echoed = fields.get('user') ?? credentials.username;
  const random = opts.random8();
  if (mod === 'adobe') {
    const opaque = fields.get('opaque');
    const challenge = opaque ?? fields.get('challenge') ?? '';
    const response = adobeResponse({ user: echoed, password: credentials.password, salt: fields.get('salt') ?? '', challenge, clientChallenge: random });
    return {
      kind: 'retry',
      params: `?authmod=adobe&user=${echoed}&challenge=${random}&response=${response}${opaque !== undefined ? `&opaque=${opaque}` : ''}`,
      responded: true,
    };
  }
  const nonce = fields.get('nonce') ?? '';
  const response = llnwResponse({ user: echoed, password: credentials.password, app: opts.app, nonce, cnonce: random });
  return {
    kind: 'retry',
    params: `?authmod=llnw&user=${echoed}&nonce=${nonce}&cnonce=${random}&nc=${LLNW_NC}&response=${response}`,
    responded: true,
  };
}
