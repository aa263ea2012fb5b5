/**
 * Runs ffmpeg for one session through fluent-ffmpeg. Every output line goes through the pure parser and
 * comes out as a typed event; the encoder reports `running` at the first encoded frame and `ended` once,
 * with the reason. Stopping sends SIGINT (ffmpeg then closes the file cleanly), then SIGKILL after a
 * grace period, as Jibri does.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { RecorderError } from '../../errors';
import type { Logger } from '../../log';
import { childEnv } from '../../proc/child-env';
import { makeTempDir } from '../../proc/temp-dir';
import { redact } from '../../redact';
import { toArgv, type FfmpegSpec } from './ffmpeg-args';
import { parseFfmpegLine } from './ffmpeg-progress';
import { PaceWindow } from './pace';

export interface EncoderProgress {
  frame: number;
  fps?: number;
  /** Media seconds written per wall second over the last seconds (1 = real time). */
  speed?: number;
  dup: number;
  drop: number;
  timeSec?: number;
}

export type EncoderEnd = { ok: true } | { ok: false; error: RecorderError };

export interface EncoderEvents {
  /** ffmpeg's process exists, with this pid. */
  started: [pid: number | undefined];
  /** The first frame is encoded. */
  running: [];
  progress: [progress: EncoderProgress];
  /** ffmpeg exited and the output is closed; once. */
  ended: [end: EncoderEnd];
}

export interface Encoder extends Pick<EventEmitter<EncoderEvents>, 'on' | 'off' | 'once'> {
  readonly pid: number | undefined;
  /** Resolves once ffmpeg has exited and the output is closed. */
  stop(graceMs?: number): Promise<EncoderEnd>;
  readonly ended: Promise<EncoderEnd>;
}

let wrapperPath: string | undefined;

type SpawnFfmpeg = (this: unknown, args: string[], options: unknown, ...callbacks: unknown[]) => void;

/**
 * fluent-ffmpeg has no option for the child's environment: it spawns ffmpeg with whatever options it
 * builds itself, so the service's own environment (its passwords) would be inherited. Its one spawn
 * point for ffmpeg, `_spawnFfmpeg`, hands those options to child_process.spawn as they are; this adds
 * the allow-listed environment there, for every ffmpeg a command runs (encodes, format listings).
 */
export function withChildEnv(cmd: ffmpeg.FfmpegCommand): ffmpeg.FfmpegCommand {
  const c = cmd as unknown as { _spawnFfmpeg: SpawnFfmpeg };
  const original = c._spawnFfmpeg;
  c._spawnFfmpeg = function (this: unknown, args: string[], options: unknown, ...callbacks: unknown[]): void {
    // fluent-ffmpeg lets callers leave the options out.
    if (typeof options === 'function') return original.call(this, args, { env: childEnv() }, options, ...callbacks);
    return original.call(this, args, { ...(options as object), env: childEnv() }, ...callbacks);
  };
  return cmd;
}

/**
 * fluent-ffmpeg spawns the binary itself, so the parent-death signal is set by a tiny wrapper that
 * execs ffmpeg through setpriv. It is written once per process into the temp folder, which stays
 * writable even on a read-only root file system, and removed when the process exits (or, after a kill,
 * by the next service: lib/proc/temp-dir.ts).
 */
export function ffmpegWrapper(ffmpegBinary: string): string {
  if (wrapperPath) return wrapperPath;
  const dir = makeTempDir('bin');
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ffmpeg');
  const quoted = `'${ffmpegBinary.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    file,
    `#!/bin/sh\n# Written by jibri-ts: ffmpeg gets SIGINT (and closes its file) when the service dies.\n` +
      `if command -v setpriv >/dev/null 2>&1; then exec setpriv --pdeathsig SIGINT -- ${quoted} "$@"; fi\nexec ${quoted} "$@"\n`,
    { mode: 0o755 },
  );
  wrapperPath = file;
  return file;
}

/**
 * fluent-ffmpeg lists ffmpeg's formats and then its encoders before its first run (one ffmpeg run each,
 * a few hundred milliseconds on a loaded host) and caches both for the life of the process; doing both
 * while the worker waits as a spare keeps them out of the session's start.
 */
export function warmEncoder(ffmpegBinary: string): Promise<void> {
  const command = (): ffmpeg.FfmpegCommand => withChildEnv(ffmpeg().setFfmpegPath(ffmpegWrapper(ffmpegBinary)));
  return new Promise((resolve) => {
    command().availableFormats(() => command().availableEncoders(() => resolve()));
  });
}

export interface EncoderOptions {
  spec: FfmpegSpec;
  ffmpegBinary: string;
  log: Logger;
  /** Takes the spec's clock branch: its raw bytes, from standard output. */
  onClockBytes?: (chunk: Buffer) => void;
}

/** An encoder run by this process, which can also take ffmpeg's interactive commands. */
export interface LocalEncoder extends Encoder {
  /** Sends one of ffmpeg's interactive commands (a line on its standard input); false when it cannot. */
  command(line: string): boolean;
}

class FfmpegEncoder extends EventEmitter<EncoderEvents> implements LocalEncoder {
  readonly ended: Promise<EncoderEnd>;
  private resolveEnded!: (end: EncoderEnd) => void;
  private ffmpegCommand: ffmpeg.FfmpegCommand;
  private running = false;
  private finishedCleanly = false;
  private lineError: RecorderError | undefined;
  private lastLines: string[] = [];
  private readonly pace = new PaceWindow();
  private stopping = false;
  private endInfo: EncoderEnd | undefined;

