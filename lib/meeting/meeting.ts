/**
 * The recorder as a participant of the meeting (Jibri's call page): waits until the page has joined
 * the conference, publishes its presence fields, tracks who takes part, runs the call-status checks on
 * a timer, and leaves at the end. All of it goes through `page.evaluate` of the scripts in
 * page-scripts.ts, each bounded by a timeout: a page that does not answer is "Chrome hung".
 *
 * A page without Jitsi Meet's `APP` global (the bundled demo page, a plain web page) is recorded as it
 * is: there is no conference to join or watch, and the log says so once.
 */
import { EventEmitter } from 'node:events';
import type { Page } from 'playwright';
import type { CallConfig } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { ParticipantAudioSink } from '../output/participant-audio';
import { AudioTap } from './audio-tap';
import { CallStatusMonitor, isScriptError, toCallSample, type CallEndEvent } from './call-status';
import { installParticipantTracker, isJoined, leave, participants, samplePage, setPresenceFields, type TrackedParticipant } from './page-scripts';

/** Longest a single script may take before the page counts as hung. */
const SCRIPT_TIMEOUT_MS = 10_000;
/** How often the page is asked whether it has joined: one cheap script each time, and up to one period of it is added to every start. */
const JOIN_POLL_MS = 50;

function hasJitsiMeet(): boolean {
  // Runs in the page: Jitsi Meet defines APP as soon as its bundle loads.
  return typeof (window as unknown as { APP?: unknown }).APP === 'object' && (window as unknown as { APP?: unknown }).APP !== null;
}

