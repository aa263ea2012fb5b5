/**
 * One session's capture pipeline: a capture source (display, sink, browser; usually the ready spare),
 * the meeting page, then one encoder writing to every output of the session. It owns every resource it
 * starts and closes them in reverse; close() is idempotent and safe at any point, including mid-start.
 * Runtime failures (encoder died, page crashed, an output failed) come out as one 'failure' event with
 * a RecorderError.
 */
import { EventEmitter } from 'node:events';
import type { BrowserConfig, EncodingConfig } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { MuxerEntry, Output } from '../output/output';
import type { MixTimeline, SoundMove } from '../output/participant-audio';
import { encodeSpec, ownEncodeSpec, type StreamEncoding } from './encoder/ffmpeg-args';
import { startEncoder, type Encoder, type EncoderEnd, type EncoderProgress } from './encoder/encoder';
import type { SyncState } from './frame-clock/audio-alignment';
import { CLOCK_LAYOUT } from './frame-clock/clock-code';
import type { ClockSample } from './frame-clock/clock-reader';
import { installPageClock, stopPageClock } from './frame-clock/page-clock';
import { shiftMs, START_STEP } from './frame-clock/sound-shift';
import { lockToOrigin } from './browser/origin-lock';
import type { CaptureSource } from './source';

export interface PipelineOptions {
  encoding: EncodingConfig;
  browser: BrowserConfig;
  ffmpegBinary: string;
  /** The page to record, hidden login included: never logged. */
  pageUrl: string;
  /**
   * Keys written to the page's localStorage before any of its scripts run: the hidden login for Jitsi
   * Meet versions older than config.useHostPageLocalStorage (Jibri used to set them the same way).
   */
  localStorage: Array<[string, string]>;
  /**
   * The page URL's hash and the localStorage entries carry a call login: the main frame then stays on the
   * meeting's origin (a redirect or a navigation elsewhere is refused, as it would take the hash along).
   */
  loginHeld?: boolean;
  /** Where the encode goes, in ffmpeg's order; the pipeline opens, feeds and finishes them. */
  outputs: readonly Output[];
  /** The encode used when an output is live (JIBRI_STREAMING_*). */
  liveEncoding: StreamEncoding;
  /**
   * Runs once the page has loaded and before the encoder starts (joining the conference), so the
   * recording begins in the call, as Jibri's does.
   */
  onPageLoaded?: (page: CaptureSource['browser']['page']) => Promise<void>;
  log: Logger;
  /** Hands over a capture source: the recorder's spare, or a fresh one. */
  source: () => Promise<CaptureSource>;
}

/** Milliseconds from the start of the pipeline to each stage, for logs and the benchmark. */
export interface StartTimings {
  source?: number;
  page?: number;
  joined?: number;
  /** ffmpeg's process exists. */
  encoder?: number;
  firstFrame?: number;
}

export interface PipelineEvents {
  /** The session cannot go on: the encoder died, the browser hung, an output failed. Emitted once. */
  failure: [error: RecorderError];
  progress: [progress: EncoderProgress];
  /** One frame clock sample: when a frame was grabbed and how late its picture was. */
  clock: [sample: ClockSample];
}

/** What a session needs of its pipeline; the real one below, fakes in the unit specs. */
export interface SessionPipeline extends Pick<EventEmitter<PipelineEvents>, 'on' | 'off' | 'once'> {
  readonly timings: StartTimings;
  readonly lastProgress: EncoderProgress | undefined;
  readonly originMs: number | undefined;
  readonly encoderPid: number | undefined;
  readonly page: CaptureSource['browser']['page'] | undefined;
  /** The picture's measured latency and the sound's move, once the frame clock has been read. */
  readonly sync: SyncState | undefined;
  /** Every frame clock sample from now on comes as a 'clock' event. */
  keepClockSamples(): void;
  /** Resolves when the first frame is encoded; rejects if any stage fails or the pipeline is aborted. */
  start(): Promise<void>;
  /** Stops the encoder; once this resolves the media files are closed on disk. */
  stopCapture(): Promise<EncoderEnd | undefined>;
  /** Starts no further stage; close() then releases what was started. */
  abort(): void;
  close(): Promise<void>;
}

export type PipelineFactory = (opts: PipelineOptions) => SessionPipeline;

/** Why the meeting page did not load, in words that never quote its hash (the hidden login is there). */
function pageLoadError(err: unknown, origin: string, refusedNavigation: string | undefined): RecorderError {
  if (refusedNavigation) {
    return new RecorderError({
      code: 'PAGE_LOAD_FAILED',
      message: `The meeting page redirected to ${refusedNavigation}, another origin than ${origin}: refused, as the call login would go along`,
      hint: 'Use the address the meeting page ends up on (e.g. https:// rather than http://) as the meeting URL',
      cause: err,
    });
  }
  return new RecorderError({
    code: 'PAGE_LOAD_FAILED',
    // Playwright's message quotes the URL; the hash carries the hidden login.
    message: `The meeting page did not load: ${(err as Error).message.split('\n')[0]?.replace(/#\S*/g, '')}`,
    hint: 'Check that the meeting URL is reachable from this host',
    cause: err,
  });
}

