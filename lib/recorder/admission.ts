/**
 * Whether this host takes one more session, and what a session costs here. Pure: the recorder feeds it
 * the load monitor's samples and its own counts, so the rules are tested without a loaded machine.
 *
 * As Jibri, a recorder with a free slot and nothing running takes the session, whatever the host's
 * load: a Jibri is one recording per host, and it never refuses its first. Only a second and later
 * session is planned: load that is not ours (the host's busy CPU minus this service's tree) plus what
 * our running sessions cost plus one more must fit under JIBRI_CPU_TARGET of the host. Running sessions
 * count at their learned cost rather than their current use, so that a session that is just launching
 * Chromium (a CPU spike) or is briefly quiet does not open or close the host. Once load closed the host
 * to further sessions, it opens again only with a margin and after a while (AvailabilityGate), so that
 * what slots show does not flap.
 */
import type { CapacityConfig } from '../config';
import type { LoadSample } from '../system/host-load';

/** Memory kept free beyond one session's estimate: the kernel, caches and finalize scripts need room too. */
export const MEMORY_RESERVE_BYTES = 256 * 1024 * 1024;
/** An encoder below this speed (1 = real time) is falling behind; its host takes no new session. */
export const SLOW_ENCODER_SPEED = 0.95;
/** Once closed by load, the host opens again only with this share of one session's cost to spare... */
export const REOPEN_MARGIN = 0.5;
/** ...and an encoder this much above the slow mark... */
export const REOPEN_ENCODER_MARGIN = 0.03;
/** ...continuously for this long. */
export const REOPEN_AFTER_MS = 20000;

export interface AdmissionInput {
  load: LoadSample;
  cpuTarget: number;
  /** Sessions holding a slot now (starting, recording, stopping or finalizing). */
  running: number;
  freeSlots: number;
  /** What one more session costs (an audio-only one costs less than one with a picture). */
  cost: SessionCost;
  /** CPU the running sessions are planned at, each at its own kind's cost; default running × cost. */
  runningCpuCores?: number;
  /** The slowest encoder among sessions that have recorded long enough for their speed to mean something. */
  slowestEncoderSpeed?: number;
  draining: boolean;
  expired: boolean;
  /** Ask with the margins a closed host needs to open again (AvailabilityGate). */
  withMargin?: boolean;
  /**
   * Free space where recordings go, and what one session may still write there: while sessions run, they
   * and the new one must fit, so that a full disk stops new sessions before it breaks a running one.
   */
  disk?: { freeBytes: number; perSessionBytes: number };
}

export interface AdmissionResult {
  accept: boolean;
  refusal?: string;
  /** The refusal is about load (CPU, memory, a slow encoder): what the AvailabilityGate smooths. */
  forLoad?: boolean;
  /** Taken as the first session, which no load refuses. */
  first?: boolean;
  /** Share of the host's CPU that is free now (0..1). */
  cpuHeadroom: number;
  memoryHeadroomBytes: number;
}

export function admit(i: AdmissionInput): AdmissionResult {
  const { load } = i;
  const cpuHeadroom = clamp01((load.cores - load.hostBusyCores) / load.cores);
  const memoryHeadroomBytes = Math.max(0, load.memAvailableBytes - MEMORY_RESERVE_BYTES);
  const result = (refusal?: string, forLoad = false, first = false): AdmissionResult => ({
    accept: !refusal,
    ...(refusal ? { refusal } : {}),
    ...(forLoad ? { forLoad } : {}),
    ...(first ? { first } : {}),
    cpuHeadroom,
    memoryHeadroomBytes,
  });

  if (i.expired) return result('single-use mode: this recorder has been used');
  if (i.draining) return result('shutting down: running sessions are finishing');
  if (i.freeSlots <= 0) return result('every slot is busy');
  // The first session is always taken, as Jibri takes its only one.
  if (i.running === 0) return result(undefined, false, true);
  // Room on disk for every running session and the new one: a further session must not be what fills the
  // disk under a running one. (A first session needs only the recordings health check's minimum.)
  if (i.disk && i.disk.perSessionBytes > 0 && i.disk.freeBytes < (i.running + 1) * i.disk.perSessionBytes) {
    return result(
      `not enough disk for one more session (${mb(i.disk.freeBytes)} MB free for recordings, ${i.running + 1} x ${mb(i.disk.perSessionBytes)} MB needed: free space, let uploads finish, or lower JIBRI_SESSION_DISK_ESTIMATE)`,
    );
  }
  const encoderFloor = SLOW_ENCODER_SPEED + (i.withMargin ? REOPEN_ENCODER_MARGIN : 0);
  if (i.slowestEncoderSpeed !== undefined && i.slowestEncoderSpeed < encoderFloor) {
    return result(`an encoder is not keeping real time (speed ${i.slowestEncoderSpeed.toFixed(2)}x)`, true);
  }
  const background = Math.max(0, load.hostBusyCores - load.serviceCores);
  const margin = i.withMargin ? REOPEN_MARGIN : 0;
  const running = i.runningCpuCores ?? i.running * i.cost.cpuCores;
  const planned = background + running + (1 + margin) * i.cost.cpuCores;
  const budget = load.cores * i.cpuTarget;
  if (planned > budget) {
    return result(`not enough CPU for one more session (${fmt(background)} cores of other load + ${fmt(running)} for ${i.running} running + ${fmt(i.cost.cpuCores)}${margin ? ' + a margin' : ''} > ${fmt(budget)} of ${load.cores})`, true);
  }
  if (memoryHeadroomBytes < i.cost.memoryBytes * (1 + margin)) {
    return result(`not enough memory for one more session (${mb(memoryHeadroomBytes)} MB free, one session takes ${mb(i.cost.memoryBytes)} MB${margin ? ' + a margin' : ''})`, true);
  }
  return result();
}

