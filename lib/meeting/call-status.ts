/**
 * Jibri's periodic call-status checks as a pure monitor: the meeting (meeting.ts) polls the page (see
 * `page-scripts.ts`), hands each result to `observe()` with the time, and ends the session on the first
 * event returned. No timers and no I/O here, so every rule is tested with a fake clock.
 *
 * The checks run in Jibri's order and stop at the first that fires: call empty, then media received
 * (all muted / no media), then ICE. Every comparison is strictly greater than the timeout, as Jibri's.
 */

/** What one poll of the meeting page returned. */
export interface CallSample {
  /** Remote participants, not counting hidden ones (`isHidden()` or `isHiddenFromRecorder()`) nor the recorder. */
  remoteParticipants: number;
  /** Of those, the ones with audio and video muted that are not jigasi. */
  mutedParticipants: number;
  /** Of those, the jigasi (telephone) ones: they publish no mute state. */
  jigasiParticipants: number;
  /** `APP.conference.getStats().bitrate.download` (kbit/s), 0 when missing. */
  downloadBitrate: number;
  /** `APP.conference.getConnectionState()` is `connected` (case-insensitive). */
  iceConnected: boolean;
}

/** The checks' timeouts in seconds; 0 disables that check. */
export interface CallStatusTimeouts {
  /** No remote participant for longer than this ends the session normally. */
  callEmptySec: number;
  /** Every remote participant muted for longer than this ends the session normally. */
  allMutedSec: number;
  /** No media received (while someone is unmuted) for longer than this is an error. */
  noMediaSec: number;
  /** ICE not connected (while others are there) for longer than this is an error. */
  iceSec: number;
}

/** Jibri's defaults (`jibri.call-status-checks.*` in its reference.conf). */
export const DEFAULT_CALL_STATUS_TIMEOUTS: Readonly<CallStatusTimeouts> = Object.freeze({
  callEmptySec: 30,
  allMutedSec: 10 * 60,
  noMediaSec: 3 * 60,
  iceSec: 30,
});

/** Jibri polls every 15 s, the first time 15 s after joining. */
export const CALL_STATUS_INTERVAL_MS = 15_000;

export type CallEndReason = 'call-empty' | 'all-muted' | 'no-media' | 'ice-failed' | 'chrome-hung';

/** Why the page says the session should end; `error: false` is a normal end (Jibri's `CallEmpty`). */
export interface CallEndEvent {
  reason: CallEndReason;
  error: boolean;
  message: string;
}

/** What a page script returns when it threw (see `page-scripts.ts`). */
export interface ScriptError {
  error: string;
}

export function isScriptError(value: unknown): value is ScriptError {
  return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string';
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Turns what `samplePage()` returned into a sample. A script error stays an error (the caller reports it
 * with `observeFailure`); a field of the wrong type takes Jibri's default (no participants, none muted,
 * bitrate 0, ICE not connected), as Jibri does for a non-number result.
 */
export function toCallSample(raw: unknown): CallSample | ScriptError {
  if (isScriptError(raw)) return raw;
  if (typeof raw !== 'object' || raw === null) return { error: `unexpected page result: ${String(raw)}` };
  const r = raw as Record<string, unknown>;
  const bitrate = r['downloadBitrate'];
  return {
    remoteParticipants: count(r['remoteParticipants']),
    mutedParticipants: count(r['mutedParticipants']),
    jigasiParticipants: count(r['jigasiParticipants']),
    downloadBitrate: typeof bitrate === 'number' && Number.isFinite(bitrate) ? bitrate : 0,
    iceConnected: r['iceConnected'] === true,
  };
}

function checkTimeouts(t: CallStatusTimeouts): void {
  for (const [key, value] of Object.entries(t)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`call status timeout ${key} must be a number of seconds >= 0 (0 disables), got ${String(value)}`);
    }
  }
}

/**
 * One monitor per joined call. Create it when the call is joined: as in Jibri, the no-media and ICE
 * clocks start then (a call that never delivers media fails `noMediaSec` after the join).
 *
 * Once an event has been returned the monitor is over: later calls return that same event.
 */
