/**
 * One session from request to finalized files. The session owns its outputs and its pipeline (made by
 * the factory it is given) and changes only its own state, through the pure machine; each change is
 * logged once with the session id and emitted upward.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Config } from '../config';
import { RecorderError, asRecorderError } from '../errors';
import type { Logger } from '../log';
import { callUrlWithLogin, localStorageEntries, meetingUrl } from '../meeting/call-url';
import type { CallEndEvent } from '../meeting/call-status';
import { Meeting, errorOfCallEnd } from '../meeting/meeting';
import { recordingPaths, type RecordingPaths } from '../output/file-layout';
import type { Output, OutputRequest } from '../output/output';
import { closeLiveOutput, createOutputs, liveOutput, removalRefusal, sessionMode } from '../output/outputs';
import { Pipeline, type PipelineFactory, type SessionPipeline, type StartTimings } from '../pipeline/pipeline';
import type { ClockSample } from '../pipeline/frame-clock/clock-reader';
import type { CaptureSource } from '../pipeline/source';
import { finalizeRecording, type FinalizeInput } from './finalize';
import { MarkerHeartbeat, markerPath, PROCESS_OWNER, writeMarker } from './crash-marker';
import type { SessionSummary } from './snapshot';
import type { StartRequest } from './requests';
import { nextState, TERMINAL, type SessionEvent, type SessionState } from './session-machine';

export interface SessionDeps {
  config: Config;
  log: Logger;
  /** Hands the session its capture source (the recorder's ready spare when there is one). */
  source: () => Promise<CaptureSource>;
  /** The recorder's slot this session runs in. */
  slot?: number;
  now?: () => Date;
  /** Builds the session's pipeline; the real one (Chromium, Xvfb, PulseAudio, ffmpeg) by default. */
  pipeline?: PipelineFactory;
  /** Finalizes the session's files; Jibri's steps (lib/recorder/finalize.ts) by default. */
  finalize?: (input: FinalizeInput) => Promise<RecorderError | undefined>;
}

export interface SessionEvents {
  state: [state: SessionState, previous: SessionState];
}

export class Session extends EventEmitter<SessionEvents> {
  readonly id: string;
  readonly startedAt: Date;
  readonly paths: RecordingPaths;
  readonly meetingUrl: string;
  /** The recording on disk: a file session's, or a stream's local copy; none for a stream alone. */
  readonly mediaFile: string | undefined;
  /** Set when the request was received: the start-latency clock starts here. */
  readonly receivedAt: number;
  /**
   * Every output the session has had, in ffmpeg's order then as added live: the pipeline stops and
   * finishes them all (a removed destination's channel may carry the others).
   */
  private readonly allOutputs: Output[];
  /** Outputs removed while live. */
  private readonly removed = new Set<string>();
  state: SessionState = { name: 'starting' };
  timings: StartTimings = {};
  private pipeline: SessionPipeline | undefined;
  private meeting: Meeting | undefined;
  /** Why the session ended when it was not asked to stop: call empty, all muted, usage timeout... */
  endReason: string | undefined;
  private stopRequested = false;
  private stopSignal!: () => void;
  private readonly stopWanted = new Promise<void>((resolve) => (this.stopSignal = resolve));
  private readonly captureClosedWaiters: Array<() => void> = [];
  private usageTimer: NodeJS.Timeout | undefined;
  /** The crash marker (lib/recorder/crash-marker.ts), while the session has a file. */
  private readonly markerFile: string;
  private readonly heartbeat: MarkerHeartbeat;
  private participants: unknown[] = [];
  private finalizeError: RecorderError | undefined;
  private readonly log: Logger;

  constructor(readonly request: StartRequest, private readonly deps: SessionDeps) {
    super();
    this.id = request.sessionId;
    this.receivedAt = Date.now();
    this.startedAt = (deps.now ?? (() => new Date()))();
    this.paths = recordingPaths(deps.config.recording.dir, request.sessionId, request.call.callName, this.startedAt);
    this.meetingUrl = meetingUrl(request.call);
    this.markerFile = markerPath(deps.config.recording.dir, request.sessionId, this.startedAt);
    this.heartbeat = new MarkerHeartbeat(this.markerFile);
    // Each output registers its own secrets (a stream's key and credentials) before anything is logged.
    this.allOutputs = createOutputs(request.outputs, { mediaFile: this.paths.mediaFile, sessionDir: this.paths.sessionDir, config: deps.config });
    this.mediaFile = this.allOutputs.find((o) => o.mediaFile)?.mediaFile;
    this.log = deps.log.child({ sessionId: this.id });
  }

