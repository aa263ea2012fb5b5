/**
 * The service's side of the audio tap (audio-tap-page.ts): a Playwright binding the page calls with its
 * batches, so the recordings never travel over the network, and the scripts that start and stop it. Every
 * batch is checked (audio-tap-messages.ts) and bounded in rate before its events reach the outputs that
 * asked for the participants' sound; a page that sends too much, too often or nonsense is cut off and
 * logged once, and the recording of the mix goes on.
 */
import type { Page } from 'playwright';
import type { Logger } from '../log';
import type { ScriptError } from './call-status';
import type { ParticipantAudioSink, ParticipantAudioSource } from '../output/participant-audio';
import { installScript, startAudioTap, stopAudioTap, type AudioTapArgs } from './audio-tap-page';
import { parseTapBatch } from './audio-tap-messages';

export const TAP_BINDING = '__jibriAudioTapSend';

/**
 * Opus at 32 kbit/s is what Jitsi's clients send for a voice. A piece a second keeps what the page holds
 * small and what a crash loses short, at one call a second for the whole meeting; shorter pieces cost the
 * page measurably more for each participant (the meeting bench: docs/MEETING-COST.md).
 */
export const TAP_ARGS: AudioTapArgs = {
  binding: TAP_BINDING,
  timesliceMs: 1000,
  flushMs: 1000,
  maxQueueChars: 4 * 1024 * 1024,
  mimeType: 'audio/webm;codecs=opus',
  bitsPerSecond: 32000,
};

/** The page flushes once a second: this many calls in one second is not the tap's doing. */
const MAX_CALLS_PER_SECOND = 40;
const START_TIMEOUT_MS = 10_000;
/** Stopping waits for each recorder's last piece and the last batch: well under a second normally. */
const STOP_TIMEOUT_MS = 15_000;

async function within<T>(ms: number, script: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the page did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([script, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class AudioTap implements ParticipantAudioSource {
  private calls = { second: 0, count: 0 };
  private cutOff = false;
  private warned = false;
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly page: Page,
    private readonly sinks: readonly ParticipantAudioSink[],
    private readonly log: Logger,
  ) {}

  /**
   * Exposes the binding and installs the page's side; the sinks are attached to it. Undefined (logged)
   * when the page cannot record its participants: the mix is recorded all the same.
   */
  static async install(page: Page, sinks: readonly ParticipantAudioSink[], log: Logger): Promise<AudioTap | undefined> {
    const tap = new AudioTap(page, sinks, log);
    try {
      await page.exposeBinding(TAP_BINDING, (source, payload: unknown) => tap.receive(source.frame === page.mainFrame(), payload));
      const installed = await within(START_TIMEOUT_MS, page.evaluate<true | ScriptError>(installScript(TAP_ARGS)));
      if (installed !== true) throw new Error(installed.error);
    } catch (err) {
      log.warn(`cannot record each participant's sound: ${(err as Error).message}; the mixed recording goes on`, { component: 'meeting' });
      return undefined;
    }
    for (const sink of sinks) sink.attach(tap);
    return tap;
  }

  async start(): Promise<void> {
    const started = await within(START_TIMEOUT_MS, this.page.evaluate(startAudioTap)).catch((err: Error) => ({ error: err.message }));
    if (started !== true) this.log.warn(`could not start recording each participant's sound: ${started.error}`, { component: 'meeting' });
    else this.log.info("recording each participant's sound", { component: 'meeting' });
  }

  /** Idempotent; a hung or closed page ends it at the timeout, with what arrived so far. */
  stop(): Promise<void> {
    this.stopped ??= within(STOP_TIMEOUT_MS, this.page.evaluate(stopAudioTap))
      .then((r) => {
        if (r !== true) throw new Error(r.error);
      })
      .catch((err: Error) => {
        this.log.warn(`the page did not hand over the end of the participants' recordings: ${err.message}`, { component: 'meeting' });
      });
    return this.stopped;
  }

  /** One call of the binding by the page. */
  private receive(fromMainFrame: boolean, payload: unknown): boolean {
    if (this.cutOff) return false;
    if (!fromMainFrame) return this.refuse('a frame inside the page called the audio channel');
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.calls.second) this.calls = { second, count: 0 };
    if (++this.calls.count > MAX_CALLS_PER_SECOND) return this.refuse(`the page called the audio channel more than ${MAX_CALLS_PER_SECOND} times in a second`);
    const batch = parseTapBatch(payload, Date.now());
    if (batch.droppedCount && !this.warned) {
      this.warned = true;
      this.log.warn(`the page sent ${batch.droppedCount} item(s) the service does not take (${batch.dropped.join('; ')}); they are dropped (logged once)`, { component: 'meeting' });
    }
    for (const event of batch.events) for (const sink of this.sinks) sink.push(event);
    return true;
  }

  /** The page misuses the channel: nothing more is taken from it in this session. */
  private refuse(why: string): false {
    this.cutOff = true;
    this.log.error(`${why}: no more of the participants' sound is taken from this page; the mixed recording goes on`, { component: 'meeting' });
    return false;
  }
}