export class Pipeline extends EventEmitter<PipelineEvents> implements SessionPipeline {
  readonly timings: StartTimings = {};
  private source: CaptureSource | undefined;
  private encoder: Encoder | undefined;
  /** The ffmpegs of outputs with an encode of their own (thumbnails). */
  private readonly ownEncoders: Encoder[] = [];
  private closed = false;
  private aborted = false;
  private failed = false;
  lastProgress: EncoderProgress | undefined;
  /** The wall-clock instant (ms since the epoch) that the recording's zero stands for, once the encoder starts. */
  originMs: number | undefined;
  private wantSamples = false;
  /** Where the mix's sound has been moved (the worker reports each move), for outputs that place their own sound on it. */
  private readonly soundMoves: SoundMove[] = [{ atMs: 0, moveMs: 0 }];

  constructor(private readonly opts: PipelineOptions) {
    super();
  }

  /** Resolves when the first frame is encoded; rejects if any stage fails or the pipeline is aborted. */
  async start(): Promise<void> {
    const t0 = Date.now();
    const source = await this.takeSource();
    this.timings.source = Date.now() - t0;
    this.throwIfAborted();
    await this.loadPage(source);
    this.timings.page = Date.now() - t0;
    this.throwIfAborted();
    if (this.opts.onPageLoaded) {
      await this.opts.onPageLoaded(source.browser.page);
      this.timings.joined = Date.now() - t0;
      this.throwIfAborted();
    }
    const encoder = await this.startEncoder(source, t0);
    this.timings.firstFrame = Date.now() - t0;
    void source.sink.releaseKeeper();
    // From here on, an encoder that ends by itself is a failure of the session.
    void encoder.ended.then((end) => {
      if (!end.ok) this.fail(end.error);
      else if (!this.aborted) this.fail(new RecorderError({ code: 'ENCODER_EXITED', message: 'ffmpeg stopped on its own' }));
    });
  }

  /** The warm capture source, its browser and media worker watched from now on. */
  private async takeSource(): Promise<CaptureSource> {
    const source = await this.opts.source();
    this.source = source;
    if (this.closed) await source.close();
    source.browser.onLost((reason) => this.fail(new RecorderError({ code: 'BROWSER_CRASHED', message: `Chrome hung: ${reason}` })));
    // From here the worker's log is the session's, and its death the session's failure.
    source.worker.useLog(this.opts.log);
    source.worker.on('failure', (error) => this.fail(error));
    source.worker.on('clock', (sample) => this.emit('clock', sample));
    if (this.wantSamples) source.worker.keepClockSamples();
    return source;
  }

  /** The meeting page, loaded with the call login in its own top frame's storage and the frame clock drawn. */
  private async loadPage(source: CaptureSource): Promise<void> {
    const { encoding, log } = this.opts;
    const page = source.browser.page;
    const origin = new URL(this.opts.pageUrl).origin;
    // Only the meeting's own top frame gets the entries: not its frames, nor any page it navigates to.
    await page.addInitScript(
      ({ entries, origin: meeting }: { entries: Array<[string, string]>; origin: string }) => {
        try {
          if (window.top !== window || window.location.origin !== meeting) return;
          for (const [k, v] of entries) window.localStorage.setItem(k, v);
        } catch {
          // Pages without storage (about:blank, opaque origins) have nothing to log in.
        }
      },
      { entries: this.opts.localStorage, origin },
    );
    await page.addInitScript(installPageClock, { ...CLOCK_LAYOUT, top: encoding.height, width: encoding.width });
    let refusedNavigation: string | undefined;
    if (this.opts.loginHeld) {
      await lockToOrigin(page, origin, (target) => {
        refusedNavigation ??= target;
        log.warn(`the meeting page tried to take the browser to ${target}; refused, as the page's call login would go along`, { component: 'pipeline' });
      });
    }
    let status: number | undefined;
    try {
      const response = await page.goto(this.opts.pageUrl, { waitUntil: 'load', timeout: this.opts.browser.pageLoadTimeoutSec * 1000 });
      status = response?.status();
    } catch (err) {
      this.throwIfAborted();
      throw pageLoadError(err, origin, refusedNavigation);
    }
    if (status !== undefined && status >= 400) {
      throw new RecorderError({ code: 'PAGE_LOAD_FAILED', message: `The meeting page answered HTTP ${status}`, hint: 'Check the meeting URL (baseUrl and callName)' });
    }
  }

