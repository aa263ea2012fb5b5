/**
 * The one owner of sessions and of the recorder's busy and health status. Both edges (HTTP and XMPP)
 * call start/stop here and read snapshot(); status goes out only through the 'status' and 'session'
 * events. This issue runs one session at a time (a Jibri); sessions are independent objects so that
 * several slots can run side by side later without changing the edges.
 */
import { EventEmitter } from 'node:events';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import { checkStreamUrl, isAllowed } from '../output/stream-target';
import { SpareSource } from '../pipeline/source';
import { runHealthChecks, type CheckResult } from '../system/health';
import type { BusyStatus, HealthStatus, SessionSummary, StatusSnapshot } from '../status/snapshot';
import type { StartRequest } from './requests';
import { Session } from './session';
import type { SessionState } from './session-machine';

export interface RecorderOptions {
  config: Config;
  log: Logger;
  /** Replaces the machine checks (unit specs); the real ones run by default. */
  healthChecks?: () => Promise<Record<string, CheckResult>>;
  healthIntervalMs?: number;
}

export interface SessionChange {
  session: SessionSummary;
  state: SessionState;
  previous: SessionState;
}

export class Recorder extends EventEmitter {
  private readonly sessions = new Map<string, Session>();
  private checks: Record<string, CheckResult> = {};
  private lastSession: SessionSummary | undefined;
  private lastPublished = '';
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly runChecks: () => Promise<Record<string, CheckResult>>;
  private idleWaiters: Array<() => void> = [];
  private readonly spare: SpareSource;

  constructor(private readonly opts: RecorderOptions) {
    super();
    this.log = opts.log.child({ component: 'recorder' });
    this.runChecks = opts.healthChecks ?? (() => runHealthChecks(opts.config));
    this.spare = new SpareSource({ encoding: opts.config.encoding, browser: opts.config.browser, log: this.log });
  }

  /** Runs the machine checks once and then every minute. */
  async init(): Promise<void> {
    await this.refreshHealth();
    this.healthTimer = setInterval(() => void this.refreshHealth(), this.opts.healthIntervalMs ?? 60000);
    this.healthTimer.unref();
  }

  async refreshHealth(): Promise<void> {
    const checks = await this.runChecks();
    for (const [name, r] of Object.entries(checks)) {
      const before = this.checks[name];
      if (before?.healthStatus !== r.healthStatus) {
        const level = r.healthStatus === 'HEALTHY' ? 'info' : 'error';
        this.log.log(level, `health check ${name}: ${r.healthStatus}${r.healthStatus === 'HEALTHY' ? '' : ` (${r.detail})`}`);
      }
    }
    this.checks = checks;
    this.publish();
    if (this.healthStatus === 'HEALTHY' && this.sessions.size === 0) this.spare.prepare();
  }

  get busyStatus(): BusyStatus {
    return this.sessions.size > 0 ? 'BUSY' : 'IDLE';
  }

  get healthStatus(): HealthStatus {
    return Object.values(this.checks).every((c) => c.healthStatus === 'HEALTHY') ? 'HEALTHY' : 'UNHEALTHY';
  }

  /**
   * Admits and starts a session, or throws a RecorderError (BUSY, UNHEALTHY) and changes nothing.
   * Returns as soon as the session is admitted: the pipeline starts in the background.
   */
  start(request: StartRequest): Session {
    this.checkSink(request);
    if (this.sessions.size > 0) {
      throw new RecorderError({ code: 'BUSY', message: 'Jibri is currently busy', retryable: true });
    }
    if (this.healthStatus !== 'HEALTHY') {
      const problems = Object.entries(this.checks).filter(([, c]) => c.healthStatus !== 'HEALTHY').map(([n, c]) => `${n}: ${c.detail}`);
      throw new RecorderError({ code: 'UNHEALTHY', scope: 'system', message: `This recorder cannot record now (${problems.join('; ')})`, retryable: true });
    }
    const session = new Session(request, { config: this.opts.config, log: this.opts.log, source: () => this.spare.take() });
    this.sessions.set(session.id, session);
    session.on('state', (state: SessionState, previous: SessionState) => this.onSessionState(session, state, previous));
    this.publish();
    // Health is checked again before the slot frees, so it never shows idle when the next start would fail.
    void session
      .run()
      .then(() => this.refreshHealth())
      .catch((err: unknown) => this.log.error(`health check after a session failed: ${String(err)}`))
      .then(() => this.onSessionDone(session));
    return session;
  }

