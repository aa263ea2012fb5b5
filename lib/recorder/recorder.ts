/**
 * The one owner of sessions and slots, and of the recorder's status. Both edges (HTTP and XMPP) call
 * start/stop here and read snapshot(); status goes out only through the 'status' and 'session' events.
 * What the host can take is capacity.ts's to say, and whether it is healthy health.ts's.
 *
 * The recorder has JIBRI_CONCURRENT_SESSIONS slots. Each session takes one and owns its own display,
 * audio sink, browser and encoder, so sessions share nothing but the host. As Jibri, a recorder with
 * nothing running is idle and takes a session whatever the host's load; a further free slot is offered
 * (idle in its brewery presence) only while admission says the host has room for one more session, with
 * hysteresis so that it does not flap. With one slot this is exactly Jibri.
 */
import { EventEmitter } from 'node:events';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { OutputRequest } from '../output/output';
import { outputRefusal, withExtraOutputs } from '../output/outputs';
import { SpareSource, type CaptureSource } from '../pipeline/source';
import type { CheckResult } from '../system/health';
import type { AdmissionResult } from './admission';
import { RecorderCapacity, type LoadSource, type SlotsView } from './capacity';
import { RecorderHealth } from './health';
import type { BusyStatus, Capacity, HealthDetail, HealthStatus, SessionSummary, SlotStatus, StatusSnapshot } from './snapshot';
import type { StartRequest } from './requests';
import { Session, type SessionDeps } from './session';
import type { SessionState } from './session-machine';

export type { LoadSource } from './capacity';

export interface RecorderOptions {
  config: Config;
  log: Logger;
  /** Replaces the machine checks (unit specs); the real ones run by default. */
  healthChecks?: () => Promise<Record<string, CheckResult>>;
  healthIntervalMs?: number;
  load?: LoadSource;
  /** Where sessions get their capture source; a warm SpareSource (Xvfb, PulseAudio, Chromium) by default. */
  sources?: SourceProvider;
  /** The browsers' filtering proxy (JIBRI_BROWSER_PUBLIC_ONLY), started by the wiring. */
  browserProxyUrl?: string;
  /** Chromium runs its sandbox (decided by the wiring). */
  browserSandbox?: boolean;
  /** The sessions' pipeline factory and finalizer; the real ones by default (unit specs pass fakes). */
  sessions?: Pick<SessionDeps, 'pipeline' | 'finalize'>;
}

/** Hands out capture sources, keeping one ready while the recorder is idle. */
export interface SourceProvider {
  prepare(): void;
  take(): Promise<CaptureSource>;
  close(): Promise<void>;
}

/** How many ended sessions health lists (recentSessions). */
const RECENT_SESSIONS = 10;
/** How long after a session starts recording the next session's browser may be launched. */
const SPARE_AFTER_START_MS = 3000;

export interface SessionChange {
  session: SessionSummary;
  state: SessionState;
  previous: SessionState;
}

export interface StartOptions {
  /** The slot the request arrived for (an XMPP occupant); any free slot when absent (HTTP). */
  slot?: number;
}

export interface RecorderEvents {
  /** Busy, health or a slot's presence changed: the whole status, as health shows it. */
  status: [snapshot: StatusSnapshot];
  /** A session changed state. */
  session: [change: SessionChange];
  /** A start was refused by admission (busy, expired). */
  refused: [error: RecorderError];
}

export class Recorder extends EventEmitter<RecorderEvents> {
  private readonly sessions = new Map<string, Session>();
  /** slots[i] holds the session of slot i + 1. */
  private slots: Array<Session | undefined> = [];
  /** Single-use mode: slots whose session has ended never open again. */
  private used: boolean[] = [];
  private draining = false;
  private lastSession: SessionSummary | undefined;
  /** The sessions that ended last, newest first: on a host of several slots, what happened to each. */
  private readonly recent: SessionSummary[] = [];
  private lastPublished = '';
  private healthTimer: NodeJS.Timeout | undefined;
  private spareTimer: NodeJS.Timeout | undefined;
  private lastRecordingAt = 0;
  private readonly log: Logger;
  private idleWaiters: Array<() => void> = [];
  private readonly spare: SourceProvider;
  private readonly capacityOf: RecorderCapacity;
  private readonly health: RecorderHealth;

