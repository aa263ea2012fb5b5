/**
 * The one module that starts child processes (ffmpeg goes through fluent-ffmpeg, Chromium through
 * Playwright, but with the same parent-death wrapper). Children are started through `setpriv
 * --pdeathsig` so that when the service dies, even by SIGKILL, its children get a signal instead of
 * running on as orphans: ffmpeg gets SIGINT and closes its file cleanly, Xvfb and scripts get SIGTERM.
 * Every child gets the allow-listed environment of lib/proc/child-env.ts unless it is given its own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { childEnv } from './child-env';

export interface SpawnOptions {
  /** The child's whole environment (build it with childEnv); childEnv() when absent. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The signal the child gets when this process dies. */
  parentDeathSignal?: 'INT' | 'TERM' | 'KILL';
  /** Extra file descriptors after stdin/stdout/stderr, e.g. ['pipe'] for Xvfb's -displayfd 3. */
  extraFds?: Array<'pipe'>;
  /** For children whose output is data we do not want (it then goes to /dev/null). */
  stdout?: 'pipe' | 'ignore';
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let setprivAvailable: boolean | undefined;

function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    setprivAvailable = spawnSync('setpriv', ['--help'], { stdio: 'ignore', env: childEnv() }).status === 0;
  }
  return setprivAvailable;
}

/** The argv that runs `command` so that it dies with us; plain when setpriv is missing (non-Linux). */
export function withParentDeathSignal(command: string, args: string[], signal: 'INT' | 'TERM' | 'KILL'): [string, string[]] {
  if (!hasSetpriv()) return [command, args];
  return ['setpriv', ['--pdeathsig', `SIG${signal}`, '--', command, ...args]];
}

/** A running child: output arrives as lines (split on \r and \n, as ffmpeg's progress needs). */
export interface ChildEvents {
  /** The binary could not be started (ENOENT, EACCES). */
  'spawn-error': [error: Error];
  /** One line of stdout or stderr. */
  line: [line: string];
}

export class ChildHandle extends EventEmitter<ChildEvents> {
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(readonly child: ChildProcess, readonly name: string) {
    super();
    this.exited = new Promise<Exit>((resolve) => {
      child.once('error', (err) => {
        this.emit('spawn-error', err);
        if (this.exitInfo === undefined) {
          this.exitInfo = { code: -1, signal: null };
          resolve(this.exitInfo);
        }
      });
      child.once('close', (code, signal) => {
        if (this.exitInfo === undefined) {
          this.exitInfo = { code, signal };
          resolve(this.exitInfo);
        }
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split(/\r\n|\r|\n/);
        buffered = parts.pop() ?? '';
        // A process that prints without line breaks must not grow this buffer without bound.
        if (buffered.length > 64 * 1024) buffered = buffered.slice(-1024);
        for (const line of parts) if (line) this.emit('line', line);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Asks politely, then insists: `signal`, wait `graceMs`, then SIGKILL. Safe to call twice. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function startProcess(name: string, command: string, args: string[], opts: SpawnOptions = {}): ChildHandle {
  const [cmd, argv] = opts.parentDeathSignal ? withParentDeathSignal(command, args, opts.parentDeathSignal) : [command, args];
  const child = spawn(cmd, argv, {
    env: opts.env ?? childEnv(),
    cwd: opts.cwd,
    stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe', ...(opts.extraFds ?? [])],
  });
  return new ChildHandle(child, name);
}

/** Runs a short command to completion and returns its output; for probes like `pactl info`. */
export function runToEnd(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(command, args, { env: opts.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = (code: number | null, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(error ? { error } : {}) });
    };
    child.once('error', (err) => done(-1, err));
    child.once('close', (code) => done(code));
  });
}

/**
 * Runs a command whose standard output is data (decoded samples), handing it over in pieces as it comes
 * instead of keeping it; resolves with the exit code and the end of standard error. Killed after
 * `timeoutMs`, and with this process.
 */
export function streamOutput(
  command: string,
  args: string[],
  onData: (chunk: Buffer) => void,
  opts: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const [cmd, argv] = withParentDeathSignal(command, args, 'KILL');
    const child = spawn(cmd, argv, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10 * 60 * 1000);
    child.stdout.on('data', (d: Buffer) => onData(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const done = (code: number | null, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stderr, ...(error ? { error } : {}) });
    };
    child.once('error', (err) => done(-1, err));
    child.once('close', (code) => done(code));
  });
}
