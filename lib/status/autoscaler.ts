/**
 * The Jitsi autoscaler's sidecar, built in: with AUTOSCALER_URL, the recorder talks to the autoscaler
 * exactly as jitsi-autoscaler-sidecar does when docker-jitsi-meet's jibri image runs it, so no second
 * process (and no Node program fetched and built at image time) is needed:
 *   - every AUTOSCALER_SIDECAR_SHUTDOWN_POLLING_INTERVAL: POST <url>/sidecar/status with the stats
 *     report (or POST <url>/sidecar/poll with the instance details while there is none), and act on the
 *     answer `{shutdown, reconfigure}`;
 *   - every AUTOSCALER_SIDECAR_STATS_POLLING_INTERVAL: refresh the report's `stats` from the health
 *     body (the sidecar GETs /jibri/api/v1.0/health);
 *   - on every status change: POST <url>/sidecar/stats with `stats` = Jibri's webhook body
 *     `{jibriId, status}` (the sidecar forwards Jibri's webhook this way);
 *   - shutdown: drain as gracefulShutdown (the sidecar runs wait_graceful_shutdown.sh), for at most
 *     JIBRI_AUTOSCALER_DRAIN_TIMEOUT (6 hours, as that script) before the sessions are stopped; then, before the
 *     process exits, POST <url>/sidecar/shutdown with the instance details (docker-jitsi-meet's
 *     terminate script does it through the sidecar's /hook/v1/shutdown);
 *   - reconfigure: notifyConfigChanged (drain, exit 0, the supervisor starts it again with the new
 *     configuration); the last report before the exit says `reconfigureComplete`.
 * Every request carries an ASAP bearer token: RS256, `kid` = AUTOSCALER_SIDECAR_KEY_ID, iss
 * `jitsi-autoscaler-sidecar`, aud `jitsi-autoscaler`, one hour, reused for 45 minutes (the sidecar's).
 * A request that fails is logged and changes nothing: the autoscaler being down must never touch a
 * recording.
 */
import type * as crypto from 'node:crypto';
import type { AutoscalerConfig } from '../config';
import { formatSeconds } from '@jibri-ts/common';
import { healthBody } from './health-body';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import { signJwt } from './jwt';
import { statusWebhookBody } from './webhook-bodies';

export const ASAP_ISSUER = 'jitsi-autoscaler-sidecar';
export const ASAP_AUDIENCE = 'jitsi-autoscaler';
const TOKEN_TTL_SEC = 3600;
const TOKEN_REUSE_SEC = 45 * 60;
/** The sidecar's request timeout. */
export const AUTOSCALER_TIMEOUT_MS = 3000;

/** What the sidecar sends as `instance`: its id and type, then docker-jitsi-meet's INSTANCE_METADATA. */
export interface InstanceDetails {
  instanceId: string;
  instanceType: 'jibri';
  environment: string;
  region: string;
  group: string;
  name: string;
  version: string;
  privateIp: string;
  hostId: string;
}

export interface StatsReport {
  instance: InstanceDetails;
  stats: unknown;
  timestamp: number;
  shutdownStatus: boolean;
  shutdownError: boolean;
  reconfigureError: boolean;
  reconfigureComplete: string;
  statsError: boolean;
}

/** The autoscaler's answer to a poll or a status report. */
export interface Command {
  shutdown: boolean;
  reconfigure: string;
}

/** Pure: the instance details from the configuration. */
export function instanceDetails(c: AutoscalerConfig, jibriId: string): InstanceDetails {
  return { instanceId: c.instanceId, instanceType: 'jibri', environment: c.environment, region: c.region, group: c.groupName, name: jibriId, version: c.version, privateIp: c.privateIp, hostId: c.hostId };
}

/** Pure: an answer as a command; anything else is "nothing to do". */
export function parseCommand(body: unknown): Command {
  const b = (body ?? {}) as { shutdown?: unknown; reconfigure?: unknown };
  return { shutdown: b.shutdown === true, reconfigure: typeof b.reconfigure === 'string' ? b.reconfigure : '' };
}

export interface AutoscalerOptions {
  config: AutoscalerConfig;
  jibriId: string;
  key: crypto.KeyObject;
  recorder: Recorder;
  log: Logger;
  /** The autoscaler said shutdown: drain and exit 255 (gracefulShutdown). */
  onShutdown: () => void;
  /** The autoscaler said reconfigure: drain and exit 0 (notifyConfigChanged). */
  onReconfigure: () => void;
  nowMs?: () => number;
}

export class AutoscalerClient {
  private report: StatsReport | undefined;
  private readonly details: InstanceDetails;
  private pollTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private token: { value: string; until: number } | undefined;
  private shutdownStatus = false;
  private reconfigureStarted = '';
  private reconfigureComplete = '';
  private stopped = false;
  private readonly failing = new Set<string>();
  private readonly log: Logger;
  private readonly onStatus = (): void => void this.pushStats();