  constructor(private readonly opts: RecorderOptions) {
    super();
    this.log = opts.log.child({ component: 'recorder' });
    this.health = new RecorderHealth({ config: opts.config, log: this.log, ...(opts.healthChecks ? { healthChecks: opts.healthChecks } : {}), changed: () => this.publish() });
    this.capacityOf = new RecorderCapacity(opts.config, () => [...this.sessions.values()], opts.load);
    const worker = { memoryLimitMb: opts.config.capacity.workerMemoryMb, ffmpegBinary: opts.config.ffmpegPath };
    this.spare = opts.sources ?? new SpareSource({ encoding: opts.config.encoding, browser: opts.config.browser, log: this.log, worker, ...(opts.browserProxyUrl ? { proxyUrl: opts.browserProxyUrl } : {}), ...(opts.browserSandbox ? { sandbox: true } : {}) });
    if (opts.config.capacity.slots !== 'auto') this.setSlots(opts.config.capacity.slots);
  }

  /** Sizes the slots (for `auto`, from the host's first load sample), runs the machine checks once and then every minute. */
  async init(): Promise<void> {
    this.capacityOf.start(() => this.publish());
    if (this.opts.config.capacity.slots === 'auto') {
      const { slots: n, sample } = await this.capacityOf.autoSlots();
      this.setSlots(n);
      this.log.info(`JIBRI_CONCURRENT_SESSIONS=auto: ${n} slot(s) for ${sample.cores} cores and ${Math.round(sample.memAvailableBytes / 2 ** 20)} MB available`);
    }
    await this.refreshHealth();
    this.healthTimer = setInterval(() => void this.refreshHealth(), this.opts.healthIntervalMs ?? 60000);
    this.healthTimer.unref();
  }

  private setSlots(n: number): void {
    this.slots = new Array<Session | undefined>(n).fill(undefined);
    this.used = new Array<boolean>(n).fill(false);
  }

  /**
   * A part beside the recorder (uploads) shows its own entry in health details. It informs, it does not
   * change the recorder's health: a store that is down must not stop recordings, which are kept locally.
   */
  addReport(name: string, read: () => HealthDetail & Record<string, unknown>): void {
    this.health.addReport(name, read);
  }

  get slotCount(): number {
    return this.slots.length;
  }

  async refreshHealth(): Promise<void> {
    await this.health.refresh();
    this.publish();
    this.prepareSpare();
  }

  /**
   * Jibri's busy status: IDLE while a session would be taken, BUSY while none would. A draining recorder
   * is BUSY only while something still runs: an idle drain never shows BUSY (Jibri's
   * wait_graceful_shutdown.sh waits while it does).
   */
  get busyStatus(): BusyStatus {
    if (this.expired) return 'EXPIRED';
    if (this.draining) return this.sessions.size ? 'BUSY' : 'IDLE';
    return this.admission().accept ? 'IDLE' : 'BUSY';
  }

  /** What health reports: the machine checks and the links (an XMPP server out of reach for too long). */
  get healthStatus(): HealthStatus {
    return this.health.status;
  }

  /**
   * Whether the machine can record: its checks pass. Admission and the brewery presence follow this, not
   * the links: an XMPP server that is down keeps nobody else (another server's Jicofo, the HTTP API) from
   * using the recorder.
   */
  get canRecord(): boolean {
    return this.health.canRecord;
  }

  /**
   * The state of one of the recorder's links, kept by its edge (the XMPP edge, per server); undefined
   * removes it. Shown in health with the machine checks.
   */
  setLinkCheck(name: string, result: CheckResult | undefined): void {
    if (this.health.setLink(name, result)) this.publish();
  }

  /** Single-use mode, once every slot has had its session and none is running. */
  private get expired(): boolean {
    return this.opts.config.lifecycle.singleUse && this.used.length > 0 && this.used.every(Boolean) && this.sessions.size === 0;
  }

  private freeSlots(): number[] {
    const free: number[] = [];
    this.slots.forEach((s, i) => {
      if (!s && !this.used[i]) free.push(i + 1);
    });
    return free;
  }

  /** Whether one more session would be taken now: the one asked for, or (for presence) one with a picture. */
  private admission(slot?: number, next?: StartRequest): AdmissionResult {
    const view: SlotsView = { free: this.freeSlots(), draining: this.draining, usedUp: this.usedUp };
    return this.capacityOf.decide(view, slot, next?.outputs);
  }

