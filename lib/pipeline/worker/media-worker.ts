/**
 * A session's media worker, seen from the service: a child process (lib/media-worker.ts) that runs the
 * session's encoder and stream fan-out (worker-runtime.ts), with a memory limit of its own. The service
 * drives it through an `Encoder` and a `FanOut` that look like local ones; the worker's log comes back on
 * its standard error and goes into the session's log. When the worker dies (killed, over its limit, a
 * crash), the session fails with MEDIA_WORKER_FAILED and nothing else is touched: ffmpeg, the worker's
 * child, gets SIGINT from its parent-death signal and closes its files, so the recording is finalized as
 * after any failure.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { RecorderError } from '../../errors';
import type { Logger } from '../../log';
import type { FanOutOpener } from '../../output/rtmp/fan-out';
import { childEnv } from '../../proc/child-env';
import type { Encoder } from '../encoder/encoder';
import type { SyncState } from '../frame-clock/audio-alignment';
import type { ClockSample } from '../frame-clock/clock-reader';
import type { SoundMove } from '../../output/participant-audio';
import type { EncoderStart, FromWorker, ToWorker } from './protocol';
import { RemoteEncoder, RemoteFanOut } from './remote';

export interface MediaWorkerOptions {
  /** Where the worker's log goes (the session's, once it has one). */
  log: Logger;
  logLevel: string;
  /** Resident memory the worker may use, in MB: beyond it the worker is killed and its session fails. */
  memoryLimitMb: number;
  /** The ffmpeg the worker runs (warmed at its start). */
  ffmpegBinary: string;
}

export interface MediaWorkerEvents {
  /** The worker is gone without being asked to go; once. */
  failure: [error: RecorderError];
  sync: [state: SyncState];
  'sound-moved': [move: SoundMove];
  clock: [sample: ClockSample];
}

/** How often the worker's resident memory is read. */
const WATCH_MS = 1000;
/** How long a worker may take to exit when asked. */
const EXIT_GRACE_MS = 5000;

/** The worker's program: beside this module once built, or in the build when run from the sources. */
function workerEntry(): string {
  const built = path.join(__dirname, '../../media-worker.js');
  if (fs.existsSync(built)) return built;
  return path.resolve(__dirname, '../../../dist/lib/media-worker.js');
}

export class MediaWorker extends EventEmitter<MediaWorkerEvents> {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: RecorderError) => void }>();
  private nextRef = 1;
  private fanOut: RemoteFanOut | undefined;
  private encoder: RemoteEncoder | undefined;
  private closing = false;
  private gone: RecorderError | undefined;
  private readonly exited: Promise<void>;
  private readonly watch: NodeJS.Timeout;
  /** The latest of the frame clock's state. */
  sync: SyncState | undefined;
  private log: Logger;

  constructor(private readonly opts: MediaWorkerOptions) {
    super();
    this.log = opts.log;
    this.child = fork(workerEntry(), [opts.logLevel, opts.ffmpegBinary], {
      // A V8 heap bound below the resident limit, so that most runaways end in the worker's own heap error.
      execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(opts.memoryLimitMb / 2))}`, '--max-semi-space-size=1'],
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.on('message', (m: FromWorker) => this.onMessage(m));
    this.child.on('error', (err) => this.die(`could not run (${err.message})`));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      this.die(signal ? `was killed by ${signal}` : `exited with code ${code}`);
      resolve();
    }));
    readline.createInterface({ input: this.child.stderr! }).on('line', (line) => this.relayLog(line));
    this.watch = setInterval(() => this.checkMemory(), WATCH_MS);
    this.watch.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the worker still runs (a spare's may have been killed while it waited). */
  get alive(): boolean {
    return !this.gone;
  }

  /** From now on the worker's log goes to the session's log. */
  useLog(log: Logger): void {
    this.log = log;
  }

  /** The session's fan-out, in the worker. */
  readonly openFanOut: FanOutOpener = async (settings) => {
    const target = (await this.request((ref) => ({ t: 'fanout-open', ref, settings }))) as string;
    this.fanOut = new RemoteFanOut(this, target);
    return this.fanOut;
  };

  /** The session's encoder, in the worker. */
  startEncoder(start: EncoderStart): Encoder {
    this.encoder = new RemoteEncoder(this);
    this.send({ t: 'encoder-start', start });
    if (this.gone) this.encoder.lost(this.gone);
    return this.encoder;
  }

  /** Every frame clock sample from now on comes as a 'clock' event (the benchmark's view). */
  keepClockSamples(): void {
    this.send({ t: 'clock-samples' });
  }

  send(message: ToWorker): void {
    if (this.gone || !this.child.connected) return;
    this.child.send(message);
  }

  /** A message with a `ref`, answered by the worker's `done`. */
  request(make: (ref: number) => ToWorker): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this.send(make(ref));
    });
  }

  /** Ends the worker (after the session's media is closed); idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watch);
    this.send({ t: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'done': {
        const p = this.pending.get(m.ref);
        this.pending.delete(m.ref);
        if (m.error) p?.reject(RecorderError.fromJSON(m.error));
        else p?.resolve(m.value);
        return;
      }
      case 'sync':
        this.sync = m.state;
        this.emit('sync', m.state);
        return;
      case 'clock':
        this.emit('clock', m.sample);
        return;
      case 'sound-moved':
        this.emit('sound-moved', m.move);
        return;
      case 'fanout-link':
      case 'fanout-failure':
      case 'fanout-destination-failed':
        return this.fanOut?.onMessage(m);
      default:
        return this.encoder?.onMessage(m);
    }
  }

  private relayLog(line: string): void {
    let entry: { level?: unknown; message?: unknown } & Record<string, unknown>;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // Not the worker's logger: Node's own last words (a heap limit, an uncaught exception).
      if (line.trim()) this.log.warn(`media worker: ${line}`, { component: 'worker' });
      return;
    }
    const { level, message, timestamp: _timestamp, ...meta } = entry;
    this.log.log(typeof level === 'string' ? level : 'info', String(message), meta);
  }

  private checkMemory(): void {
    let rssMb: number;
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return;
    }
    if (rssMb <= this.opts.memoryLimitMb) return;
    this.die(`went over its memory limit of ${this.opts.memoryLimitMb} MB (${Math.round(rssMb)} MB)`);
    this.child.kill('SIGKILL');
  }

  /** The worker is gone: every waiting request and the session learn why, once. */
  private die(why: string): void {
    if (this.gone) return;
    clearInterval(this.watch);
    const error = new RecorderError({
      code: 'MEDIA_WORKER_FAILED',
      message: `The session's media worker ${why}`,
      hint: 'The recording so far is kept; other sessions are not affected. See the log for what the worker did last',
    });
    this.gone = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.fanOut?.lost(error);
    this.encoder?.lost(error);
    if (!this.closing) {
      this.log.error(error.message, { component: 'worker' });
      this.emit('failure', error);
    }
  }
}