  constructor(private readonly opts: AutoscalerOptions) {
    this.details = instanceDetails(opts.config, opts.jibriId);
    this.log = opts.log.child({ component: 'autoscaler' });
  }

  private now(): number {
    return (this.opts.nowMs ?? Date.now)();
  }

  start(): void {
    this.log.info(`reporting to ${this.opts.config.url} as ${this.details.instanceId} (group ${this.details.group}, kid ${this.opts.config.keyId})`);
    this.refreshStats();
    this.opts.recorder.on('status', this.onStatus);
    this.statsTimer = setInterval(() => this.refreshStats(), this.opts.config.statsPollingSec * 1000);
    this.statsTimer.unref();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.opts.recorder.off('status', this.onStatus);
  }

  private build(stats: unknown): StatsReport {
    return {
      instance: this.details,
      stats,
      timestamp: this.now(),
      shutdownStatus: this.shutdownStatus,
      shutdownError: false,
      reconfigureError: false,
      reconfigureComplete: this.reconfigureComplete,
      statsError: false,
    };
  }

  /** The stats the sidecar retrieves: the health endpoint's body. */
  private refreshStats(): void {
    this.report = this.build(healthBody(this.opts.recorder.snapshot()));
  }

  /** Jibri's status webhook, forwarded as the sidecar forwards it. */
  private async pushStats(): Promise<void> {
    this.report = this.build(statusWebhookBody(this.opts.jibriId, this.opts.recorder.snapshot()));
    await this.post('/sidecar/stats', this.report);
  }

  /** One poll: the report to /sidecar/status (or the details to /sidecar/poll), then the command. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    const { path, body } = this.report ? { path: '/sidecar/status', body: { ...this.report, timestamp: this.now(), shutdownStatus: this.shutdownStatus, reconfigureComplete: this.reconfigureComplete } } : { path: '/sidecar/poll', body: this.details };
    const answer = await this.post(path, body);
    if (!this.stopped) {
      this.pollTimer = setTimeout(() => void this.poll(), this.opts.config.shutdownPollingSec * 1000);
      this.pollTimer.unref();
    }
    if (answer !== undefined) this.obey(parseCommand(answer));
  }

  private obey(cmd: Command): void {
    if (cmd.shutdown) {
      if (this.shutdownStatus) return;
      this.shutdownStatus = true;
      this.log.info(`the autoscaler asked for a shutdown: draining (no new session; exit once the running ones are finalized; after ${formatSeconds(this.opts.config.drainTimeoutSec)} they are stopped)`);
      this.opts.onShutdown();
    } else if (cmd.reconfigure && !this.reconfigureStarted && !this.shutdownStatus) {
      this.reconfigureStarted = cmd.reconfigure;
      this.log.info(`the autoscaler asked for a reconfiguration (${cmd.reconfigure.slice(0, 64)}): draining, then exit 0 to be started again with the new configuration`);
      this.opts.onReconfigure();
    }
  }

  /**
   * Just before the process exits: a shutdown is reported to /sidecar/shutdown; a reconfiguration's
   * completion goes with one last status report.
   */
  async beforeExit(): Promise<void> {
    if (this.shutdownStatus) {
      await this.post('/sidecar/shutdown', this.details);
    } else if (this.reconfigureStarted) {
      this.reconfigureComplete = this.reconfigureStarted;
      this.refreshStats();
      await this.post('/sidecar/status', this.report);
    }
    this.stop();
  }

  private bearer(): string {
    const nowSec = Math.floor(this.now() / 1000);
    if (!this.token || nowSec >= this.token.until) {
      const claims = { iss: ASAP_ISSUER, aud: ASAP_AUDIENCE, iat: nowSec, exp: nowSec + TOKEN_TTL_SEC };
      this.token = { value: signJwt(claims, this.opts.key, this.opts.config.keyId), until: nowSec + TOKEN_REUSE_SEC };
    }
    return this.token.value;
  }

  /** The answer's JSON, or undefined when the request failed (logged once until it works again). */
  private async post(path: string, body: unknown): Promise<unknown> {
    const url = `${this.opts.config.url}${path}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.bearer()}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(AUTOSCALER_TIMEOUT_MS),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`answered ${res.status}`);
      if (this.failing.delete(path)) this.log.info(`${path} works again`);
      try {
        return text ? (JSON.parse(text) as unknown) : {};
      } catch {
        return {};
      }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (!this.failing.has(path)) this.log.warn(`POST ${url} failed: ${e.name === 'TimeoutError' ? `no answer within ${AUTOSCALER_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message)}`);
      this.failing.add(path);
      return undefined;
    }
  }
}