  /** Single-use mode, every slot used (sessions may still run). */
  private get usedUp(): boolean {
    return this.opts.config.lifecycle.singleUse && this.used.every(Boolean);
  }

  /**
   * Admits and starts a session, or throws a RecorderError (BUSY, EXPIRED, UNHEALTHY, SESSION_EXISTS...)
   * and changes nothing. Returns as soon as the session is admitted: the pipeline starts in the background.
   */
  start(asked: StartRequest, options: StartOptions = {}): Session {
    // The operator's JIBRI_EXTRA_OUTPUTS go with every session, whichever edge started it.
    const request = { ...asked, outputs: withExtraOutputs(asked.outputs, this.opts.config.extraOutputs) };
    this.checkOutputs(request);
    if (this.sessions.has(request.sessionId)) {
      throw new RecorderError({ code: 'SESSION_EXISTS', message: `A session with the id ${request.sessionId} is already running`, retryable: false });
    }
    const { slot: wanted } = options;
    if (wanted !== undefined && (wanted < 1 || wanted > this.slots.length)) {
      throw new RecorderError({ code: 'BUSY', message: `There is no slot ${wanted}`, retryable: true });
    }
    if (!this.canRecord) {
      const problems = this.health.problems();
      throw new RecorderError({ code: 'UNHEALTHY', scope: 'system', message: `This recorder cannot record now (${problems.join('; ')})`, retryable: true });
    }
    const decision = this.admission(wanted, request);
    if (!decision.accept) {
      const expired = this.usedUp;
      // Jibri's own wording for a busy recorder, then why: clients match on the former.
      const refusal = new RecorderError({ code: expired ? 'EXPIRED' : 'BUSY', message: `Jibri is currently busy: ${decision.refusal ?? 'no free slot'}`, retryable: true });
      this.emit('refused', refusal);
      throw refusal;
    }
    const slot = wanted ?? this.freeSlots()[0]!;
    const session = new Session(request, { ...this.opts.sessions, config: this.opts.config, log: this.opts.log, source: () => this.spare.take(), slot });
    this.sessions.set(session.id, session);
    this.slots[slot - 1] = session;
    session.on('state', (state, previous) => this.onSessionState(session, state, previous));
    this.publish();
    // Health is checked again before the slot frees, so it never shows idle when the next start would fail.
    void session
      .run()
      .then(() => this.refreshHealth())
      .catch((err: unknown) => this.log.error(`health check after a session failed: ${String(err)}`))
      .then(() => this.onSessionDone(session, slot));
    return session;
  }