export class CallStatusMonitor {
  private readonly timeouts: Readonly<CallStatusTimeouts>;
  /** First poll of the current run of empty polls. */
  private emptySince: number | undefined;
  /** First poll of the current run of all-muted polls. */
  private allMutedSince: number | undefined;
  /** Last poll that counted as receiving media. */
  private lastMediaAt: number;
  /** Last poll with ICE connected or nobody else there. */
  private lastIceOkAt: number;
  private end: CallEndEvent | undefined;

  constructor(startMs: number, timeouts: CallStatusTimeouts = DEFAULT_CALL_STATUS_TIMEOUTS) {
    checkTimeouts(timeouts);
    this.timeouts = Object.freeze({ ...timeouts });
    this.lastMediaAt = startMs;
    this.lastIceOkAt = startMs;
  }

  /** The event that ended the call, if any. */
  get ended(): CallEndEvent | undefined {
    return this.end;
  }

  /** Feeds one poll taken at `nowMs`; returns the event that ends the session, or undefined. */
  observe(sample: CallSample, nowMs: number): CallEndEvent | undefined {
    if (this.end) return this.end;
    const t = this.timeouts;
    const empty = sample.remoteParticipants <= 0;

    // 1. Call empty: the clock starts at the first empty poll and resets on any non-empty one.
    if (empty) this.emptySince ??= nowMs;
    else this.emptySince = undefined;
    if (t.callEmptySec > 0 && this.emptySince !== undefined && nowMs - this.emptySince > t.callEmptySec * 1000) {
      return this.finish('call-empty', false, `Call empty for more than ${t.callEmptySec} s`);
    }

    // 2. Media received. Jigasi participants publish no mute state, so, as in Jibri, they count as muted
    // (otherwise a quiet phone caller would end the call with "no media"). A consequence kept from Jibri:
    // a call of phone participants only counts as all muted and ends normally after `allMutedSec`.
    //
    // Decision: Jibri computes "all muted" as (muted + jigasi == remote), which is also true with nobody
    // there, so its all-muted clock runs during an empty call. Here an empty call is NOT "all muted":
    // an empty call is the call-empty rule's business alone, so disabling that rule (0) really keeps the
    // recorder in an empty room, instead of the all-muted rule ending it 10 minutes later; and the
    // all-muted clock restarts when people come back into an emptied room. For the no-media rule an
    // empty call still counts as receiving media, as in Jibri: there is nobody to receive from.
    const allMuted = !empty && sample.mutedParticipants + sample.jigasiParticipants >= sample.remoteParticipants;
    if (allMuted) this.allMutedSince ??= nowMs;
    else this.allMutedSince = undefined;
    // All muted counts as receiving media, so that after an unmute the full no-media timeout applies.
    if (sample.downloadBitrate !== 0 || allMuted || empty) this.lastMediaAt = nowMs;
    if (t.allMutedSec > 0 && this.allMutedSince !== undefined && nowMs - this.allMutedSince > t.allMutedSec * 1000) {
      return this.finish('all-muted', false, `All participants muted for more than ${t.allMutedSec} s`);
    }
    if (t.noMediaSec > 0 && !allMuted && nowMs - this.lastMediaAt > t.noMediaSec * 1000) {
      return this.finish('no-media', true, `No media received for more than ${t.noMediaSec} s`);
    }

    // 3. ICE: only a call with others in it needs a connection to the bridge.
    if (empty || sample.iceConnected) this.lastIceOkAt = nowMs;
    else if (t.iceSec > 0 && nowMs - this.lastIceOkAt > t.iceSec * 1000) {
      return this.finish('ice-failed', true, `ICE failed: not connected for more than ${t.iceSec} s`);
    }
    return undefined;
  }

  /** A page script threw or timed out, the page crashed or the browser is gone: Jibri's "Chrome hung". */
  observeFailure(message: string): CallEndEvent {
    return this.end ?? this.finish('chrome-hung', true, `Chrome hung: ${message}`);
  }

  private finish(reason: CallEndReason, error: boolean, message: string): CallEndEvent {
    this.end = Object.freeze({ reason, error, message });
    return this.end;
  }
}