  /**
   * A stream URL that is malformed or outside the allow-list is refused before anything starts, with
   * should_retry=false: no other recorder would take it either. The URL is never quoted (it holds the key).
   */
  private checkSink(request: StartRequest): void {
    const { sink } = request;
    if (sink.type !== 'stream') return;
    const checked = checkStreamUrl(sink.rtmpUrl);
    if (!checked.ok) throw new RecorderError({ code: 'BAD_STREAM_URL', message: `The stream URL ${checked.message}`, retryable: false });
    if (!isAllowed(sink.rtmpUrl, this.opts.config.streaming.allowList)) {
      throw new RecorderError({
        code: 'STREAM_NOT_ALLOWED',
        message: 'The stream URL is not allowed on this recorder',
        hint: 'It must fully match one of the patterns in JIBRI_STREAMING_RTMP_ALLOW_LIST',
        retryable: false,
      });
    }
  }

  /**
   * Stops one session, or all when no id is given. Unknown ids are a no-op, as in Jibri. Resolves once
   * the media files are closed on disk; finalizing continues in the background.
   */
  async stop(sessionId?: string): Promise<void> {
    const targets = [...this.sessions.values()].filter((s) => sessionId === undefined || s.id === sessionId);
    if (!targets.length) this.log.info(`no session${sessionId ? ` ${sessionId}` : ''} to stop`);
    await Promise.all(targets.map((s) => s.requestStop()));
  }

  /** Resolves when no session is running or finalizing. */
  whenIdle(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops everything and waits for finalization; for process shutdown. */
  async shutdown(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.sessions.size) await this.stop();
    await this.whenIdle();
    await this.spare.close();
  }

  getSession(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  snapshot(): StatusSnapshot {
    const sessions = [...this.sessions.values()].map((s) => s.summary());
    const details: StatusSnapshot['details'] = { ...this.checks };
    for (const s of sessions) {
      details[`session:${s.sessionId}`] = { healthStatus: 'HEALTHY', detail: s.error ? `${s.state}: ${s.error.message}` : s.state, ...s };
    }
    if (this.lastSession && !this.sessions.has(this.lastSession.sessionId)) {
      const s = this.lastSession;
      details.lastSession = { healthStatus: 'HEALTHY', detail: s.error ? `${s.state}: ${s.error.message}${s.error.hint ? `. ${s.error.hint}` : ''}` : s.state, ...s };
    }
    return {
      busyStatus: this.busyStatus,
      healthStatus: this.healthStatus,
      details,
      sessions,
      ...(this.lastSession ? { lastSession: this.lastSession } : {}),
    };
  }

  private onSessionState(session: Session, state: SessionState, previous: SessionState): void {
    const change: SessionChange = { session: session.summary(), state, previous };
    this.emit('session', change);
    if (state.error && !previous.error && state.error.scope === 'system') void this.refreshHealth();
  }

  private onSessionDone(session: Session): void {
    this.lastSession = session.summary();
    this.sessions.delete(session.id);
    this.publish();
    if (this.healthStatus === 'HEALTHY') this.spare.prepare();
    if (this.sessions.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Emits 'status' only when busy or health really changed, as Jibri's status manager does. */
  private publish(): void {
    const key = `${this.busyStatus}/${this.healthStatus}`;
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    this.log.info(`recorder is ${this.busyStatus} and ${this.healthStatus}`);
    this.emit('status', this.snapshot());
  }
}