/**
 * Hysteresis for load refusals: the host closes to further sessions as soon as load refuses one, and
 * opens again only once admission with margins (REOPEN_*) has accepted continuously for REOPEN_AFTER_MS.
 * Pure apart from the time it is given.
 */
export class AvailabilityGate {
  private closedSince: number | undefined;
  private okSince: number | undefined;
  private lastRefusal = '';

  constructor(private readonly reopenAfterMs = REOPEN_AFTER_MS) {}

  get isClosed(): boolean {
    return this.closedSince !== undefined;
  }

  /**
   * @param plain admission as asked now
   * @param withMargin admission with the margins a closed host needs
   * @returns the decision to act on
   */
  decide(plain: AdmissionResult, withMargin: () => AdmissionResult, now: number): AdmissionResult {
    if ((!plain.accept && !plain.forLoad) || plain.first) return plain;
    if (this.closedSince === undefined) {
      if (plain.accept) return plain;
      this.closedSince = now;
      this.okSince = undefined;
      this.lastRefusal = plain.refusal ?? '';
      return plain;
    }
    const margined = withMargin();
    if (!margined.accept) {
      this.okSince = undefined;
      if (margined.refusal) this.lastRefusal = margined.refusal;
      return margined.forLoad ? margined : plain;
    }
    this.okSince ??= now;
    if (now - this.okSince >= this.reopenAfterMs) {
      this.closedSince = undefined;
      this.okSince = undefined;
      return plain;
    }
    const waitSec = Math.ceil((this.reopenAfterMs - (now - this.okSince)) / 1000);
    return { ...plain, accept: false, forLoad: true, refusal: `${this.lastRefusal}; load is lower now, open again in ${waitSec} s if it stays so` };
  }
}

/** How many slots `JIBRI_CONCURRENT_SESSIONS=auto` gives this host, from its size and current load. */
export function autoSlots(load: LoadSample, capacity: Pick<CapacityConfig, 'cpuTarget' | 'sessionCpuCores' | 'sessionMemoryBytes'>): number {
  const background = Math.max(0, load.hostBusyCores - load.serviceCores);
  const byCpu = Math.floor((load.cores * capacity.cpuTarget - background) / capacity.sessionCpuCores);
  const byMemory = Math.floor(Math.max(0, load.memAvailableBytes - MEMORY_RESERVE_BYTES) / capacity.sessionMemoryBytes);
  return Math.max(1, Math.min(64, byCpu, byMemory));
}

export interface SessionCost {
  cpuCores: number;
  memoryBytes: number;
}

/** Share of each new measurement in the running estimate, once it has ten: about the last twenty matter. */
const LEARNING_RATE = 0.1;

/**
 * A running estimate that trusts the first measurement whole: the mean of the first samples, then an
 * exponentially weighted mean. A configured guess is replaced by the first measurement of this host
 * rather than nudged towards it, so admission knows a session's real cost seconds after it is steady.
 */
class Estimate {
  private n = 0;

  constructor(private value: number) {}

  get current(): number {
    return this.value;
  }

  add(sample: number): void {
    this.n++;
    this.value += Math.max(LEARNING_RATE, 1 / this.n) * (sample - this.value);
  }
}

/** Idle samples kept: the least of them is the idle use... */
const IDLE_WINDOW = 10;
/** ...once there are this many (9 s of idle); before that nothing is subtracted. */
const IDLE_MIN_SAMPLES = 3;

/**
 * Learns what one session costs on this host from the service's own tree: its use while sessions record,
 * minus its use while idle (the warm spare browser), divided by the sessions. Starts from the configured
 * estimate and never trusts a measurement taken while a session was still starting. The idle use is the
 * least of the last idle samples, and only once there are a few: an idle service is launching its spare
 * browser in some of them (more than half a core for a second or two), and that spike taken as the
 * baseline would make every session look that much cheaper. Until then nothing is subtracted, which
 * overstates a session by the spare's few hundredths of a core rather than understating it.
 */
export class CostModel {
  private readonly idleCpuSamples: number[] = [];
  private idleRss: Estimate | undefined;
  private readonly cpu: Estimate;
  private readonly rss: Estimate;
  private measured = 0;

  constructor(initial: SessionCost) {
    this.cpu = new Estimate(initial.cpuCores);
    this.rss = new Estimate(initial.memoryBytes);
  }

  get current(): SessionCost {
    return { cpuCores: this.cpu.current, memoryBytes: this.rss.current };
  }

  /** How many samples the estimate has learned from (0: still the configured one). */
  get samples(): number {
    return this.measured;
  }

  /**
   * @param steady sessions that have been recording long enough to be past their start
   * @param total every session holding a slot; a sample is used only when all of them are steady
   */
  observe(sample: LoadSample, steady: number, total: number): void {
    if (total === 0) {
      this.idleCpuSamples.push(sample.serviceCores);
      if (this.idleCpuSamples.length > IDLE_WINDOW) this.idleCpuSamples.shift();
      (this.idleRss ??= new Estimate(sample.serviceRssBytes)).add(sample.serviceRssBytes);
      return;
    }
    if (steady !== total || steady === 0) return;
    const idleCpu = this.idleCpuSamples.length >= IDLE_MIN_SAMPLES ? Math.min(...this.idleCpuSamples) : 0;
    this.cpu.add(Math.max(0.05, (sample.serviceCores - idleCpu) / steady));
    this.rss.add(Math.max(32 * 1024 * 1024, (sample.serviceRssBytes - (this.idleRss?.current ?? 0)) / steady));
    this.measured++;
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function fmt(cores: number): string {
  return cores.toFixed(2);
}

function mb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
