/**
 * One session's capture pipeline: display and sink (in parallel), then the browser on the meeting page,
 * then the encoder. It owns every resource it starts, registers each one's close the moment it exists,
 * and closes them in reverse; close() is idempotent and safe at any point, including mid-start.
 * Runtime failures (encoder died, page crashed) come out as one 'failure' event with a RecorderError.
 */
import { EventEmitter } from 'node:events';
import type { BrowserConfig, EncodingConfig } from '../config';
import { RecorderError, asRecorderError } from '../errors';
import type { Logger } from '../log';
import { createSink, type AudioSink } from './audio';
import { launchBrowser, type SessionBrowser } from './browser/browser';
import { startDisplay, type Display } from './display';
import { recordingSpec } from './encoder/ffmpeg-args';
import { startEncoder, type Encoder, type EncoderEnd, type EncoderProgress } from './encoder/encoder';

export interface PipelineOptions {
  encoding: EncodingConfig;
  browser: BrowserConfig;
  ffmpegBinary: string;
  /** The page to record, hidden login included: never logged. */
  pageUrl: string;
  mediaFile: string;
  log: Logger;
}

/** Milliseconds from the start of the pipeline to each stage, for logs and the benchmark. */
export interface StartTimings {
  displayAndSink?: number;
  browser?: number;
  page?: number;
  firstFrame?: number;
}

export class Pipeline extends EventEmitter {
  readonly timings: StartTimings = {};
  private display: Display | undefined;
  private sink: AudioSink | undefined;
  private browser: SessionBrowser | undefined;
  private encoder: Encoder | undefined;
  private closed = false;
  private aborted = false;
  private failed = false;
  lastProgress: EncoderProgress | undefined;

  constructor(private readonly opts: PipelineOptions) {
    super();
  }

  /** Resolves when the first frame is encoded; rejects if any stage fails or the pipeline is aborted. */
  async start(): Promise<void> {
    const t0 = Date.now();
    const { encoding, log } = this.opts;
    const [display, sink] = await Promise.allSettled([startDisplay(encoding.width, encoding.height), createSink()]);
    if (display.status === 'fulfilled') this.display = display.value;
    if (sink.status === 'fulfilled') this.sink = sink.value;
    if (display.status === 'rejected') throw asRecorderError(display.reason);
    if (sink.status === 'rejected') throw asRecorderError(sink.reason);
    this.timings.displayAndSink = Date.now() - t0;
    this.throwIfAborted();

    this.browser = await launchBrowser({ config: this.opts.browser, display: display.value.name, sinkName: sink.value.sinkName, width: encoding.width, height: encoding.height });
    this.browser.onLost((reason) => this.fail(new RecorderError({ code: 'BROWSER_CRASHED', message: `Chrome hung: ${reason}` })));
    this.timings.browser = Date.now() - t0;
    this.throwIfAborted();

    try {
      await this.browser.page.goto(this.opts.pageUrl, { waitUntil: 'load', timeout: this.opts.browser.pageLoadTimeoutSec * 1000 });
    } catch (err) {
      if (this.aborted) this.throwIfAborted();
      throw new RecorderError({
        code: 'PAGE_LOAD_FAILED',
        message: `The meeting page did not load: ${(err as Error).message.split('\n')[0]?.replace(/#.*$/, '')}`,
        hint: 'Check that the meeting URL is reachable from this host',
        cause: err,
      });
    }
    this.timings.page = Date.now() - t0;
    this.throwIfAborted();

    log.debug(`capturing display ${display.value.name} and ${sink.value.monitor}`, { component: 'pipeline' });
    const encoder = startEncoder({
      spec: recordingSpec(encoding, { display: display.value.name, audioSource: sink.value.monitor }, this.opts.mediaFile),
      ffmpegBinary: this.opts.ffmpegBinary,
      log,
    });
    this.encoder = encoder;
    encoder.on('progress', (p) => {
      this.lastProgress = p;
      this.emit('progress', p);
    });
    await new Promise<void>((resolve, reject) => {
      encoder.on('running', () => resolve());
      void encoder.ended.then((end) => {
        if (!end.ok) reject(end.error);
        else reject(new RecorderError({ code: 'ENCODER_EXITED', message: 'ffmpeg exited before the first frame' }));
      });
    });
    this.timings.firstFrame = Date.now() - t0;
    // From here on, an encoder that ends by itself is a failure of the session.
    void encoder.ended.then((end) => {
      if (!end.ok) this.fail(end.error);
      else if (!this.aborted) this.fail(new RecorderError({ code: 'ENCODER_EXITED', message: 'ffmpeg stopped on its own' }));
    });
  }

  /** Stops the encoder; once this resolves the media file is closed on disk. */
  async stopCapture(): Promise<EncoderEnd | undefined> {
    this.aborted = true;
    return this.encoder?.stop();
  }

  /** The pipeline stops starting any further stage; close() then releases what was started. */
  abort(): void {
    this.aborted = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aborted = true;
    await this.encoder?.stop().catch(() => undefined);
    const steps: Array<[string, (() => Promise<void>) | undefined]> = [
      ['browser', this.browser?.close],
      ['audio sink', this.sink?.close],
      ['display', this.display?.close],
    ];
    for (const [name, close] of steps) {
      if (!close) continue;
      await close().catch((err: unknown) => this.opts.log.warn(`closing the ${name} failed: ${String(err)}`, { component: 'pipeline' }));
    }
  }

  get page(): SessionBrowser['page'] | undefined {
    return this.browser?.page;
  }

  private throwIfAborted(): void {
    if (this.aborted) throw new RecorderError({ code: 'INTERNAL', message: 'the session was stopped while starting' });
  }

  private fail(error: RecorderError): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.emit('failure', error);
  }
}
