/**
 * Jibri's metrics, counted from the recorder's and the XMPP edge's events, and sent where Jibri sends
 * them: StatsD counters (prefix `jibri`, on by default, as Jibri's JibriMetrics) and, with
 * JIBRI_ENABLE_PROMETHEUS, GET /metrics in Jibri's formats (lib/status/exposition.ts). /metrics also
 * carries what a fleet needs to scale on: slots, how many are busy, whether a start would be taken now,
 * CPU and memory headroom, the session cost and each recording slot's encoder speed; those gauges are
 * read from the recorder at scrape time.
 *
 * Each service has its own instance (several services share a process in the specs).
 */
import { StatsD } from 'hot-shots';
import type { StatsdConfig } from '../config';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import type { Delivery } from '../delivery/delivery';
import type { XmppEdge } from '../xmpp/xmpp-edge';
import { CONTENT_TYPES, negotiate, renderJson, renderOpenMetrics, renderText, type MetricFamily } from './exposition';

export const NAMESPACE = 'jitsi_jibri';

/** Jibri's counters: the Prometheus name (without namespace and `_total`), its StatsD aspect, its help. */
const COUNTERS = {
  sessionsStarted: { name: 'sessions_started', aspect: 'start', help: 'Sessions this recorder accepted and started.' },
  sessionsStopped: { name: 'sessions_stopped', aspect: 'stop', help: 'Sessions that ended, normally or with an error.' },
  errors: { name: 'errors', aspect: 'error', help: 'Sessions that ended with an error.' },
  busy: { name: 'busy', aspect: 'busy', help: 'Start requests refused because the recorder was busy.' },
  xmppConnected: { name: 'xmpp_connected', aspect: 'xmpp-connected', help: 'XMPP connections that logged in.' },
  xmppReconnecting: { name: 'xmpp_reconnecting', aspect: 'xmpp-reconnecting', help: 'XMPP reconnection attempts scheduled after an established connection was lost (not for first connections, as Jibri).' },
  xmppReconnectionFailed: { name: 'xmpp_reconnection_failed', aspect: 'xmpp-reconnection-failed', help: 'XMPP reconnections that failed after an established connection was lost (not first connections, as Jibri).' },
  xmppPingFailed: { name: 'xmpp_ping_failed', aspect: 'xmpp-ping-failed', help: 'XMPP pings that went unanswered (the connection is then dropped and made again).' },
  xmppClosed: { name: 'xmpp_closed', aspect: 'xmpp-closed', help: 'XMPP connections this recorder closed itself (after an unanswered ping).' },
  xmppClosedOnError: { name: 'xmpp_closed_on_error', aspect: 'xmpp-closed-on-error', help: 'XMPP connections lost through an error: the server went away, a stream error, a broken socket.' },
  stoppedOnXmppClosed: { name: 'stopped_on_xmpp_closed', aspect: 'stopped-on-xmpp-closed', help: 'Sessions stopped because the XMPP connection that started them was lost.' },
} as const;

type CounterKey = keyof typeof COUNTERS;

/** Jibri's StatsD tags for the kind of session: recording or live_stream (no SIP gateway here). */
function sessionTag(sinkType: 'file' | 'stream'): string {
  return sinkType === 'file' ? 'recording' : 'live_stream';
}

export interface MetricsSources {
  recorder: Recorder;
  xmpp?: XmppEdge;
  /** Uploads: pending and failing recordings, what was uploaded. */
  delivery?: Delivery;
  statsd?: StatsdConfig;
  log?: Logger;
  /** Seconds since the epoch, for the counters' `_created`; the real clock by default. */
  nowSec?: () => number;
}

export class RecorderMetrics {
  private readonly counts = new Map<CounterKey, number>();
  private readonly createdSec: number;
  private readonly statsd: StatsD | undefined;
  private statsdFailed = false;

  constructor(private readonly src: MetricsSources) {
    this.createdSec = (src.nowSec ?? (() => Date.now() / 1000))();
    for (const key of Object.keys(COUNTERS) as CounterKey[]) this.counts.set(key, 0);
    const log = src.log?.child({ component: 'metrics' });
    if (src.statsd?.enabled) {
      this.statsd = new StatsD({
        host: src.statsd.host,
        port: src.statsd.port,
        prefix: 'jibri.',
        // UDP to a StatsD that is not there must never disturb a recording: said once, then quiet.
        errorHandler: (err: Error) => {
          if (this.statsdFailed) return;
          this.statsdFailed = true;
          log?.warn(`StatsD ${src.statsd?.host}:${src.statsd?.port}: ${err.message} (ENABLE_STATS_D=false turns it off)`);
        },
      });
    }

    src.recorder.on('session', (c) => {
      const tag = sessionTag(c.session.sinkType);
      if (c.previous.name === 'starting' && c.state.name !== 'starting') this.count('sessionsStarted', tag);
      if (c.state.name === 'finished' || c.state.name === 'failed') this.count('sessionsStopped', tag);
      if (c.state.name === 'failed') this.count('errors', tag);
    });
    src.recorder.on('refused', () => this.count('busy', 'recording'));

    for (const c of src.xmpp?.connections ?? []) {
      const tag = `xmpp_server_host:${c.id}`;
      c.on('online', () => this.count('xmppConnected', tag));
      c.on('reconnecting', () => this.count('xmppReconnecting', tag));
      c.on('login-failed', () => this.count('xmppReconnectionFailed', tag));
      c.on('ping-failed', () => this.count('xmppPingFailed', tag));
      c.on('offline', (loss) => this.count(loss.onError ? 'xmppClosedOnError' : 'xmppClosed', tag));
    }
    src.xmpp?.on('stopped-on-close', (_id, host) => this.count('stoppedOnXmppClosed', `xmpp_server_host:${host}`));
  }

