/**
 * The recorder's health: the machine checks (run every minute), the links its edges keep (an XMPP server
 * out of reach for too long), the reports of the parts beside it (uploads), and the recordings whose
 * files could not be written (finalized again once the folder takes writes). Whether the machine can
 * record follows the checks alone; health follows the checks and the links. Every change is logged once.
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import { runHealthChecks, type CheckResult } from '../system/health';
import type { Session } from './session';
import type { HealthDetail, HealthStatus, StatusSnapshot } from './snapshot';

export interface RecorderHealthOptions {
  config: Config;
  log: Logger;
  /** Replaces the machine checks (unit specs); the real ones run by default. */
  healthChecks?: () => Promise<Record<string, CheckResult>>;
  /** Runs when a change happened outside refresh() (a finalize retried in the background). */
  changed: () => void;
}

export class RecorderHealth {
  private checks: Record<string, CheckResult> = {};
  private links: Record<string, CheckResult> = {};
  private readonly reports = new Map<string, () => HealthDetail & Record<string, unknown>>();
  /** Ended sessions whose files could not be written: their finalize script waits until they can be. */
  private readonly unfinalized = new Map<string, Session>();
  private retryingFinalize: Promise<void> | undefined;
  private readonly runChecks: () => Promise<Record<string, CheckResult>>;
  private readonly log: Logger;

  constructor(private readonly opts: RecorderHealthOptions) {
    this.log = opts.log;
    this.runChecks = opts.healthChecks ?? (() => runHealthChecks(opts.config));
  }

  /** Runs the machine checks; a recordings folder that takes writes again finalizes the recordings that waited. */
  async refresh(): Promise<void> {
    const checks = await this.runChecks();
    if (this.unfinalized.size && checks.recordings?.healthStatus === 'HEALTHY') this.retryFinalize();
    const finalize = this.finalizeCheck();
    if (finalize) checks.finalize = finalize;
    for (const [name, r] of Object.entries(checks)) {
      if (this.checks[name]?.healthStatus !== r.healthStatus) this.logChange(name, r);
    }
    this.checks = checks;
  }

  /**
   * The state of one of the recorder's links, kept by its edge (the XMPP edge, per server); undefined
   * removes it. Answers whether anything changed.
   */
  setLink(name: string, result: CheckResult | undefined): boolean {
    const before = this.links[name];
    if (before?.healthStatus === result?.healthStatus && before?.detail === result?.detail) return false;
    if (result) this.links[name] = result;
    else delete this.links[name];
    if (result && before?.healthStatus !== result.healthStatus) this.logChange(name, result);
    return true;
  }

  /**
   * A part beside the recorder (uploads) shows its own entry in health details. It informs, it does not
   * change the recorder's health: a store that is down must not stop recordings, which are kept locally.
   */
  addReport(name: string, read: () => HealthDetail & Record<string, unknown>): void {
    this.reports.set(name, read);
  }

  /** Whether the machine can record: its checks pass (the links do not decide it). */
  get canRecord(): boolean {
    return Object.values(this.checks).every((c) => c.healthStatus === 'HEALTHY');
  }

  get status(): HealthStatus {
    return this.canRecord && Object.values(this.links).every((c) => c.healthStatus === 'HEALTHY') ? 'HEALTHY' : 'UNHEALTHY';
  }

  /** The failing machine checks, each as `name: detail`. */
  problems(): string[] {
    return Object.entries(this.checks)
      .filter(([, c]) => c.healthStatus !== 'HEALTHY')
      .map(([n, c]) => `${n}: ${c.detail}`);
  }

  /** Health's entries: the checks, the links and the reports. */
  details(): StatusSnapshot['details'] {
    const details: StatusSnapshot['details'] = { ...this.checks, ...this.links };
    for (const [name, read] of this.reports) details[name] = read();
    return details;
  }

  /** An ended session whose files could not be written waits here until the folder takes writes. */
  keepUnfinalized(session: Session): void {
    if (!session.unfinalizedError) return;
    this.unfinalized.set(session.id, session);
    this.updateFinalizeCheck();
  }

  private logChange(name: string, r: CheckResult): void {
    this.log.log(r.healthStatus === 'HEALTHY' ? 'info' : 'error', `health check ${name}: ${r.healthStatus}${r.healthStatus === 'HEALTHY' ? '' : ` (${r.detail})`}`);
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
    this.opts.changed();
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
}
