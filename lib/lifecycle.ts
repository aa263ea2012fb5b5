/**
 * How the process ends, with Jibri's exit codes, whoever asks (the internal API, a signal):
 *   gracefulShutdown     take no new session, exit 255 once the running ones have ended and are finalized
 *   notifyConfigChanged  the same, but exit 0 (a supervisor with Restart=always starts it again)
 *   shutdown             stop every session now, finalize, exit 255
 *   SIGTERM              as gracefulShutdown: platforms send it to retire a recorder, not to cut a recording
 *   SIGINT               as shutdown, but exit 0: someone at a terminal wants it stopped now
 * 255 is what Jibri's systemd unit lists in RestartPreventExitStatus: "do not start me again".
 * A later, harsher request overrides a gentler one (shutdown during a drain stops the sessions at once);
 * the exit code is the first request's.
 */
import { formatSeconds } from '@jibri-ts/common';
import type { Logger } from './log';
import type { Recorder } from './recorder/recorder';

export type ExitRequest = 'gracefulShutdown' | 'notifyConfigChanged' | 'shutdown' | 'SIGTERM' | 'SIGINT';

/** `deliveryWait`: the exit may wait for the upload queue (JIBRI_EXIT_DELIVERY_WAIT); SIGINT is someone who wants it now. */
const PLAN: Record<ExitRequest, { code: number; stopSessions: boolean; deliveryWait: boolean }> = {
  gracefulShutdown: { code: 255, stopSessions: false, deliveryWait: true },
  notifyConfigChanged: { code: 0, stopSessions: false, deliveryWait: true },
  shutdown: { code: 255, stopSessions: true, deliveryWait: true },
  SIGTERM: { code: 255, stopSessions: false, deliveryWait: true },
  SIGINT: { code: 0, stopSessions: true, deliveryWait: false },
};

export interface StopOptions {
  /** Whether the stop may wait for the upload queue (JIBRI_EXIT_DELIVERY_WAIT). */
  deliveryWait: boolean;
  /** Aborted when a later request wants the exit now (SIGINT during the wait). */
  hurry?: AbortSignal;
}

export interface LifecycleDeps {
  recorder: Recorder;
  /** Stops the whole service (edges, timers, servers) once the sessions have ended. */
  stopService: (o: StopOptions) => Promise<void>;
  /** Ends the process; replaced in specs. */
  exit: (code: number) => void;
  log: Logger;
}

export class Lifecycle {
  private code: number | undefined;
  private exiting: Promise<void> | undefined;
  private readonly beforeExitHooks: Array<() => Promise<void>> = [];
  private drainTimer: NodeJS.Timeout | undefined;
  private deliveryWait = false;
  private readonly hurry = new AbortController();
  private readonly log: Logger;

  constructor(private readonly deps: LifecycleDeps) {
    this.log = deps.log.child({ component: 'lifecycle' });
  }

  /** The code the process will exit with, once a request was made. */
  get exitCode(): number | undefined {
    return this.code;
  }

  /** Never throws and returns at once: the caller (an HTTP handler, a signal) answers before the work is done. */
  request(what: ExitRequest): void {
    const plan = PLAN[what];
    const first = this.code === undefined;
    this.code ??= plan.code;
    const running = this.deps.recorder.snapshot().sessions.length;
    this.log.info(`${what}: ${plan.stopSessions ? 'stopping and finalizing' : 'draining'}${running ? ` ${running} running session(s)` : ''}; exit code ${this.code} when done`);
    this.deps.recorder.drain();
    if (plan.stopSessions) void this.deps.recorder.stop();
    if (first) {
      this.deliveryWait = plan.deliveryWait;
      this.exiting = this.exitWhenIdle();
    } else if (!plan.deliveryWait) this.hurry.abort();
  }

  /**
   * Bounds the drain under way: once `sec` have passed with sessions still running, they are stopped and
   * finalized (as `shutdown`), and the process exits as first asked. docker-jitsi-meet's
   * wait_graceful_shutdown.sh gives up on a drain the same way, after 6 hours. `setting` names the bound.
   */
  limitDrain(sec: number, setting: string): void {
    if (this.drainTimer || this.code === undefined) return;
    this.drainTimer = setTimeout(() => {
      const running = this.deps.recorder.snapshot().sessions.length;
      if (!running) return;
      this.log.warn(`still draining after ${formatSeconds(sec)} (${setting}): stopping and finalizing ${running} running session(s)`);
      this.request('shutdown');
    }, sec * 1000);
    this.drainTimer.unref();
  }

  /** Runs once the sessions have ended and the service stopped, just before the exit (autoscaler reports). */
  onBeforeExit(hook: () => Promise<void>): void {
    this.beforeExitHooks.push(hook);
  }

  /** Settles once the process is about to exit (for specs, where exit does not end the process). */
  whenExited(): Promise<void> {
    return this.exiting ?? new Promise(() => undefined);
  }

  private async exitWhenIdle(): Promise<void> {
    await this.deps.recorder.whenIdle();
    if (this.drainTimer) clearTimeout(this.drainTimer);
    await this.deps.stopService({ deliveryWait: this.deliveryWait, hurry: this.hurry.signal }).catch((err: unknown) => this.log.error(`stopping the service failed: ${String(err)}`));
    for (const hook of this.beforeExitHooks) await hook().catch((err: unknown) => this.log.error(`before exit: ${String(err)}`));
    this.log.info(`exiting with code ${this.code}`);
    this.deps.exit(this.code ?? 0);
  }
}

/** setTimeout's longest wait; a later instant is reached in several waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * JIBRI_SHUTDOWN_AT: at that instant the recorder asks itself for Jibri's shutdown (sessions stopped and
 * finalized, no new one, exit 255). An instant already past shuts it down at once. The on-demand fleet
 * sets it to a deployment's paid end, so a recorder whose fleet is gone still stops there.
 */
export function scheduleShutdown(atMs: number | undefined, lifecycle: Pick<Lifecycle, 'request'>, log: Logger, now: () => number = Date.now): { cancel(): void } | undefined {
  if (atMs === undefined) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = atMs - now();
    if (wait > 0) {
      timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
      timer.unref();
      return;
    }
    log.info(`JIBRI_SHUTDOWN_AT (${new Date(atMs).toISOString()}) reached: shutting down`, { component: 'lifecycle' });
    lifecycle.request('shutdown');
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
