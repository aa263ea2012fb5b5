/**
 * The one owner of sessions and of the recorder's status. Both edges (HTTP and XMPP) call start/stop here
 * and read snapshot(); status goes out only through the 'status' and 'session' events.
 *
 * The recorder has JIBRI_CONCURRENT_SESSIONS slots. Each session takes one and owns its own display,
 * audio sink, browser and encoder, so sessions share nothing but the host. As Jibri, a recorder with
 * nothing running is idle and takes a session whatever the host's load; a further free slot is offered
 * (idle in its brewery presence) only while admission says the host has room for one more session, with
 * hysteresis so that it does not flap. With one slot this is exactly Jibri.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { OutputRequest } from '../output/output';
import { audioOnlySession, outputRefusal, withExtraOutputs } from '../output/outputs';
import { SpareSource, type CaptureSource } from '../pipeline/source';
import { runHealthChecks, type CheckResult } from '../system/health';
import { HostLoadMonitor, type LoadSample } from '../system/host-load';
import type { BusyStatus, Capacity, HealthDetail, HealthStatus, SessionSummary, SlotStatus, StatusSnapshot } from './snapshot';
import { admit, autoSlots, AvailabilityGate, CostModel, type AdmissionResult } from './admission';
import type { StartRequest } from './requests';
import { Session, type SessionDeps } from './session';
import type { SessionState } from './session-machine';

/** Seconds a session records before its encoder speed and its cost are trusted (its start is noisy). */
const STEADY_AFTER_SEC = 10;

