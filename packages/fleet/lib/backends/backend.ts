/**
 * Where recorders run. Every backend creates one recorder per call, configured for a domain by
 * environment (docker-jitsi-meet's names) and by secret files, finds it again from its handle after a
 * fleet restart, asks it to drain (Jibri's internal gracefulShutdown, with the recorder's own token) and
 * removes it. The fleet's capacity is its own reservation in the database, not the backends' count.
 */
import type { RecorderAddress } from './recorder-api';

export interface RecorderSpec {
  recorderId: string;
  deploymentId: string;
  /** The deployment's location (a backend that spans several places puts the recorder there). */
  location: string;
  expiresAt: string;
  /** The recorder's environment: the domain's non-secret configuration and its brewery nickname. */
  env: Record<string, string>;
  /**
   * Secret settings by name (JIBRI_XMPP_PASSWORD, JIBRI_RECORDER_PASSWORD, JIBRI_HTTP_API_TOKEN): each
   * reaches the recorder as a file only it can read, named by NAME_FILE in its environment, never as a value.
   */
  secrets: Record<string, string>;
}

/** Where a recorder finds its secret files: the folder mounted or written for it. */
export function secretFileEnv(secrets: Record<string, string>, dir: string): Record<string, string> {
  return Object.fromEntries(Object.keys(secrets).map((name) => [`${name}_FILE`, `${dir}/${name}`]));
}

/**
 * The location has no place for the recorder (no node there, or none with room): the deployment gets
 * the seed's failure callback ("recorders not available in specified location") and its refund.
 */
export class NotAvailableError extends Error {}

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
  create(spec: RecorderSpec): Promise<CreatedRecorder>;
  /** The recorder's health endpoint (asked with its token), or undefined when it does not answer. */
  health(handle: string, token: string): Promise<RecorderHealth | undefined>;
  /**
   * Where the fleet reaches the recorder's HTTP API, and how it knows the recorder there (HTTPS with the
   * fleet's CA beyond loopback); undefined when it has no address (yet). Every call to a recorder goes
   * through recorder-api.ts with it.
   */
  apiAddress(handle: string): Promise<RecorderAddress | undefined>;
  /** Whether it still runs (for a restart: a recorder that is gone is not waited for). */
  running(handle: string): Promise<boolean>;
  /**
   * The paid time is over: every session is stopped now and finalized as always (Jicofo gets "off"), no
   * new one starts, and the recorder exits. Answers once asked; `running` tells when it is gone.
   */
  shutdown(handle: string, token: string): Promise<void>;
  /** Stops it (a running recording is stopped and finalized first) and frees what it held. */
  remove(handle: string): Promise<void>;
  /**
   * Recorders this backend runs for the fleet that the fleet does not know (created just before a crash,
   * before their handle was saved): found by label, removed at resume. Optional: a process has no label.
   */
  strays?(known: ReadonlySet<string>): Promise<string[]>;
}