  private count(key: CounterKey, tag: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.statsd?.increment(COUNTERS[key].aspect, 1, [tag]);
  }

  /** A counter's value (for the specs and the JSON form). */
  value(key: CounterKey): number {
    return this.counts.get(key) ?? 0;
  }

  /** Every family, Jibri's first (in Jibri's order), then capacity; gauges read now. */
  families(): MetricFamily[] {
    const counters: MetricFamily[] = (Object.keys(COUNTERS) as CounterKey[]).map((key) => ({
      name: `${NAMESPACE}_${COUNTERS[key].name}`,
      help: COUNTERS[key].help,
      type: 'counter',
      samples: [{ value: this.value(key) }],
      createdSec: this.createdSec,
    }));
    const snap = this.src.recorder.snapshot();
    const { capacity } = snap;
    const gauge = (name: string, help: string, value: number, boolean = false): MetricFamily => ({ name: `${NAMESPACE}_${name}`, help, type: 'gauge', samples: [{ value }], ...(boolean ? { boolean } : {}) });
    const busySlots = snap.slots.filter((s) => s.busy).length;
    const unreachable = Object.entries(snap.details).filter(([name, d]) => name.startsWith('xmpp:') && d.healthStatus !== 'HEALTHY').length;
    return [
      ...counters,
      // Jibri's health is its own components: an XMPP server out of reach is counted apart, below.
      gauge('healthy', 'Whether the recorder itself is healthy (every machine check passes), as Jibri; XMPP servers out of reach are jitsi_jibri_xmpp_servers_unreachable.', this.src.recorder.canRecord ? 1 : 0, true),
      gauge('xmpp_servers_unreachable', 'XMPP servers (of every environment) this recorder has been out of the brewery of for longer than JIBRI_XMPP_UNREACHABLE_GRACE.', unreachable),
      gauge('recording', 'Whether the recorder is in use (busy status BUSY).', snap.busyStatus === 'BUSY' ? 1 : 0, true),
      gauge('slots', 'Sessions this recorder may run at once (JIBRI_CONCURRENT_SESSIONS).', capacity.slotsTotal),
      gauge('slots_busy', 'Slots holding a session.', capacity.slotsBusy),
      gauge('busy_ratio', 'Share of slots that show busy in presence (holding a session, or closed by admission); scale on this.', snap.slots.length ? busySlots / snap.slots.length : 1),
      gauge('accepting_sessions', 'Whether a start would be taken now.', capacity.acceptingNow ? 1 : 0),
      gauge('cpu_headroom_ratio', 'Share of the host CPU that is free.', capacity.cpuHeadroom),
      gauge('memory_headroom_bytes', 'Memory available for new sessions, beyond a reserve.', capacity.memoryHeadroomBytes),
      gauge('session_cpu_cores', 'CPU cores one session costs here (learned).', capacity.sessionCost.cpuCores),
      gauge('session_memory_bytes', 'Memory one session costs here (learned).', capacity.sessionCost.memoryBytes),
      gauge('disk_free_bytes', 'Free space in the recordings folder.', capacity.diskFreeBytes ?? 0),
      ...this.deliveryFamilies(gauge),
      {
        name: `${NAMESPACE}_encoder_speed_ratio`,
        help: 'Encoder speed of each recording slot (1 = real time; below 0.95 the host takes no further session).',
        type: 'gauge',
        samples: snap.sessions.filter((s) => s.encoderSpeed !== undefined).map((s) => ({ labels: { slot: String(s.slot ?? 1) }, value: s.encoderSpeed ?? 0 })),
      },
    ];
  }

  private deliveryFamilies(gauge: (name: string, help: string, value: number, boolean?: boolean) => MetricFamily): MetricFamily[] {
    const { delivery } = this.src;
    if (!delivery) return [];
    const d = delivery.status();
    const counter = (name: string, help: string, value: number): MetricFamily => ({ name: `${NAMESPACE}_${name}`, help, type: 'counter', samples: [{ value }], createdSec: this.createdSec });
    return [
      gauge('uploads_pending', 'Recordings not yet verified in the store (finalizing, queued, uploading or waiting to retry).', d.pending),
      gauge('uploads_failed', 'Pending recordings whose last upload attempt failed (they are retried).', d.failed),
      gauge('uploads_pending_bytes', 'Bytes of local recordings waiting for upload.', d.pendingBytes),
      gauge('upload_store_healthy', 'Whether the upload store accepts the credentials and answers.', d.healthStatus === 'HEALTHY' ? 1 : 0, true),
      counter('uploads', 'Recordings uploaded and verified.', d.uploadedTotal),
      counter('upload_bytes', 'Bytes uploaded and verified.', d.uploadedBytesTotal),
      counter('recordings_ready', 'Recording-ready events sent.', d.readyTotal),
    ];
  }

  /** The body and content type for a request's Accept header; undefined when it accepts none of them. */
  render(accept: string | undefined): { contentType: string; body: string } | undefined {
    const format = negotiate(accept);
    if (!format) return undefined;
    const families = this.families();
    const body = format === 'openMetrics' ? renderOpenMetrics(families) : format === 'text' ? renderText(families) : JSON.stringify(renderJson(families, NAMESPACE));
    return { contentType: CONTENT_TYPES[format], body };
  }

  close(): void {
    this.statsd?.close();
  }
}