  /** Where the encode goes now, in ffmpeg's order then as added live. */
  get outputs(): readonly Output[] {
    return this.allOutputs.filter((o) => !this.removed.has(o.id));
  }

  /**
   * Adds an output while the session records (an RTMP destination joins the running encode); the file
   * and the other destinations are not touched. Throws a RecorderError when it cannot.
   */
  addOutput(request: OutputRequest): Output {
    if (this.state.name !== 'recording') {
      throw new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message: `The session is ${this.state.name}, not recording`, retryable: this.state.name === 'starting', hint: 'Outputs can be added while the session records' });
    }
    const made = liveOutput(request, this.allOutputs, this.outputs, this.deps.config);
    if (!made.ok) throw made.error;
    this.allOutputs.push(made.output);
    this.log.info(`output ${made.output.id} added: ${made.output.title}`, { component: 'session' });
    return made.output;
  }

  /** Removes an output while the session records; the others go on. Throws a RecorderError when it cannot. */
  async removeOutput(outputId: string): Promise<void> {
    const output = this.outputs.find((o) => o.id === outputId);
    if (!output) throw new RecorderError({ code: 'OUTPUT_NOT_FOUND', message: `The session ${this.id} has no output ${outputId}`, retryable: false });
    if (this.state.name !== 'recording') throw new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message: `The session is ${this.state.name}, not recording`, retryable: false });
    const refusal = removalRefusal(output);
    if (refusal) throw refusal;
    this.removed.add(output.id);
    await closeLiveOutput(output);
    this.log.info(`output ${output.id} removed: ${output.title}`, { component: 'session' });
  }

  /** Longest this session may run (0 = no limit): its environment's usage timeout, else JIBRI_HTTP_USAGE_TIMEOUT. */
  get usageTimeoutSec(): number {
    return this.request.usageTimeoutSec ?? this.deps.config.call.usageTimeoutSec;
  }

  /** Drives the whole life of the session; resolves once it is finished or failed, never rejects. */
  async run(): Promise<void> {
    const what = this.outputs.map((o) => o.title).join(' with ');
    this.log.info(`session starting: ${what} of ${this.meetingUrl}`, { component: 'session' });
    const { usageTimeoutSec } = this;
    if (usageTimeoutSec > 0) {
      this.usageTimer = setTimeout(() => {
        this.log.info(`usage timeout of ${usageTimeoutSec} s reached; stopping`, { component: 'session' });
        this.endReason ??= 'usage-timeout';
        void this.requestStop();
      }, usageTimeoutSec * 1000);
    }
    try {
      await this.startCapture();
    } catch (err) {
      if (!this.stopRequested) this.apply({ type: 'error', error: asRecorderError(err) });
    }
    await Promise.race([this.stopWanted, this.untilStateIsNot('starting', 'recording')]);
    await this.closeCapture();
    await this.finish();
  }

  /** Resolves once the media file is closed on disk (the finalize script may still be running). */
  requestStop(): Promise<void> {
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.pipeline?.abort();
      this.apply({ type: 'stop' });
      this.stopSignal();
    }
    if (this.captureClosed()) return Promise.resolve();
    return new Promise((resolve) => this.captureClosedWaiters.push(resolve));
  }

  summary(): SessionSummary {
    const progress = this.pipeline?.lastProgress;
    const outputs = this.outputs.map((o) => ({ id: o.id, ...o.summary() }));
    // Jibri's one stream per session, as health has always shown it.
    const stream = outputs.find((o) => o.link);
    return {
      sessionId: this.id,
      state: this.state.name,
      sinkType: sessionMode(this.request.outputs),
      origin: this.request.origin,
      meetingUrl: this.meetingUrl,
      startedAt: this.startedAt.toISOString(),
      ...(this.mediaFile ? { mediaFile: this.mediaFile } : {}),
      ...(stream?.link ? { stream: { url: stream.shownAs, state: stream.link.state, reconnects: stream.link.reconnects, ...(stream.viewingUrl ? { viewingUrl: stream.viewingUrl } : {}) } } : {}),
      outputs,
      ...(progress?.timeSec !== undefined ? { recordedSec: progress.timeSec } : {}),
      ...(progress?.speed !== undefined ? { encoderSpeed: progress.speed } : {}),
      ...(progress?.frame !== undefined ? { frames: { written: progress.frame, dropped: progress.drop ?? 0, duplicated: progress.dup ?? 0 } } : {}),
      ...(this.pipeline?.sync ? { sync: this.pipeline.sync } : {}),
      ...(this.deps.slot !== undefined ? { slot: this.deps.slot } : {}),
      ...(this.usageTimeoutSec > 0 ? { usageTimeoutSec: this.usageTimeoutSec } : {}),
      ...(this.endReason ? { endReason: this.endReason } : {}),
      ...(this.state.error ? { error: this.state.error.toJSON() } : {}),
    };
  }

  /** The meeting page while the session runs (diagnostics and tests). */
  get page(): SessionPipeline['page'] {
    return this.pipeline?.page;
  }

  /** The wall-clock instant the recording's zero stands for (the A/V measurements compare against it). */
  get originMs(): number | undefined {
    return this.pipeline?.originMs;
  }

  /**
   * Every frame clock sample from now on (the benchmark's view of the picture's latency); resolves once
   * the session's pipeline exists.
   */
  async keepClockSamples(): Promise<ClockSample[]> {
    while (!this.pipeline && !this.terminal) await new Promise((r) => setTimeout(r, 5));
    const samples: ClockSample[] = [];
    this.pipeline?.on('clock', (s) => samples.push(s));
    this.pipeline?.keepClockSamples();
    return samples;
  }

  get terminal(): boolean {
    return TERMINAL.has(this.state.name);
  }

  private async startCapture(): Promise<void> {
    const { config } = this.deps;
    const marker = this.mediaFile
      ? {
          sessionId: this.id,
          meetingUrl: this.meetingUrl,
          mediaFile: this.mediaFile,
          metadata: this.request.metadata,
          startedAt: this.startedAt.toISOString(),
          sinkType: sessionMode(this.request.outputs),
          pid: process.pid,
          host: os.hostname(),
          owner: PROCESS_OWNER,
        }
      : undefined;
    if (marker) {
      this.prepareFolder();
      writeMarker(this.markerFile, marker);
      this.heartbeat.start();
    }
    const makePipeline: PipelineFactory = this.deps.pipeline ?? ((opts) => new Pipeline(opts));
    const { streaming } = config;
    const pipeline = makePipeline({
      encoding: config.encoding,
      browser: config.browser,
      ffmpegBinary: config.ffmpegPath,
      pageUrl: callUrlWithLogin(this.request.call, this.request.callLogin, config.instanceId || 'jibri'),
      localStorage: localStorageEntries(this.request.callLogin, config.instanceId || 'jibri'),
      loginHeld: this.request.callLogin !== undefined,
      outputs: this.allOutputs,
      liveEncoding: { preset: streaming.preset, maxBitrateKbps: streaming.maxBitrateKbps, gopSize: streaming.gopSize },
      onPageLoaded: async (page) => {
        const audioSinks = this.allOutputs.flatMap((o) => (o.participantAudio ? [o.participantAudio] : []));
        this.meeting = await Meeting.join({ page, log: this.log, call: config.call, presence: this.presenceFields(), audioSinks });
      },
      log: this.log,
      source: this.deps.source,
    });
    this.pipeline = pipeline;
    this.timings = pipeline.timings;
    pipeline.on('failure', (error) => this.apply({ type: 'error', error }));
    if (this.stopRequested) return;
    const pipelineAt = Date.now() - this.receivedAt;
    await pipeline.start();
    this.apply({ type: 'first-frame' });
    this.meeting?.on('end', (end) => this.onCallEnd(end));
    this.meeting?.startChecks();
    // A service killed from now on leaves an encoder that is still closing the file; the next start waits for it.
    const encoderPid = pipeline.encoderPid;
    if (marker) writeMarker(this.markerFile, { ...marker, ...(encoderPid ? { encoderPid } : {}) });
    // Every stage in ms after the request: where a slow start spent its time.
    const t = this.timings;
    const at = (ms: number | undefined): string => (ms === undefined ? '?' : String(pipelineAt + ms));
    this.log.info(
      `first frame ${Date.now() - this.receivedAt} ms after the request (pipeline started at ${pipelineAt} ms, capture source ready at ${at(t.source)} ms, page loaded at ${at(t.page)} ms, ` +
        `${t.joined === undefined ? '' : `joined at ${at(t.joined)} ms, `}ffmpeg started at ${at(t.encoder)} ms)`,
      { component: 'session' },
    );
  }

  /** Jibri's conference presence fields, which make the moderator's UI show the recording as on. */
  private presenceFields(): Record<string, string> {
    return Object.assign({ session_id: this.id, mode: sessionMode(this.request.outputs) }, ...this.outputs.map((o) => o.presence)) as Record<string, string>;
  }

  private onCallEnd(end: CallEndEvent): void {
    const error = errorOfCallEnd(end);
    if (error) return this.apply({ type: 'error', error });
    this.endReason ??= end.reason;
    void this.requestStop();
  }

  private prepareFolder(): void {
    try {
      fs.mkdirSync(this.paths.sessionDir, { recursive: true });
      fs.accessSync(this.paths.sessionDir, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RecorderError({
        code: code === 'ENOSPC' ? 'DISK_FULL' : 'RECORDINGS_DIR_NOT_WRITABLE',
        scope: 'system',
        message: `The recordings folder ${this.paths.sessionDir} is not writable (${code ?? (err as Error).message})`,
        hint: 'Make JIBRI_RECORDING_DIR writable by the service, with free space',
      });
    }
  }

  private async closeCapture(): Promise<void> {
    this.meeting?.stopChecks();
    if (this.state.name === 'starting' || this.state.name === 'recording') this.apply({ type: 'stop' });
    const end = await this.pipeline?.stopCapture();
    if (end && !end.ok) this.apply({ type: 'error', error: end.error });
    this.apply({ type: 'capture-closed' });
    for (const resolve of this.captureClosedWaiters.splice(0)) resolve();
  }

  private async finish(): Promise<void> {
    if (this.usageTimer) clearTimeout(this.usageTimer);
    // As Jibri: the capture is closed first, then the recorder reads who took part and leaves the call.
    const participants = (await this.meeting?.participants()) ?? [];
    await this.meeting?.leave();
    await this.pipeline?.close();
    // What outputs derive from their recordings (the tracks' timeline and combined file), before the script sees the folder.
    await Promise.all(this.allOutputs.flatMap((o) => (o.finalize ? [o.finalize(this.log)] : [])));
    // A stream alone leaves nothing on disk to finalize (Jibri writes nothing for streams either).
    if (!this.mediaFile) {
      this.heartbeat.stop();
      this.apply({ type: 'finalized' });
      return;
    }
    this.participants = participants;
    const error = await this.finalizeFiles();
    if (error) this.apply({ type: 'error', error });
    this.apply({ type: 'finalized' });
  }

  /**
   * Set when the session's files could not be written (metadata.json on a full disk): its finalize
   * script has not run, and its marker is kept alive until retryFinalize() succeeds.
   */
  get unfinalizedError(): RecorderError | undefined {
    return this.finalizeError;
  }

  /** Finalizes again a session whose files could not be written; resolves with the error if it still fails. */
  async retryFinalize(): Promise<RecorderError | undefined> {
    if (!this.finalizeError) return undefined;
    this.log.info('finalizing again: its files could not be written before', { component: 'session' });
    return this.finalizeFiles();
  }

  private async finalizeFiles(): Promise<RecorderError | undefined> {
    const { config } = this.deps;
    const finalize = this.deps.finalize ?? finalizeRecording;
    const error = await finalize({
      ...this.paths,
      markerFile: this.markerFile,
      meetingUrl: this.meetingUrl,
      participants: this.participants,
      metadata: this.request.metadata,
      ffmpegBinary: config.ffmpegPath,
      ...(config.recording.finalizeScript ? { finalizeScript: config.recording.finalizeScript } : {}),
      finalizeTimeoutSec: config.recording.finalizeTimeoutSec,
      finalizeScriptEnv: config.recording.finalizeScriptEnv,
      log: this.log,
    }).catch((err: unknown) => asRecorderError(err));
    this.finalizeError = error;
    // The marker stays touched while the recording waits, so no recorder sharing the folder takes it over.
    if (!error) this.heartbeat.stop();
    return error;
  }

  private captureClosed(): boolean {
    return this.state.name === 'finalizing' || this.terminal;
  }

  private untilStateIsNot(...names: string[]): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!names.includes(this.state.name)) {
          this.off('state', check);
          resolve();
        }
      };
      this.on('state', check);
      check();
    });
  }

  private apply(event: SessionEvent): void {
    const before = this.state;
    const after = nextState(before, event);
    if (after === before) return;
    this.state = after;
    if (after.name !== before.name) {
      const why = after.error && !before.error ? `: ${after.error.describe()}` : '';
      const level = after.name === 'failed' || (after.error && !before.error) ? 'error' : 'info';
      this.log.log(level, `session ${before.name} -> ${after.name}${why}`, { component: 'session' });
    } else if (after.error && !before.error) {
      this.log.error(`session error while ${after.name}: ${after.error.describe()}`, { component: 'session' });
    }
    this.emit('state', after, before);
  }
}
