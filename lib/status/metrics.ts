/**
 * GET /metrics: Jibri's Prometheus metrics under their names (namespace jitsi_jibri: session and XMPP
 * counters, the healthy and recording gauges) plus what a fleet needs to scale on: slots, how many are
 * busy, whether a start would be taken now, CPU and memory headroom, the session cost and each
 * recording slot's encoder speed. Gauges are read from the recorder at scrape time, counters follow its
 * events. Each service has its own registries (several services share a process in the specs).
 * As Jibri: OpenMetrics unless the client asks for text/plain (Prometheus 0.0.4) or application/json.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Recorder, SessionChange } from '../recorder/recorder';
import type { XmppEdge } from '../xmpp/xmpp-edge';

export interface MetricsSources {
  recorder: Recorder;
  xmpp?: XmppEdge;
}

export class RecorderMetrics {
  private readonly text = new Registry();
  private readonly open = new Registry<'application/openmetrics-text; version=1.0.0; charset=utf-8'>();

  constructor(src: MetricsSources) {
    this.open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [this.text, this.open];
    const counter = (name: string, help: string): Counter => new Counter({ name: `jitsi_jibri_${name}_total`, help, registers });
    const gauge = (name: string, help: string, read: () => number): Gauge =>
      new Gauge({
        name: `jitsi_jibri_${name}`,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });

    const started = counter('sessions_started', 'Sessions started');
    const stopped = counter('sessions_stopped', 'Sessions that ended');
    const errors = counter('errors', 'Sessions that ended with an error');
    const busy = counter('busy', 'Starts refused because the recorder was busy');
    src.recorder.on('session', (c: SessionChange) => {
      if (c.state.name === 'recording' && c.previous.name === 'starting') started.inc();
      if (c.state.name === 'finished' || c.state.name === 'failed') stopped.inc();
      if (c.state.name === 'failed') errors.inc();
    });
    src.recorder.on('refused', () => busy.inc());

    const xmpp = {
      connected: counter('xmpp_connected', 'XMPP logins that succeeded'),
      reconnecting: counter('xmpp_reconnecting', 'XMPP reconnect attempts scheduled'),
      reconnectionFailed: counter('xmpp_reconnection_failed', 'XMPP logins that failed'),
      closed: counter('xmpp_closed', 'XMPP connections lost'),
      stoppedOnClosed: counter('stopped_on_xmpp_closed', 'Sessions stopped because the XMPP connection that started them was lost'),
    };
    for (const c of src.xmpp?.connections ?? []) {
      c.on('online', () => xmpp.connected.inc());
      c.on('offline', () => xmpp.closed.inc());
      c.on('reconnecting', () => xmpp.reconnecting.inc());
      c.on('login-failed', () => xmpp.reconnectionFailed.inc());
    }
    src.xmpp?.on('stopped-on-close', () => xmpp.stoppedOnClosed.inc());

    const snap = () => src.recorder.snapshot();
    gauge('healthy', '1 when every machine check passes', () => (snap().healthStatus === 'HEALTHY' ? 1 : 0));
    gauge('recording', '1 when the recorder is busy (Jibri: busy status BUSY)', () => (snap().busyStatus === 'BUSY' ? 1 : 0));
    gauge('slots_total', 'Sessions this recorder may run at once (JIBRI_CONCURRENT_SESSIONS)', () => snap().capacity.slotsTotal);
    gauge('slots_busy', 'Slots holding a session', () => snap().capacity.slotsBusy);
    gauge('busy_ratio', 'Share of slots that show busy in presence (holding a session, or closed by admission): scale on this', () => {
      const slots = snap().slots;
      return slots.length ? slots.filter((s) => s.busy).length / slots.length : 1;
    });
    gauge('accepting_sessions', '1 when a start would be taken now', () => (snap().capacity.acceptingNow ? 1 : 0));
    gauge('cpu_headroom_ratio', 'Share of the host CPU that is free', () => snap().capacity.cpuHeadroom);
    gauge('memory_headroom_bytes', 'Memory available for new sessions, beyond a reserve', () => snap().capacity.memoryHeadroomBytes);
    gauge('session_cpu_cores', 'What one session costs here in CPU cores (learned)', () => snap().capacity.sessionCost.cpuCores);
    gauge('session_memory_bytes', 'What one session costs here in memory (learned)', () => snap().capacity.sessionCost.memoryBytes);
    new Gauge({
      name: 'jitsi_jibri_encoder_speed_ratio',
      help: 'Encoder speed of each recording slot (1 = real time; below 0.95 the host takes no new session)',
      labelNames: ['slot'],
      registers,
      collect() {
        this.reset();
        for (const s of snap().sessions) if (s.encoderSpeed !== undefined) this.set({ slot: String(s.slot ?? 1) }, s.encoderSpeed);
      },
    });
  }

  /** The body and content type for a request's Accept header; undefined when it accepts none of them. */
  async render(accept: string | undefined): Promise<{ contentType: string; body: string } | undefined> {
    const a = (accept ?? '').toLowerCase();
    if (!a || a.includes('application/openmetrics-text') || a.includes('*/*')) return { contentType: this.open.contentType, body: await this.open.metrics() };
    if (a.includes('text/plain')) return { contentType: this.text.contentType, body: await this.text.metrics() };
    if (a.includes('application/json')) return { contentType: 'application/json', body: JSON.stringify(await this.text.getMetricsAsJSON()) };
    return undefined;
  }
}
