/**
 * Fakes for the recorder's seams, so that Recorder, Session and XmppEdge run in unit specs in
 * milliseconds: a pipeline that reaches its first frame, fails or stops when the spec says so, a source
 * provider that starts nothing, a steady host load, a finalizer that only drops the crash marker, and
 * XMPP connections that record what they send. The real ones are tested end to end in spec/integration.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Element } from '@xmpp/xml';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/log';
import { RecorderError } from '../../lib/errors';
import type { EncoderEnd, EncoderProgress } from '../../lib/pipeline/encoder/encoder';
import type { PipelineEvents, PipelineOptions, SessionPipeline, StartTimings } from '../../lib/pipeline/pipeline';
import type { CaptureSource } from '../../lib/pipeline/source';
import { removeMarker } from '../../lib/recorder/crash-marker';
import type { FinalizeInput } from '../../lib/recorder/finalize';
import type { LoadSource, SourceProvider } from '../../lib/recorder/recorder';
import type { StartRequest } from '../../lib/recorder/requests';
import type { LoadSample } from '../../lib/system/host-load';
import type { BreweryConnection, ConnectionOptions, XmppConnectionEvents } from '../../lib/xmpp/connection';

export const quietLog = createLogger('error', { silent: true });

const dirs: string[] = [];

/** A configuration on a fresh temporary recordings folder; `env` adds or overrides settings. */
export function unitConfig(env: Record<string, string> = {}): Config {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-unit-'));
  dirs.push(dir);
  return loadConfig({ JIBRI_RECORDING_DIR: dir, ...env });
}

/** Removes the recordings folders unitConfig made (afterAll). */
export function removeUnitDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A pipeline that does nothing until told: `firstFrame()` resolves its start, `failStart(e)` rejects it,
 * `fail(e)` is a runtime failure; stopCapture() resolves at once (or with `end`).
 */
export class FakePipeline extends EventEmitter<PipelineEvents> implements SessionPipeline {
  readonly timings: StartTimings = {};
  lastProgress: EncoderProgress | undefined;
  originMs: number | undefined;
  encoderPid: number | undefined;
  readonly page = undefined;
  readonly sync = undefined;
  keepClockSamples(): void {}
  aborted = false;
  closed = false;
  captureStopped = false;
  end: EncoderEnd | undefined = { ok: true };
  private resolveStart!: () => void;
  private rejectStart!: (e: Error) => void;
  private readonly started = new Promise<void>((resolve, reject) => {
    this.resolveStart = resolve;
    this.rejectStart = reject;
  });

  constructor(readonly opts: PipelineOptions) {
    super();
  }

  start(): Promise<void> {
    return this.started;
  }

  firstFrame(): void {
    this.originMs = Date.now();
    this.lastProgress = { frame: 30, dup: 0, drop: 0, timeSec: 1, speed: 1 };
    this.resolveStart();
  }

  failStart(error: RecorderError): void {
    this.rejectStart(error);
  }

  fail(error: RecorderError): void {
    this.emit('failure', error);
  }

  stopCapture(): Promise<EncoderEnd | undefined> {
    this.captureStopped = true;
    return Promise.resolve(this.end);
  }

  abort(): void {
    this.aborted = true;
    // As the real pipeline: a start that is under way ends with an error once aborted.
    this.rejectStart(new RecorderError({ code: 'INTERNAL', message: 'the session was stopped while starting' }));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Every pipeline the sessions asked for, in order. */
export class FakePipelines {
  readonly made: FakePipeline[] = [];
  readonly factory = (opts: PipelineOptions): FakePipeline => {
    const p = new FakePipeline(opts);
    this.made.push(p);
    return p;
  };

  get last(): FakePipeline {
    const p = this.made.at(-1);
    if (!p) throw new Error('no pipeline was made');
    return p;
  }
}

/** Finalizes by dropping the marker only (the real steps run ffmpeg and scripts); records each call. */
export class FakeFinalizer {
  readonly calls: FinalizeInput[] = [];
  result: RecorderError | undefined;
  readonly finalize = (input: FinalizeInput): Promise<RecorderError | undefined> => {
    this.calls.push(input);
    if (!this.result) removeMarker(input.markerFile);
    return Promise.resolve(this.result);
  };
}

export class FakeSources implements SourceProvider {
  prepared = 0;
  taken = 0;
  prepare(): void {
    this.prepared++;
  }
  take(): Promise<CaptureSource> {
    this.taken++;
    // The fake pipeline never touches it.
    return Promise.resolve({} as CaptureSource);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A quiet host with room for many sessions. */
export class SteadyLoad implements LoadSource {
  sample: LoadSample = { at: Date.now(), cores: 16, hostBusyCores: 0.2, serviceCores: 0.1, memAvailableBytes: 32 * 2 ** 30, serviceRssBytes: 100 * 2 ** 20 };
  start(): void {}
  stop(): void {}
  current(): LoadSample {
    return this.sample;
  }
  onSample(): void {}
}

/** One brewery occupant that records what it sends; `iq()` delivers a `<jibri>` IQ as the server would. */
export class FakeConnection extends EventEmitter<XmppConnectionEvents> implements BreweryConnection {
  readonly id: string;
  readonly environment: string;
  readonly config: ConnectionOptions['config'];
  readonly slot: number;
  offlineSince: number | undefined;
  lastProblem: string | undefined;
  readonly sent: Array<{ to: string; child: Element }> = [];
  presences = 0;

  constructor(readonly opts: ConnectionOptions) {
    super();
    this.id = opts.server.id;
    this.config = opts.config;
    this.environment = opts.config.name ? `${opts.config.name}-${opts.server.id}` : opts.server.id;
    this.slot = opts.slot;
  }

  start(): void {}
  stop(): Promise<void> {
    return Promise.resolve();
  }
  sendPresence(): Promise<void> {
    this.presences++;
    return Promise.resolve();
  }
  sendIq(to: string, child: Element): Promise<void> {
    this.sent.push({ to, child });
    return Promise.resolve();
  }

  /** Delivers an IQ's `<jibri>` child from `from` (Jicofo's occupant JID in the brewery by default). */
  iq(child: Element, from = `${this.config.breweryJid}/focus`): Promise<Element> {
    return this.opts.onJibriIq(child, { connection: this, from, to: `${this.config.breweryJid}/${this.opts.nickname}`, id: 'iq1' });
  }

  /** The connection drops, as the real one reports it. */
  lose(): void {
    this.offlineSince = Date.now();
    this.emit('offline', { reason: 'test', onError: true });
  }
}

/** A start request as an edge would make it: an HTTP-started file recording of a meeting room. */
export const startRequest = (sessionId: string, over: Partial<StartRequest> = {}): StartRequest => ({
  sessionId,
  call: { baseUrl: 'https://meet.example.com', callName: 'room', extraUrlParams: [] },
  callLogin: { domain: 'recorder.example.com', username: 'recorder', password: 'pw' },
  outputs: [{ kind: 'file' }],
  metadata: {},
  origin: { kind: 'http' },
  ...over,
});