/** A page script that rejects instead of hanging when the page does not answer. */
async function bounded<T>(script: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the page did not answer within ${SCRIPT_TIMEOUT_MS / 1000} s`)), SCRIPT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([script, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MeetingOptions {
  page: Page;
  log: Logger;
  call: CallConfig;
  /** Conference presence fields: session_id, mode, live-stream-view-url. */
  presence: Record<string, string>;
  /** Outputs that take each participant's sound from the page (audio-tap.ts); none: no tap. */
  audioSinks?: readonly ParticipantAudioSink[];
}

export interface MeetingEvents {
  /** The call ended for the recorder (empty, all muted, no media...): emitted once. */
  end: [end: CallEndEvent];
}

export class Meeting extends EventEmitter<MeetingEvents> {
  private timer: NodeJS.Timeout | undefined;
  private monitor: CallStatusMonitor | undefined;
  private known: TrackedParticipant[] = [];
  private checking = false;
  private stopped = false;
  /** Set once a script failed or timed out: the page gets no more scripts (each would wait the full timeout). */
  private hung = false;

  private constructor(
    private readonly opts: MeetingOptions,
    /** False for a page that is not Jitsi Meet: nothing to join, watch or leave. */
    readonly isConference: boolean,
  ) {
    super();
  }

  /**
   * Waits for the page to join its conference (Jibri's isJoined), then sets the presence fields and
   * starts tracking participants. Rejects with CALL_JOIN_FAILED when it has not joined in time.
   */
  static async join(opts: MeetingOptions): Promise<Meeting> {
    const { page, log, call } = opts;
    if (!(await bounded(page.evaluate(hasJitsiMeet)).catch(() => false))) {
      log.warn('the page is not Jitsi Meet (no APP global): recording it as it is, without joining or call checks', { component: 'meeting' });
      if (opts.audioSinks?.length) log.warn("a page without a conference has no participants: no participant's sound is recorded on its own", { component: 'meeting' });
      return new Meeting(opts, false);
    }
    const deadline = Date.now() + call.joinTimeoutSec * 1000;
    let last = '';
    for (;;) {
      const joined = await bounded(page.evaluate(isJoined)).catch((err: Error) => ({ error: err.message }));
      if (joined === true) break;
      if (isScriptError(joined)) last = joined.error;
      if (Date.now() >= deadline) {
        throw new RecorderError({
          code: 'CALL_JOIN_FAILED',
          message: `The recorder did not join the conference within ${call.joinTimeoutSec} s${last ? ` (${last})` : ''}`,
          hint: 'Check that the recorder account (JIBRI_RECORDER_USER at XMPP_HIDDEN_DOMAIN) can join, and JIBRI_CALL_JOIN_TIMEOUT',
        });
      }
      await new Promise((r) => setTimeout(r, JOIN_POLL_MS));
    }
    const meeting = new Meeting(opts, true);
    const presence = await bounded(page.evaluate(setPresenceFields, opts.presence)).catch((err: Error) => err.message);
    // Jibri only logs a failure here: the recording itself does not depend on it.
    if (presence !== true) log.warn(`could not set the presence fields: ${presence}`, { component: 'meeting' });
    const tracker = await bounded(page.evaluate(installParticipantTracker)).catch((err: Error) => ({ error: err.message }));
    if (tracker !== true) log.warn(`could not track participants: ${tracker.error}`, { component: 'meeting' });
    if (opts.audioSinks?.length) await AudioTap.install(page, opts.audioSinks, log);
    log.info(`joined the conference; presence ${Object.entries(opts.presence).map(([k, v]) => `${k}=${v}`).join(' ')}`, { component: 'meeting' });
    return meeting;
  }

  /** Starts the call-status checks; 'end' is emitted once, with the event that ends the session. */
  startChecks(): void {
    if (!this.isConference || this.timer || this.stopped) return;
    const { call } = this.opts;
    this.monitor = new CallStatusMonitor(Date.now(), {
      callEmptySec: call.emptyTimeoutSec,
      allMutedSec: call.allMutedTimeoutSec,
      noMediaSec: call.noMediaTimeoutSec,
      iceSec: call.iceTimeoutSec,
    });
    this.timer = setInterval(() => void this.check(), call.checkIntervalSec * 1000);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const monitor = this.monitor;
    if (!monitor || this.checking || this.stopped) return;
    this.checking = true;
    try {
      const raw = await bounded(this.opts.page.evaluate(samplePage)).catch((err: Error) => ({ error: err.message }));
      if (this.stopped) return;
      const sample = toCallSample(raw);
      if (isScriptError(sample)) {
        this.hung = true;
        return this.finish(monitor.observeFailure(sample.error));
      }
      const end = monitor.observe(sample, Date.now());
      const list = await bounded(this.opts.page.evaluate(participants)).catch(() => undefined);
      if (Array.isArray(list)) this.known = list;
      if (end) this.finish(end);
    } finally {
      this.checking = false;
    }
  }

  private finish(end: CallEndEvent): void {
    this.stopChecks();
    this.opts.log.log(end.error ? 'error' : 'info', `call ended: ${end.message}`, { component: 'meeting' });
    this.emit('end', end);
  }

  stopChecks(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Everyone seen in the conference, for metadata.json; read once more if the page still answers. */
  async participants(): Promise<TrackedParticipant[]> {
    if (!this.isConference || this.hung) return this.known;
    const list = await bounded(this.opts.page.evaluate(participants)).catch(() => undefined);
    if (Array.isArray(list)) this.known = list;
    return this.known;
  }

  /** Leaves the conference (waiting up to 2 s in the page); never throws. */
  async leave(): Promise<void> {
    this.stopChecks();
    if (!this.isConference || this.hung) return;
    const left = await bounded(this.opts.page.evaluate(leave)).catch((err: Error) => ({ error: err.message }));
    if (left !== true) this.opts.log.warn(`leaving the conference failed: ${left.error}`, { component: 'meeting' });
    else this.opts.log.info('left the conference', { component: 'meeting' });
  }
}

/** A call-status end → the error that fails the session, or undefined for a normal end. */
export function errorOfCallEnd(end: CallEndEvent): RecorderError | undefined {
  if (!end.error) return undefined;
  switch (end.reason) {
    case 'no-media':
      return new RecorderError({ code: 'CALL_NO_MEDIA', message: end.message, hint: 'Check that the bridge (JVB) reaches this recorder' });
    case 'ice-failed':
      return new RecorderError({ code: 'CALL_ICE_FAILED', message: end.message, hint: 'Check that the bridge (JVB) reaches this recorder over UDP or TCP' });
    default:
      return new RecorderError({ code: 'BROWSER_CRASHED', message: end.message.startsWith('Chrome hung') ? end.message : `Chrome hung: ${end.message}` });
  }
}
