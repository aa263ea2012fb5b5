/**
 * The capture source of one session: a display, an audio sink and a browser on them (LiveKit Egress's
 * "web source"), and the media worker that will run the session's encoder and streams (worker/). Starting
 * one takes most of a start's time (Chromium alone is about a second), so the recorder keeps one ready
 * while it is idle: a start then only opens the page and starts the encoder. A source serves exactly one
 * session and is closed with it; a fresh spare is made for the next one.
 */
import type { BrowserConfig, EncodingConfig } from '../config';
import { asRecorderError } from '../errors';
import type { Logger } from '../log';
import { createSink, type AudioSink } from './audio';
import { launchBrowser, type SessionBrowser } from './browser/browser';
import { startDisplay, type Display } from './display';
import { CLOCK_ROWS } from './frame-clock/clock-code';
import { MediaWorker } from './worker/media-worker';

export interface CaptureSource {
  display: Display;
  sink: AudioSink;
  browser: SessionBrowser;
  worker: MediaWorker;
  close(): Promise<void>;
}

export interface SourceOptions {
  encoding: EncodingConfig;
  browser: BrowserConfig;
  log: Logger;
  /** The filtering proxy every connection of the browser must go through (JIBRI_BROWSER_PUBLIC_ONLY). */
  proxyUrl?: string;
  /** Chromium runs its sandbox (decided once at start, browser/sandbox.ts). */
  sandbox?: boolean;
  /** The session's media worker: its memory limit, and the ffmpeg it runs. */
  worker: { memoryLimitMb: number; ffmpegBinary: string };
}

/** Closes in reverse order; each step's failure is logged and the others still run. */
async function closeAll(log: Logger, steps: Array<[string, (() => Promise<void>) | undefined]>): Promise<void> {
  for (const [name, close] of steps) {
    if (!close) continue;
    await close().catch((err: unknown) => log.warn(`closing the ${name} failed: ${String(err)}`, { component: 'pipeline' }));
  }
}

export async function startSource(opts: SourceOptions): Promise<CaptureSource> {
  const { encoding, log } = opts;
  // The frame clock's rows are below the recorded picture, on the same screen (frame-clock/).
  const screen = { width: encoding.width, height: encoding.height + CLOCK_ROWS };
  // The worker loads its modules while Xvfb, PulseAudio and Chromium start.
  const worker = new MediaWorker({ log, logLevel: log.level, ...opts.worker });
  const [display, sink] = await Promise.allSettled([startDisplay(screen.width, screen.height), createSink()]);
  if (display.status === 'rejected' || sink.status === 'rejected') {
    await closeAll(log, [
      ['audio sink', sink.status === 'fulfilled' ? () => sink.value.close() : undefined],
      ['display', display.status === 'fulfilled' ? () => display.value.close() : undefined],
      ['media worker', () => worker.close()],
    ]);
    throw asRecorderError(display.status === 'rejected' ? display.reason : (sink as PromiseRejectedResult).reason);
  }
  let browser: SessionBrowser;
  try {
    browser = await launchBrowser({ config: opts.browser, display: display.value.name, sinkName: sink.value.sinkName, ...screen, ...(opts.proxyUrl ? { proxyUrl: opts.proxyUrl } : {}), ...(opts.sandbox ? { sandbox: true } : {}) });
  } catch (err) {
    await closeAll(log, [['audio sink', () => sink.value.close()], ['display', () => display.value.close()], ['media worker', () => worker.close()]]);
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    display: display.value,
    sink: sink.value,
    browser,
    worker,
    close: () =>
      (closed ??= closeAll(log, [
        ['browser', () => browser.close()],
        ['audio sink', () => sink.value.close()],
        ['display', () => display.value.close()],
        ['media worker', () => worker.close()],
      ])),
  };
}

/**
 * Keeps one source ready. take() hands the spare over if it is still alive (else starts a fresh one)
 * and begins preparing the next only when asked, so an idle host holds at most one spare.
 */
export class SpareSource {
  private spare: Promise<CaptureSource> | undefined;
  private closed = false;

  constructor(private readonly opts: SourceOptions) {}

  prepare(): void {
    if (this.closed || this.spare) return;
    const spare = startSource(this.opts);
    // A spare that fails to start is simply not used; the session will start its own and report why.
    spare.catch((err: unknown) => this.opts.log.debug(`no spare capture source: ${String(err)}`, { component: 'pipeline' }));
    this.spare = spare;
  }

  async take(): Promise<CaptureSource> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      const source = await spare.catch(() => undefined);
      if (source && source.browser.alive() && source.worker.alive) return source;
      await source?.close();
    }
    return startSource(this.opts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    const source = await spare?.catch(() => undefined);
    await source?.close();
  }
}
