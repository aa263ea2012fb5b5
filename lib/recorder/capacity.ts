/**
 * The recorder's capacity: the host's load, the free disk, what a session costs (learned apart for
 * audio-only sessions) and the availability gate with its hysteresis. It answers whether one more session
 * would be taken now (admission.ts decides from these inputs) and what health's capacity entry shows.
 * The recorder owns the sessions and slots and hands them in; nothing here starts or stops a session.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config';
import type { OutputRequest } from '../output/output';
import { audioOnlySession } from '../output/outputs';
import { HostLoadMonitor, type LoadSample } from '../system/host-load';
import { admit, autoSlots, AvailabilityGate, CostModel, type AdmissionResult } from './admission';
import type { Session } from './session';
import type { Capacity } from './snapshot';

/**
 * Seconds a session records before its encoder speed and its cost are trusted: the meeting's videos start
 * in the first seconds, and a load sample (every 3 s) taken after this covers none of the join.
 */
const STEADY_AFTER_SEC = 6;

/** Where the recorder reads the host's load; the real monitor by default. */
export interface LoadSource {
  start(): void;
  stop(): void;
  current(): LoadSample;
  onSample(listener: (s: LoadSample) => void): void;
}

/** What admission needs to know of the recorder's slots at the moment it is asked. */
export interface SlotsView {
  /** Free slots that would take a session (not used up in single-use mode). */
  free: number[];
  draining: boolean;
  /** Single-use mode, every slot used. */
  usedUp: boolean;
}

export class RecorderCapacity {
  private readonly cost: CostModel;
  /** Audio-only sessions capture and encode no picture: their cost is learned apart. */
  private readonly audioOnlyCost: CostModel;
  private readonly gate = new AvailabilityGate();
  /** Free bytes in the recordings folder, read with each load sample. */
  private diskFreeBytes: number | undefined;
  readonly load: LoadSource;

  constructor(
    private readonly config: Config,
    /** The sessions running now (the recorder's). */
    private readonly sessions: () => readonly Session[],
    load?: LoadSource,
  ) {
    this.load = load ?? new HostLoadMonitor();
    const { capacity } = config;
    this.cost = new CostModel({ cpuCores: capacity.sessionCpuCores, memoryBytes: capacity.sessionMemoryBytes });
    this.audioOnlyCost = new CostModel({ cpuCores: capacity.audioOnlyCpuCores, memoryBytes: capacity.sessionMemoryBytes });
  }

  /** Starts sampling; `changed` runs after each sample has been learned from. */
  start(changed: () => void): void {
    this.readDiskFree();
    this.load.onSample((sample) => {
      this.learn(sample);
      changed();
    });
    this.load.start();
  }

  stop(): void {
    this.load.stop();
  }

  /** JIBRI_CONCURRENT_SESSIONS=auto: slots sized from the host's first load sample. */
  async autoSlots(): Promise<{ slots: number; sample: LoadSample }> {
    const sample = await new Promise<LoadSample>((resolve) => this.load.onSample(resolve));
    return { slots: autoSlots(sample, this.config.capacity), sample };
  }

  /** Whether one more session would be taken now: the one asked for (in `slot`, with these outputs), or one with a picture. */
  decide(slots: SlotsView, slot?: number, outputs?: readonly OutputRequest[]): AdmissionResult {
    const sessions = this.sessions();
    const speeds = this.steadySpeeds();
    const input = {
      load: this.load.current(),
      cpuTarget: this.config.capacity.cpuTarget,
      running: sessions.length,
      freeSlots: slot === undefined ? slots.free.length : slots.free.includes(slot) ? 1 : 0,
      cost: (outputs ? this.costModelOf(outputs) : this.cost).current,
      runningCpuCores: sessions.reduce((sum, s) => sum + this.costModelOf(s.request.outputs).current.cpuCores, 0),
      ...(speeds.length ? { slowestEncoderSpeed: Math.min(...speeds) } : {}),
      draining: slots.draining,
      expired: slots.usedUp,
      ...(this.diskFreeBytes !== undefined ? { disk: { freeBytes: this.diskFreeBytes, perSessionBytes: this.config.recording.sessionDiskBytes } } : {}),
    };
    return this.gate.decide(admit(input), () => admit({ ...input, withMargin: true }), Date.now());
  }

  /** Health's capacity entry (without the slots, which the recorder counts). */
  report(decision: AdmissionResult, canRecord: boolean): Omit<Capacity, 'slotsTotal' | 'slotsBusy'> {
    const load = this.load.current();
    const speeds = this.steadySpeeds();
    return {
      acceptingNow: decision.accept && canRecord,
      ...(decision.refusal ? { refusal: decision.refusal } : !canRecord ? { refusal: 'unhealthy' } : {}),
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

  /** The cost model of a session's kind: audio only, or with a picture. */
  private costModelOf(outputs: readonly OutputRequest[]): CostModel {
    return audioOnlySession(outputs) ? this.audioOnlyCost : this.cost;
  }

  private steadySessions(): Session[] {
    return this.sessions().filter((s) => s.state.name === 'recording' && (s.summary().recordedSec ?? 0) >= STEADY_AFTER_SEC);
  }

  private steadySpeeds(): number[] {
    return this.steadySessions().map((s) => s.summary().encoderSpeed).filter((v): v is number => v !== undefined);
  }

  private learn(sample: LoadSample): void {
    this.readDiskFree();
    // A sample teaches the model of a kind only while every session running is of that kind.
    const sessions = this.sessions();
    const audioOnly = sessions.filter((s) => audioOnlySession(s.request.outputs)).length;
    const steady = this.steadySessions().length;
    if (audioOnly === 0) this.cost.observe(sample, steady, sessions.length);
    if (audioOnly === sessions.length) this.audioOnlyCost.observe(sample, steady, sessions.length);
  }

  private readDiskFree(): void {
    try {
      // The folder may not exist yet (the health check creates it): its nearest existing parent is the same disk.
      let dir = this.config.recording.dir;
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      const st = fs.statfsSync(dir);
      this.diskFreeBytes = st.bavail * st.bsize;
    } catch {
      // No folder yet: the recordings health check says so.
      this.diskFreeBytes = undefined;
    }
  }
}
