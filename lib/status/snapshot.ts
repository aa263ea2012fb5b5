/**
 * What leaves the process about state. The recorder folds its sessions and its health checks into one
 * snapshot; the HTTP health endpoint, XMPP presence (and later SSE, webhooks and metrics) only read it.
 */
import type { ErrorCode, ErrorScope } from '../errors';
import type { SessionStateName } from '../recorder/session-machine';
import type { Origin } from '../recorder/requests';

export type BusyStatus = 'IDLE' | 'BUSY' | 'EXPIRED';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY';

/** A type alias, not an interface, so that it fits the open-ended detail entries below. */
export type HealthDetail = {
  healthStatus: HealthStatus;
  detail: string;
};

export interface SessionSummary {
  sessionId: string;
  state: SessionStateName;
  sinkType: 'file' | 'stream';
  origin: Origin;
  meetingUrl: string;
  startedAt: string;
  mediaFile?: string;
  /** A stream's link, with the URL as people may see it (no key, no credentials). */
  stream?: { url: string; state: string; reconnects: number; viewingUrl?: string };
  recordedSec?: number;
  /** Why a session ended by itself without an error: call-empty, all-muted, usage-timeout. */
  endReason?: string;
  error?: { code: ErrorCode; scope: ErrorScope; retryable: boolean; message: string; hint?: string };
}

export interface StatusSnapshot {
  busyStatus: BusyStatus;
  healthStatus: HealthStatus;
  /** Per machine check (ffmpeg, chromium, display, audio, recordings) and per session. */
  details: Record<string, HealthDetail & Record<string, unknown>>;
  sessions: SessionSummary[];
  /** The session that ended last, with its outcome; kept so a poller can see why it ended. */
  lastSession?: SessionSummary;
}