  /** The outputs opened and the one encode started in the media worker; resolves at its first frame. */
  private async startEncoder(source: CaptureSource, t0: number): Promise<Encoder> {
    const { encoding, log } = this.opts;
    log.debug(`capturing display ${source.display.name} and ${source.sink.monitor}`, { component: 'pipeline' });
    const outputs = this.opts.outputs;
    const capture = { display: source.display.name, audioSource: source.sink.monitor, originMs: Date.now() };
    this.originMs = capture.originMs;
    // Outputs get ready in parallel with each other (a publisher starts connecting to its ingest now).
    const { worker } = source;
    const entries = (await Promise.all(outputs.map((o) => o.open({ log, openFanOut: worker.openFanOut, timeline: this.mixTimeline(capture.originMs) })))).filter((e): e is MuxerEntry => e !== undefined);
    for (const o of outputs) o.on('failure', (error) => this.fail(error));
    const spec = encodeSpec(encoding, capture, entries, outputs.some((o) => o.live) ? this.opts.liveEncoding : undefined);
    this.startOwnEncodes(entries, capture.display);
    if (spec.clock) this.followSoundMoves(worker);
    else void source.browser.page.evaluate(stopPageClock).catch(() => undefined);
    const clock = spec.clock ? { width: encoding.width, originMs: capture.originMs, audioLatencyMs: encoding.audioLatencyMs } : undefined;
    const encoder = worker.startEncoder({ spec, ffmpegBinary: this.opts.ffmpegBinary, ...(clock ? { clock } : {}) });
    encoder.once('started', () => (this.timings.encoder = Date.now() - t0));
    this.encoder = encoder;
    encoder.on('progress', (raw) => {
      // Frames keep their grab times (no -r), so ffmpeg itself never drops or duplicates one: frames the
      // grab could not take show up as fewer frames than the recorded time holds.
      const behind = raw.timeSec !== undefined && !spec.audioOnly ? Math.max(0, Math.round(raw.timeSec * encoding.framerate) - raw.frame) : 0;
      const p = { ...raw, drop: raw.drop + behind };
      this.lastProgress = p;
      this.emit('progress', p);
    });
    await new Promise<void>((resolve, reject) => {
      encoder.on('running', () => resolve());
      void encoder.ended.then((end) => {
        if (!end.ok) reject(end.error);
        else reject(new RecorderError({ code: 'ENCODER_EXITED', message: 'ffmpeg exited before the first frame' }));
      });
      // An ingest that refuses the stream ends the start at once, without waiting for the first frame.
      this.once('failure', (error) => reject(error));
    });
    return encoder;
  }

  /**
   * Outputs with an encode of their own (thumbnails) run in an ffmpeg each, beside the session's
   * (ffmpeg-args.ts, ownEncodeSpec, says why). One that fails is logged and the recording goes on.
   */
  private startOwnEncodes(entries: readonly MuxerEntry[], display: string): void {
    for (const e of entries.filter((x) => x.ownEncode)) {
      const own = startEncoder({ spec: ownEncodeSpec(this.opts.encoding, display, e), ffmpegBinary: this.opts.ffmpegBinary, log: this.opts.log });
      this.ownEncoders.push(own);
      void own.ended.then((end) => {
        if (!end.ok && !this.aborted) this.opts.log.warn(`the encode of ${e.target} stopped (${end.error.message}); the recording goes on without it`, { component: 'pipeline' });
      });
    }
  }

  private async stopOwnEncodes(): Promise<void> {
    await Promise.all(this.ownEncoders.map((o) => o.stop().catch(() => undefined)));
  }

  /** The mix's timeline, for outputs that place their own sound on it (tracks): its zero, the sound's path, its moves. */
  private mixTimeline(originMs: number): MixTimeline {
    return { originMs, audioLatencyMs: this.opts.encoding.audioLatencyMs, soundMoves: () => this.soundMoves };
  }

  /** With the frame clock the sound starts on the ladder's start step, and the media worker reports each move. */
  private followSoundMoves(worker: CaptureSource['worker']): void {
    this.soundMoves[0] = { atMs: 0, moveMs: shiftMs(0, START_STEP) };
    worker.on('sound-moved', (move) => this.soundMoves.push(move));
  }

  /** Every frame clock sample from now on comes as a 'clock' event (the benchmark's view). */
  keepClockSamples(): void {
    this.wantSamples = true;
    this.source?.worker.keepClockSamples();
  }

  get encoderPid(): number | undefined {
    return this.encoder?.pid;
  }

  get page(): CaptureSource['browser']['page'] | undefined {
    return this.source?.browser.page;
  }

  get sync(): SyncState | undefined {
    return this.source?.worker.sync;
  }

  async stopCapture(): Promise<EncoderEnd | undefined> {
    this.aborted = true;
    for (const o of this.opts.outputs) o.expectEnd();
    const [end] = await Promise.all([this.encoder?.stop(), this.stopOwnEncodes()]);
    // A stream's last seconds reach the ingest before the session goes on.
    await this.finishOutputs();
    return end;
  }

  abort(): void {
    this.aborted = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aborted = true;
    for (const o of this.opts.outputs) o.expectEnd();
    await Promise.all([this.encoder?.stop().catch(() => undefined), this.stopOwnEncodes()]);
    await this.finishOutputs();
    await this.source?.close();
  }

  private async finishOutputs(): Promise<void> {
    await Promise.all(this.opts.outputs.map((o) => o.finish()));
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