  /**
   * A request no recorder could serve (a malformed stream URL, one outside the allow-list) is refused
   * before anything starts, with should_retry=false.
   */
  private checkOutputs(request: StartRequest): void {
    const refusal = outputRefusal(request.outputs, this.opts.config);
    if (refusal) throw refusal;
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

  /**
   * Adds an output to a recording session (an RTMP destination), under the same rules as at the start;
   * answers its id. Throws a RecorderError (SESSION_NOT_FOUND, OUTPUT_CHANGE_REFUSED, BAD_STREAM_URL...).
   */
  addOutput(sessionId: string, request: OutputRequest): string {
    return this.runningSession(sessionId).addOutput(request).id;
  }

  /** Removes one output of a recording session; the others go on. */
  async removeOutput(sessionId: string, outputId: string): Promise<void> {
    await this.runningSession(sessionId).removeOutput(outputId);
  }

  private runningSession(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw new RecorderError({ code: 'SESSION_NOT_FOUND', message: `No session ${sessionId} is running`, retryable: false });
    return session;
  }

  /** The session holding a slot, if any. */
  sessionInSlot(slot: number): Session | undefined {
    return this.slots[slot - 1];
  }

  /** Takes no new session from now on; running ones go on until they end. Shown as busy everywhere. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.log.info(`draining: no new sessions${this.sessions.size ? `; waiting for ${this.sessions.size} running` : ''}`);
    this.publish();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Resolves when no session is running or finalizing. */
  whenIdle(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops everything and waits for finalization; for process shutdown. */
  async shutdown(): Promise<void> {
    this.draining = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.spareTimer) clearTimeout(this.spareTimer);
    this.capacityOf.stop();
    if (this.sessions.size) await this.stop();
    await this.whenIdle();
    await this.spare.close();
  }

  getSession(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * What each slot's brewery presence says. A free slot of a draining recorder shows busy while sessions
   * still run (Jicofo stops picking it); in an idle drain nothing changes until the recorder leaves the
   * brewery, a moment later.
   */
  slotStatus(slot: number): SlotStatus {
    const session = this.slots[slot - 1];
    if (session) return { slot, busy: true, sessionId: session.id };
    if (this.used[slot - 1]) return { slot, busy: true };
    if (this.draining) return { slot, busy: this.sessions.size > 0 };
    return { slot, busy: !this.admission(slot).accept };
  }

  capacity(): Capacity {
    return { slotsTotal: this.slots.length, slotsBusy: this.slots.filter(Boolean).length, ...this.capacityOf.report(this.admission(), this.canRecord) };
  }

  snapshot(): StatusSnapshot {
    const sessions = [...this.sessions.values()].map((s) => s.summary());
    const details = this.health.details();
    const capacity = this.capacity();
    details.capacity = { healthStatus: 'HEALTHY', detail: capacity.acceptingNow ? 'accepting' : `not accepting: ${capacity.refusal ?? ''}`, ...capacity };
    for (const s of sessions) {
      details[`session:${s.sessionId}`] = { healthStatus: 'HEALTHY', detail: s.error ? `${s.state}: ${s.error.message}` : s.state, ...s };
    }
    if (this.recent.length) {
      const outcome = (s: SessionSummary): string => `${s.sessionId} ${s.state}${s.error ? ` (${s.error.code}: ${s.error.message})` : ''}`;
      details.recentSessions = { healthStatus: 'HEALTHY', detail: this.recent.map(outcome).join('; '), sessions: this.recent };
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
      capacity,
      slots: this.slots.map((_, i) => this.slotStatus(i + 1)),
      ...(this.lastSession ? { lastSession: this.lastSession } : {}),
    };
  }

  private onSessionState(session: Session, state: SessionState, previous: SessionState): void {
    const change: SessionChange = { session: session.summary(), state, previous };
    this.emit('session', change);
    if (state.error && !previous.error && state.error.scope === 'system') void this.refreshHealth();
    if (state.name === 'recording') {
      this.lastRecordingAt = Date.now();
      this.prepareSpare();
    }
  }

  private onSessionDone(session: Session, slot: number): void {
    this.health.keepUnfinalized(session);
    this.lastSession = session.summary();
    this.recent.unshift(this.lastSession);
    this.recent.splice(RECENT_SESSIONS);
    this.sessions.delete(session.id);
    if (this.slots[slot - 1] === session) this.slots[slot - 1] = undefined;
    if (this.opts.config.lifecycle.singleUse) this.used[slot - 1] = true;
    this.publish();
    this.prepareSpare();
    if (this.sessions.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * A warm source only when the next start could use it: healthy, accepting, and nothing still starting.
   * Not in the first seconds of a recording either: launching a browser takes a core for about a second,
   * and the new session's own picture (its first frames, the first placing of its sound) must not wait
   * for that CPU.
   */
  private prepareSpare(): void {
    if (!this.canRecord || this.draining || !this.admission().accept) return;
    if ([...this.sessions.values()].some((s) => s.state.name === 'starting')) return;
    const wait = this.lastRecordingAt + SPARE_AFTER_START_MS - Date.now();
    if (wait > 0) {
      this.spareTimer ??= setTimeout(() => {
        this.spareTimer = undefined;
        this.prepareSpare();
      }, wait).unref();
      return;
    }
    this.spare.prepare();
  }

  /** Emits 'status' only when busy, health or a slot's presence really changed, as Jibri's status manager does. */
  private publish(): void {
    const slots = this.slots.map((_, i) => (this.slotStatus(i + 1).busy ? 'B' : 'I')).join('');
    const key = `${this.busyStatus}/${this.healthStatus}/${slots}`;
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    const refusal = this.sessions.size < this.slots.length ? this.admission().refusal : undefined;
    this.log.info(`recorder is ${this.busyStatus} and ${this.healthStatus}${this.slots.length > 1 ? `; slots ${slots}` : ''}${refusal && this.busyStatus !== 'IDLE' ? ` (${refusal})` : ''}`);
    this.emit('status', this.snapshot());
  }
}
