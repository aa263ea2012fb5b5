/**
 * Where recorders run. Every backend creates one recorder per call, configured for a domain by
 * environment (docker-jitsi-meet's names), finds it again from its handle after a fleet restart, asks it
 * to drain (Jibri's internal gracefulShutdown) and removes it.
 */
export interface RecorderSpec {
  recorderId: string;
  deploymentId: string;
  expiresAt: string;
  /** The recorder's environment: the domain's configuration and its brewery nickname. */
  env: Record<string, string>;
}

export interface CreatedRecorder {
  /** Serialized: what the backend needs to find this recorder again. */
  handle: string;
  ip: string;
}

export interface RecorderHealth {
  busy: boolean;
  healthy: boolean;
}

export interface RecorderBackend {
  readonly kind: string;
  /** How many more recorders it can start now. */
  freeCapacity(): Promise<number>;
  create(spec: RecorderSpec): Promise<CreatedRecorder>;
  /** The recorder's health endpoint, or undefined when it does not answer. */
  health(handle: string): Promise<RecorderHealth | undefined>;
  /** Whether it still runs (for a restart: a recorder that is gone is not waited for). */
  running(handle: string): Promise<boolean>;
  /** No new sessions; the recorder exits once its session is finalized. */
  drain(handle: string): Promise<void>;
  /** Stops it (a running recording is stopped and finalized first) and frees what it held. */
  remove(handle: string): Promise<void>;
  /**
   * Recorders this backend runs for the fleet that the fleet does not know (created just before a crash,
   * before their handle was saved): found by label, removed at resume. Optional: a process has no label.
   */
  strays?(known: ReadonlySet<string>): Promise<string[]>;
}

/** Asks a recorder's HTTP API for its health, with a short timeout. */
export async function fetchHealth(url: string): Promise<RecorderHealth | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { busy?: boolean; status?: { health?: { healthStatus?: string } } };
    return { busy: body.busy === true, healthy: body.status?.health?.healthStatus === 'HEALTHY' };
  } catch {
    return undefined;
  }
}

export async function postGracefulShutdown(internalUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${internalUrl}/jibri/api/internal/v1.0/gracefulShutdown`, { method: 'POST', signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}
