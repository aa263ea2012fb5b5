/**
 * Pure: the room JID of a start IQ → the meeting to join, by Jibri's rules: strip a prefix (first
 * occurrence, case-insensitive, unanchored) from the room's domain, take what stands before the XMPP
 * domain as the tenant, and put the room's local part after the base URL (PUBLIC_URL, else
 * https://<XMPP_DOMAIN>). Unlike Jibri, a bad room is an error value, not an exception, and the local
 * part follows the same rules as the HTTP API's callName (no `#`, `?`, spaces or control characters).
 */
import { callNameProblem } from '../meeting/call-url';

export interface RoomUrlOptions {
  stripFromRoomDomain: string;
  xmppDomain: string;
  baseUrl?: string;
}

/** `badName`: the room's name breaks the call-name rules (a request no recorder can serve). */
export type RoomTarget = { ok: true; baseUrl: string; callName: string; tenant: string } | { ok: false; error: string; badName?: true };

// Localpart and domain as RFC 7622 allows in practice: no whitespace, no control characters, no "/" or "@".
// eslint-disable-next-line no-control-regex -- a JID must not contain control characters; the class excludes them
const BARE_JID = /^([^\s@/"&'<>:\u0000-\u001f\u007f]{1,1023})@([A-Za-z0-9.-]{1,1023})$/;

export function callTargetFromRoomJid(room: string | undefined, opts: RoomUrlOptions): RoomTarget {
  if (!room) return { ok: false, error: 'the start has no room' };
  const m = BARE_JID.exec(room);
  if (!m?.[1] || !m[2]) return { ok: false, error: `"${room.slice(0, 100)}" is not a room JID (name@domain)` };
  const [, local, domain] = m;
  const problem = callNameProblem(local);
  if (problem) return { ok: false, error: `the room name ${JSON.stringify(local.slice(0, 100))} ${problem}`, badName: true };
  let d = domain;
  if (opts.stripFromRoomDomain) {
    const at = d.toLowerCase().indexOf(opts.stripFromRoomDomain.toLowerCase());
    if (at >= 0) d = d.slice(0, at) + d.slice(at + opts.stripFromRoomDomain.length);
  }
  const at = d.toLowerCase().indexOf(opts.xmppDomain.toLowerCase());
  if (at < 0) return { ok: false, error: `the room domain ${domain} is not in the XMPP domain ${opts.xmppDomain}` };
  const tenant = d.slice(0, at).replace(/^\.+|\.+$/g, '');
  const base = opts.baseUrl || `https://${opts.xmppDomain}`;
  return { ok: true, baseUrl: tenant ? `${base}/${tenant}` : base, callName: local, tenant };
}