  constructor(private readonly opts: EncoderOptions) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const { spec } = opts;
    // fluent-ffmpeg keeps this many of ffmpeg's log lines for its end event; 0 would keep every line of a
    // whole recording in memory (two a second, more with the clock's). The encoder keeps its own last lines.
    let cmd = withChildEnv(ffmpeg({ stdoutLines: 1 }).setFfmpegPath(ffmpegWrapper(opts.ffmpegBinary)));
    for (const input of spec.inputs) cmd = cmd.input(input.source).inputFormat(input.format).inputOptions(input.options);
    // ffmpeg reads global options anywhere on its command line; fluent-ffmpeg has no slot for them.
    cmd = cmd.output(spec.output.target).outputOptions([...spec.global, ...spec.output.options]);
    this.ffmpegCommand = cmd;
    if (spec.clock) cmd = cmd.output(spec.clock.target).outputOptions(spec.clock.options);
    cmd.on('start', () => {
      opts.log.info(`ffmpeg started: ffmpeg ${toArgv(spec).join(' ')}`, { component: 'encoder' });
      const proc = this.process();
      // Nothing else reads standard output: unread, it would fill and stop ffmpeg.
      proc?.stdout?.on('data', (chunk: Buffer) => opts.onClockBytes?.(chunk));
      proc?.stdin?.on('error', () => undefined);
      this.emit('started', proc?.pid);
    });
    cmd.on('stderr', (line: string) => this.onLine(line));
    cmd.on('error', (err: Error) => this.onExit(err));
    cmd.on('end', () => this.onExit(undefined));
    cmd.run();
  }

  get pid(): number | undefined {
    return this.process()?.pid;
  }

  command(line: string): boolean {
    const stdin = this.process()?.stdin;
    if (!stdin || stdin.destroyed || this.endInfo || this.stopping) return false;
    stdin.write(line);
    return true;
  }

  private process(): ChildProcess | undefined {
    return (this.ffmpegCommand as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
  }

  private onLine(line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > 20) this.lastLines.shift();
    const parsed = parseFfmpegLine(line);
    switch (parsed.kind) {
      case 'encoding': {
        // Without a picture (audio only) the recording has no frames: the recorded time is the progress
        // (frames ffmpeg counts then are the thumbnails').
        const frame = this.opts.spec.audioOnly ? 0 : parsed.frame;
        if (frame === undefined) break;
        if (!this.running && (frame > 0 || (this.opts.spec.audioOnly && (parsed.timeSec ?? 0) > 0))) {
          this.running = true;
          this.emit('running');
        }
        // Our pace over the last seconds once there is one; ffmpeg's own speed counts from its start (pace.ts).
        const pace = parsed.timeSec === undefined ? undefined : this.pace.add(parsed.timeSec, Date.now());
        this.emit('progress', { frame, fps: parsed.fps, speed: pace ?? parsed.speed, dup: parsed.dup ?? 0, drop: parsed.drop ?? 0, timeSec: parsed.timeSec });
        break;
      }
      case 'finished':
        this.finishedCleanly = true;
        break;
      case 'error':
        this.lineError ??= new RecorderError({
          code: parsed.code,
          message: parsed.code === 'DISK_FULL' ? 'The disk is full: ffmpeg could not write the recording' : `ffmpeg: ${redact(parsed.line)}`,
          retryable: parsed.retryable,
          ...(parsed.code === 'DISK_FULL' ? { hint: 'Free space in JIBRI_RECORDING_DIR or point it at a larger volume' } : {}),
        });
        this.opts.log.warn(`ffmpeg: ${parsed.line}`, { component: 'encoder' });
        break;
      default:
        this.opts.log.debug(`ffmpeg: ${parsed.line}`, { component: 'encoder' });
    }
  }

  private onExit(err: Error | undefined): void {
    if (this.endInfo) return;
    let end: EncoderEnd;
    if (this.lineError) end = { ok: false, error: this.lineError };
    else if (!err || this.finishedCleanly || (this.stopping && /signal SIGINT|code 255/.test(err.message))) end = { ok: true };
    else if (/Cannot find ffmpeg|ENOENT|spawn/.test(err.message)) {
      end = {
        ok: false,
        error: new RecorderError({ code: 'ENCODER_FAILED_TO_START', scope: 'system', message: `ffmpeg failed to start: ${err.message}`, hint: 'Install ffmpeg (apt-get install ffmpeg) or set JIBRI_FFMPEG_PATH' }),
      };
    } else {
      // ffmpeg's lines may quote a stream URL; every secret registered for the session is masked.
      const last = redact(this.lastLines.slice(-3).join(' | '));
      end = { ok: false, error: new RecorderError({ code: 'ENCODER_EXITED', message: `ffmpeg quit unexpectedly (${err.message})${last ? `; last output: ${last}` : ''}` }) };
    }
    this.endInfo = end;
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  async stop(graceMs = 10000): Promise<EncoderEnd> {
    if (this.endInfo) return this.endInfo;
    this.stopping = true;
    this.ffmpegCommand.kill('SIGINT');
    const timer = setTimeout(() => {
      if (!this.endInfo) {
        this.opts.log.warn(`ffmpeg did not stop within ${graceMs} ms; killing it`, { component: 'encoder' });
        this.ffmpegCommand.kill('SIGKILL');
      }
    }, graceMs);
    try {
      return await this.ended;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function startEncoder(opts: EncoderOptions): LocalEncoder {
  return new FfmpegEncoder(opts);
}
