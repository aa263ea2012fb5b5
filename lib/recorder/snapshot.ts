/**
 * The recorder's state as one value. The recorder folds its sessions and its health checks into one
 * snapshot; everything that shows state outside the process (the health endpoint, XMPP presence, the
 * outbound status edge: SSE, webhooks, metrics, the autoscaler, the pod deletion cost) only reads it.
 */
import type { ErrorCode, ErrorScope } from '../errors';
import type { OutputSummary } from '../output/output';
import type { CheckResult, HealthStatus } from '../system/health';
import type { Origin } from './requests';
import type { SessionStateName } from './session-machine';

export type BusyStatus = 'IDLE' | 'BUSY' | 'EXPIRED';
/** One entry of health's details: a machine check, a link, a session, a report. */
export type HealthDetail = CheckResult;
export type { HealthStatus };

export interface SessionSummary {
  sessionId: string;
  state: SessionStateName;
  /** Jibri's mode (its HTTP API's word): `stream` when the session has a live output, else `file`. */
  sinkType: 'file' | 'stream';
  origin: Origin;
  meetingUrl: string;
  startedAt: string;
  mediaFile?: string;
  /** The session's stream link, with the URL as people may see it (no key, no credentials). */
  stream?: { url: string; state: string; reconnects: number; viewingUrl?: string };
  /** Every output of the session, as people may see it, with the id that removes it while live. */
  outputs?: Array<OutputSummary & { id: string }>;
  recordedSec?: number;
  /** The encoder's speed (1 = real time), as ffmpeg reports it. */
  encoderSpeed?: number;
  /**
   * Frames written; dropped: how many fewer than the recorded time holds (the grab fell behind), which
   * includes the few frames' time before the first grab, shown as the first frame.
   */
  frames?: { written: number; dropped: number; duplicated: number };
  /**
   * Sound to picture: how late the picture reaches the capture (the last half second, and the range over
   * the session) and how much later the sound was moved to match, in ms (lib/pipeline/frame-clock/).
   */
  sync?: { pictureLatencyMs: number; pictureLatencyRangeMs: [number, number]; soundMoveMs: number };
  /** The slot (1..JIBRI_CONCURRENT_SESSIONS) the session runs in. */
  slot?: number;
  /** Longest the session may run, in seconds, when it has a limit (its environment's usage timeout). */
  usageTimeoutSec?: number;
  /** Why a session ended by itself without an error: call-empty, all-muted, usage-timeout. */
  endReason?: string;
  error?: { code: ErrorCode; scope: ErrorScope; retryable: boolean; message: string; hint?: string };
}

/**
 * How much more this host can take. Slots are the configured number of concurrent sessions; admission
 * may still refuse a free slot when the host has no CPU or memory left for one more session, or when a
 * running encoder cannot keep real time.
 */
export interface Capacity {
  slotsTotal: number;
  slotsBusy: number;
  /** Whether a start would be admitted now (a free slot, and room on the host for it). */
  acceptingNow: boolean;
  /** Why a start would be refused now, when it would. */
  refusal?: string;
  /** Share of the host's CPU that is free (0..1), averaged over the last seconds. */
  cpuHeadroom: number;
  /** Memory available to new processes, in bytes (MemAvailable). */
  memoryHeadroomBytes: number;
  /** The slowest running encoder's speed (1 = real time); absent while nothing records. */
  encoderSpeed?: number;
  /** What one session costs here: the configured estimate until measured, then what was measured. */
  sessionCost: { cpuCores: number; memoryBytes: number; measured: boolean };
  /** The same for an audio-only session (no picture captured or encoded). */
  audioOnlySessionCost: { cpuCores: number; memoryBytes: number; measured: boolean };
  hostCores: number;
  /** Cores' worth of CPU the host uses now, averaged over the last seconds. */
  hostBusyCores: number;
  /** Free space in the recordings folder (admission keeps JIBRI_SESSION_DISK_ESTIMATE per session). */
  diskFreeBytes?: number;
}

export interface SlotStatus {
  slot: number;
  /** What the slot's presence says: busy while it holds a session, or while the host takes no more. */
  busy: boolean;
  sessionId?: string;
}

export interface StatusSnapshot {
  busyStatus: BusyStatus;
  healthStatus: HealthStatus;
  /** Per machine check (ffmpeg, chromium, display, audio, recordings) and per session. */
  details: Record<string, HealthDetail & Record<string, unknown>>;
  sessions: SessionSummary[];
  capacity: Capacity;
  /** Each slot as its brewery occupant shows it. */
  slots: SlotStatus[];
  /** The session that ended last, with its outcome; kept so a poller can see why it ended. */
  lastSession?: SessionSummary;
}