/** Where the recorder reads the host's load; the real monitor by default. */
export interface LoadSource {
  start(): void;
  stop(): void;
  current(): LoadSample;
  onSample(listener: (s: LoadSample) => void): void;
}

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
  private checks: Record<string, CheckResult> = {};
  private links: Record<string, CheckResult> = {};
  private lastSession: SessionSummary | undefined;
  /** The sessions that ended last, newest first: on a host of several slots, what happened to each. */
  private readonly recent: SessionSummary[] = [];
  private lastPublished = '';
  private healthTimer: NodeJS.Timeout | undefined;
  private spareTimer: NodeJS.Timeout | undefined;
  private lastRecordingAt = 0;
  private readonly log: Logger;
  private readonly runChecks: () => Promise<Record<string, CheckResult>>;
  private idleWaiters: Array<() => void> = [];
  /** Ended sessions whose files could not be written: their finalize script waits until they can be. */
  private readonly unfinalized = new Map<string, Session>();
  private retryingFinalize: Promise<void> | undefined;
  private readonly spare: SourceProvider;
  private readonly load: LoadSource;
  private readonly cost: CostModel;
  /** Audio-only sessions capture and encode no picture: their cost is learned apart. */
  private readonly audioOnlyCost: CostModel;
  private readonly gate = new AvailabilityGate();
  private readonly reports = new Map<string, () => HealthDetail & Record<string, unknown>>();
  /** Free bytes in the recordings folder, read with each load sample. */
  private diskFreeBytes: number | undefined;

  constructor(private readonly opts: RecorderOptions) {
    super();
    this.log = opts.log.child({ component: 'recorder' });
    this.runChecks = opts.healthChecks ?? (() => runHealthChecks(opts.config));
    const worker = { memoryLimitMb: opts.config.capacity.workerMemoryMb, ffmpegBinary: opts.config.ffmpegPath };
    this.spare = opts.sources ?? new SpareSource({ encoding: opts.config.encoding, browser: opts.config.browser, log: this.log, worker, ...(opts.browserProxyUrl ? { proxyUrl: opts.browserProxyUrl } : {}), ...(opts.browserSandbox ? { sandbox: true } : {}) });
    this.load = opts.load ?? new HostLoadMonitor();
    const { capacity } = opts.config;
    this.cost = new CostModel({ cpuCores: capacity.sessionCpuCores, memoryBytes: capacity.sessionMemoryBytes });
    this.audioOnlyCost = new CostModel({ cpuCores: capacity.audioOnlyCpuCores, memoryBytes: capacity.sessionMemoryBytes });
    if (capacity.slots !== 'auto') this.setSlots(capacity.slots);
  }

  /** Sizes the slots (for `auto`, from the host's first load sample), runs the machine checks once and then every minute. */
  async init(): Promise<void> {
    this.readDiskFree();
    this.load.onSample((sample) => this.onLoadSample(sample));
    this.load.start();
    if (this.opts.config.capacity.slots === 'auto') {
      const sample = await new Promise<LoadSample>((resolve) => this.load.onSample(resolve));
      const n = autoSlots(sample, this.opts.config.capacity);
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
    this.reports.set(name, read);
  }

  get slotCount(): number {
    return this.slots.length;
  }

  async refreshHealth(): Promise<void> {
    const checks = await this.runChecks();
    if (this.unfinalized.size && checks.recordings?.healthStatus === 'HEALTHY') this.retryFinalize();
    const finalize = this.finalizeCheck();
    if (finalize) checks.finalize = finalize;
    for (const [name, r] of Object.entries(checks)) {
      const before = this.checks[name];
      if (before?.healthStatus !== r.healthStatus) {
        const level = r.healthStatus === 'HEALTHY' ? 'info' : 'error';
        this.log.log(level, `health check ${name}: ${r.healthStatus}${r.healthStatus === 'HEALTHY' ? '' : ` (${r.detail})`}`);
      }
    }
    this.checks = checks;
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
    return this.canRecord && Object.values(this.links).every((c) => c.healthStatus === 'HEALTHY') ? 'HEALTHY' : 'UNHEALTHY';
  }

  /**
   * Whether the machine can record: its checks pass. Admission and the brewery presence follow this, not
   * the links: an XMPP server that is down keeps nobody else (another server's Jicofo, the HTTP API) from
   * using the recorder.
   */
  get canRecord(): boolean {
    return Object.values(this.checks).every((c) => c.healthStatus === 'HEALTHY');
  }

  /**
   * The state of one of the recorder's links, kept by its edge (the XMPP edge, per server); undefined
   * removes it. Shown in health with the machine checks.
   */
  setLinkCheck(name: string, result: CheckResult | undefined): void {
    const before = this.links[name];
    if (before?.healthStatus === result?.healthStatus && before?.detail === result?.detail) return;
    if (result) this.links[name] = result;
    else delete this.links[name];
    if (result && before?.healthStatus !== result.healthStatus) {
      this.log.log(result.healthStatus === 'HEALTHY' ? 'info' : 'error', `health check ${name}: ${result.healthStatus}${result.healthStatus === 'HEALTHY' ? '' : ` (${result.detail})`}`);
    }
    this.publish();
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

  /** The cost model of a session's kind: audio only, or with a picture. */
  private costModelOf(outputs: StartRequest['outputs']): CostModel {
    return audioOnlySession(outputs) ? this.audioOnlyCost : this.cost;
  }

  /** Whether one more session would be taken now: the one asked for, or (for presence) one with a picture. */
  private admission(slot?: number, next?: StartRequest): AdmissionResult {
    const free = this.freeSlots();
    const steady = this.steadySessions();
    const speeds = steady.map((s) => s.summary().encoderSpeed).filter((v): v is number => v !== undefined);
    const input = {
      load: this.load.current(),
      cpuTarget: this.opts.config.capacity.cpuTarget,
      running: this.sessions.size,
      freeSlots: slot === undefined ? free.length : free.includes(slot) ? 1 : 0,
      cost: (next ? this.costModelOf(next.outputs) : this.cost).current,
      runningCpuCores: [...this.sessions.values()].reduce((sum, s) => sum + this.costModelOf(s.request.outputs).current.cpuCores, 0),
      ...(speeds.length ? { slowestEncoderSpeed: Math.min(...speeds) } : {}),
      draining: this.draining,
      expired: this.opts.config.lifecycle.singleUse && this.used.every(Boolean),
      ...(this.diskFreeBytes !== undefined ? { disk: { freeBytes: this.diskFreeBytes, perSessionBytes: this.opts.config.recording.sessionDiskBytes } } : {}),
    };
    return this.gate.decide(admit(input), () => admit({ ...input, withMargin: true }), Date.now());
  }

  private steadySessions(): Session[] {
    return [...this.sessions.values()].filter((s) => s.state.name === 'recording' && (s.summary().recordedSec ?? 0) >= STEADY_AFTER_SEC);
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
      const problems = Object.entries(this.checks).filter(([, c]) => c.healthStatus !== 'HEALTHY').map(([n, c]) => `${n}: ${c.detail}`);
      throw new RecorderError({ code: 'UNHEALTHY', scope: 'system', message: `This recorder cannot record now (${problems.join('; ')})`, retryable: true });
    }
    const decision = this.admission(wanted, request);
    if (!decision.accept) {
      const expired = this.opts.config.lifecycle.singleUse && this.used.every(Boolean);
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
    const refusal = outputRefusal(request.outputs, { streamAllowList: this.opts.config.streaming.allowList });
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
    return this.runningSession(sessionId).addOutput(request, { streamAllowList: this.opts.config.streaming.allowList }).id;
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
    this.load.stop();
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
    const decision = this.admission();
    const load = this.load.current();
    const speeds = this.steadySessions().map((s) => s.summary().encoderSpeed).filter((v): v is number => v !== undefined);
    return {
      slotsTotal: this.slots.length,
      slotsBusy: this.slots.filter(Boolean).length,
      acceptingNow: decision.accept && this.canRecord,
      ...(decision.refusal ? { refusal: decision.refusal } : !this.canRecord ? { refusal: 'unhealthy' } : {}),
      cpuHeadroom: decision.cpuHeadroom,
      memoryHeadroomBytes: decision.memoryHeadroomBytes,
      ...(speeds.length ? { encoderSpeed: Math.min(...speeds) } : {}),
      sessionCost: { ...this.cost.current, measured: this.cost.samples > 0 },
      audioOnlySessionCost: { ...this.audioOnlyCost.current, measured: this.audioOnlyCost.samples > 0 },
      hostCores: load.cores,
      hostBusyCores: load.hostBusyCores,
      ...(this.diskFreeBytes !== undefined ? { diskFreeBytes: this.diskFreeBytes } : {}),
    };
  }

  snapshot(): StatusSnapshot {
    const sessions = [...this.sessions.values()].map((s) => s.summary());
    const details: StatusSnapshot['details'] = { ...this.checks, ...this.links };
    const capacity = this.capacity();
    details.capacity = { healthStatus: 'HEALTHY', detail: capacity.acceptingNow ? 'accepting' : `not accepting: ${capacity.refusal ?? ''}`, ...capacity };
    for (const [name, read] of this.reports) details[name] = read();
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

  /**
   * Sessions whose files could not be written are finalized again once the folder takes writes. In the
   * background: a finalize script may run for an hour, and health must not wait for it.
   */
  private retryFinalize(): void {
    if (this.retryingFinalize) return;
    this.retryingFinalize = (async () => {
      for (const [id, session] of [...this.unfinalized]) {
        if (await session.retryFinalize()) continue;
        this.unfinalized.delete(id);
        this.log.info(`the recording of session ${id} is finalized now that its files could be written`);
      }
    })()
      .catch((err: unknown) => void this.log.error(`finalizing again failed: ${String(err)}`))
      .finally(() => {
        this.retryingFinalize = undefined;
        this.updateFinalizeCheck();
      });
  }

  private updateFinalizeCheck(): void {
    const { finalize: _old, ...rest } = this.checks;
    const finalize = this.finalizeCheck();
    this.checks = finalize ? { ...rest, finalize } : rest;
    this.publish();
  }

  /** The health entry that says why recordings wait for their finalize script, while any does. */
  private finalizeCheck(): CheckResult | undefined {
    const waiting = [...this.unfinalized.values()];
    const first = waiting[0]?.unfinalizedError;
    if (!first) return undefined;
    return {
      healthStatus: 'UNHEALTHY',
      detail:
        `${waiting.length} recording(s) could not be finalized (${first.code === 'DISK_FULL' ? 'the disk is full' : 'metadata.json could not be written'}), ` +
        'so their finalize script has not run: free space in JIBRI_RECORDING_DIR (or fix its permissions); they are finalized again once it takes writes',
    };
  }

  private onSessionDone(session: Session, slot: number): void {
    if (session.unfinalizedError) {
      this.unfinalized.set(session.id, session);
      this.updateFinalizeCheck();
    }
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

  private readDiskFree(): void {
    try {
      // The folder may not exist yet (the health check creates it): its nearest existing parent is the same disk.
      let dir = this.opts.config.recording.dir;
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      const st = fs.statfsSync(dir);
      this.diskFreeBytes = st.bavail * st.bsize;
    } catch {
      // No folder yet: the recordings health check says so.
      this.diskFreeBytes = undefined;
    }
  }

  private onLoadSample(sample: LoadSample): void {
    this.readDiskFree();
    // A sample teaches the model of a kind only while every session running is of that kind.
    const sessions = [...this.sessions.values()];
    const audioOnly = sessions.filter((s) => audioOnlySession(s.request.outputs)).length;
    const steady = this.steadySessions().length;
    if (audioOnly === 0) this.cost.observe(sample, steady, sessions.length);
    if (audioOnly === sessions.length) this.audioOnlyCost.observe(sample, steady, sessions.length);
    this.publish();
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
