/**
 * The scripts run inside the Jitsi Meet page, each passed as is to Playwright's `page.evaluate(fn, arg)`.
 * Playwright sends the function's source text to the browser, so every function here must be
 * self-contained: no imports, no calls to other functions of this module, no module-level constants
 * (that is why the hidden-participant filter is repeated). Only type imports, which compile away.
 * Running these under a coverage instrumenter would break them (it inserts counters into their bodies).
 *
 * None of them throws: a JavaScript exception becomes `{ error }` (or, for `setPresenceFields`, the
 * message string, as Jibri's script returns it), so the caller can tell "the page answered" from "the
 * page failed". A failed script, like an `evaluate` that times out or rejects because the page crashed
 * or the browser is gone, is Jibri's "Chrome hung" (`CallStatusMonitor.observeFailure`).
 *
 * The surface used is lib-jitsi-meet's, reached through Jitsi Meet's `APP` global: `APP.conference`
 * (getStats, getConnectionState) and its `_room` (the JitsiConference: isJoined, getParticipants, leave),
 * whose `room` is the XMPP ChatRoom (members, addListener for `xmpp.*` events, addOrReplaceInPresence,
 * sendPresence).
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   These functions run inside the meeting page, on Jitsi Meet's untyped `APP` global: every value they read is
   checked at run time (typeof, Number.isFinite, optional calls) before it leaves the page. */
import type { CallSample, ScriptError } from './call-status';

/** `samplePage()`'s result: a call sample plus the hidden participants, for the logs. */
export interface PageSample extends CallSample {
  hiddenParticipants: number;
}

/** A participant as recorded in metadata.json. */
export interface TrackedParticipant {
  /** The participant's endpoint id (the resource of its MUC occupant JID). */
  id: string;
  /** Display name: the MUC nick when set, else the identity's user name. */
  name: string;
  /** The identity from the participant's token (`context` of the JWT), as the MUC presence carries it. */
  identity: unknown;
}

/** True once the conference is joined (`APP.conference._room.isJoined()`). Poll it with `evaluate`. */
export function isJoined(): boolean | ScriptError {
  try {
    return (window as any).APP.conference._room.isJoined() === true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** One call-status poll, with the numbers Jibri reads by separate scripts taken at once. */
export function samplePage(): PageSample | ScriptError {
  try {
    const conference = (window as any).APP.conference;
    const all: any[] = conference._room.getParticipants();
    const visible = all.filter((p) => !(p.isHidden() || p.isHiddenFromRecorder()));
    const stats = conference.getStats();
    const download = stats?.bitrate?.download;
    return {
      remoteParticipants: visible.length,
      mutedParticipants: visible.filter((p) => p.isAudioMuted() && p.isVideoMuted() && p.getProperty('features_jigasi') !== true).length,
      // Loose equality, as Jibri's script: jigasi and muted differ in how they treat a non-boolean value.
      // eslint-disable-next-line eqeqeq
      jigasiParticipants: visible.filter((p) => p.getProperty('features_jigasi') == true).length,
      hiddenParticipants: all.length - visible.length,
      downloadBitrate: typeof download === 'number' && Number.isFinite(download) ? download : 0,
      iceConnected: String(conference.getConnectionState()).toLowerCase() === 'connected',
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Starts recording who joins, in `window._jibriParticipants` (a Map keyed by occupant JID): the members
 * already in the room, then every `xmpp.muc_member_joined` that is not hidden and carries an identity
 * (participants without a token are not recorded, as in Jibri), and display-name changes. People who
 * leave stay in the list: metadata.json lists everyone who took part. Installing twice does nothing more.
 */
export function installParticipantTracker(): true | ScriptError {
  try {
    const w = window as any;
    const chatRoom = w.APP.conference._room.room;
    if (w._jibriParticipants instanceof Map && w._jibriParticipantsRoom === chatRoom) return true;
    const tracked = new Map<string, { id: string; name: string; identity: unknown }>();
    const nameOf = (nick: unknown, identity: any): string =>
      typeof nick === 'string' && nick.length > 0 ? nick : typeof identity?.user?.name === 'string' ? identity.user.name : '';
    const members = chatRoom.members ?? {};
    for (const jid of Object.keys(members)) {
      const member = members[jid];
      if (member?.identity && !member.isHiddenDomain) {
        tracked.set(jid, { id: jid.slice(jid.lastIndexOf('/') + 1), name: nameOf(member.nick, member.identity), identity: member.identity });
      }
    }
    chatRoom.addListener('xmpp.muc_member_joined', (from: string, nick: unknown, _role: unknown, hidden: unknown, _statsId: unknown, _status: unknown, identity: unknown) => {
      if (!hidden && identity) tracked.set(from, { id: from.slice(from.lastIndexOf('/') + 1), name: nameOf(nick, identity), identity });
    });
    chatRoom.addListener('xmpp.display_name_changed', (from: string, displayName: unknown) => {
      const entry = tracked.get(from);
      if (entry && typeof displayName === 'string') entry.name = displayName;
    });
    w._jibriParticipants = tracked;
    w._jibriParticipantsRoom = chatRoom;
    return true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Everyone the tracker has seen, in joining order (an empty list if it was never installed). */
export function participants(): TrackedParticipant[] | ScriptError {
  try {
    const tracked = (window as any)._jibriParticipants;
    if (!(tracked instanceof Map)) return [];
    return Array.from(tracked.values(), (p: any) => ({ id: String(p.id), name: String(p.name), identity: p.identity ?? null }));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Sets fields of the recorder's presence in the conference (`session_id`, `mode`, `live-stream-view-url`),
 * then sends the presence once. True, or the error message (Jibri's contract).
 */
export function setPresenceFields(fields: Record<string, string>): true | string {
  try {
    const chatRoom = (window as any).APP.conference._room.room;
    for (const [key, value] of Object.entries(fields)) chatRoom.addOrReplaceInPresence(key, { value });
    chatRoom.sendPresence();
    return true;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Leaves the conference, waiting up to 2 s for lib-jitsi-meet's leave to finish (as Jibri waits up to
 * 2 s for the call to look empty). True once left or after the wait; `{ error }` if leaving threw or
 * failed.
 */
export async function leave(): Promise<true | ScriptError> {
  try {
    const result = (window as any).APP.conference._room.leave();
    if (result && typeof result.then === 'function') {
      await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
    return true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
