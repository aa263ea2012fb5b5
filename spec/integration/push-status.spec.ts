/**
 * Status pushed out of the real service during a real recording: Jibri's webhooks to local receivers
 * (with an RS256 token that verifies against the public key), the Server-Sent Events stream, the
 * Prometheus endpoint (checked by Prometheus' own promtool) and Jibri's StatsD counters (received by a
 * UDP listener). A subscriber that is down changes nothing. An XMPP server never reached is counted
 * apart from Jibri's own health and is no reconnection; docker-jitsi-meet variables for parts jibri-ts
 * does not have are named at start.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { WebhookClient } from '../../lib/status/webhook-client';
import Transport from 'winston-transport';
import { createLogger } from '../../lib/log';
import { readEvents, verifyJwt } from '../support/events';
import { startReceiver, type Receiver } from '../../testkit/receiver';
import { freePort, health, post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

/** The Prometheus text format, enough to read samples back: name{labels} value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** `promtool check metrics` (Debian's prometheus package) on an exposition: its complaints, or [] when clean. */
function promtool(text: string): string[] {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30000 });
  if (r.error) throw new Error(`promtool could not run (scripts/setup.sh installs the prometheus package): ${r.error.message}`);
  return r.status === 0 ? [] : `${r.stdout}${r.stderr}`.trim().split('\n');
}

describe('push status', () => {
  let page: DemoServer;
  let svc: TestService;
  let receiver: Receiver;
  let statsd: dgram.Socket;
  const datagrams: string[] = [];
  let sse: ReturnType<typeof readEvents>;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const started = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    page = await startDemoServer();
    receiver = await startReceiver('/jibri');
    const keyFile = path.join(tempDir(), 'jwt.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const down = `http://127.0.0.1:${await freePort()}`;
    statsd = dgram.createSocket('udp4');
    statsd.on('message', (m) => datagrams.push(...m.toString().split('\n')));
    await new Promise<void>((r) => statsd.bind(0, '127.0.0.1', r));
    svc = await startTestService({
      ENABLE_STATS_D: 'true',
      JIBRI_STATSD_HOST: '127.0.0.1',
      JIBRI_STATSD_PORT: String(statsd.address().port),
      JIBRI_INSTANCE_ID: 'push-test',
      JIBRI_WEBHOOK_SUBSCRIBERS: `${receiver.url},${down}`,
      JIBRI_JWT_SIGNING_KEY_PATH: keyFile,
      JIBRI_JWT_KID: 'push-kid',
      JIBRI_JWT_ISSUER: 'jibri-ts-test',
      JIBRI_JWT_AUDIENCE: 'push-receiver',
      JIBRI_JWT_TTL: '900',
      JIBRI_ENABLE_PROMETHEUS: 'true',
      JIBRI_HTTP_API_TOKEN: 'push-token',
    });
  });

  afterAll(async () => {
    sse?.stop();
    await svc?.stop();
    await receiver?.close();
    await page?.close();
    statsd?.close();
  });

  it('records while the events stream needs the token like start and stop', async () => {
    expect((await fetch(`${svc.api}/events`)).status).toBe(401);
    const auth = { authorization: 'Bearer push-token' };
    sse = readEvents(`${svc.api}/events`, auth);
    await waitFor('the first event', () => (sse.events.length ? true : undefined), 10000);

    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'push-1'), auth)).status).toBe(200);
    await waitForSessionState(svc.service, 'push-1', 'recording');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await post(`${svc.api}/stopService`, { sessionId: 'push-1' }, auth)).status).toBe(200);
    await svc.service.recorder.whenIdle();
    await waitFor('the idle webhook', () => (receiver.got.filter((h) => h.path === '/jibri/v1/status').at(-1)?.body.status.busyStatus === 'IDLE' && receiver.got.some((h) => h.body.session?.status === 'OFF') ? true : undefined), 10000);
    expect((await health(svc.api)).busy).toBe(false);
  });

  it("posts Jibri's /v1/status bodies on every change", () => {
    const statuses = receiver.got.filter((h) => h.path === '/jibri/v1/status');
    const seq = statuses.map((h) => h.body.status.busyStatus);
    expect(seq[0]).toBe('IDLE');
    expect(seq).toContain('BUSY');
    expect(seq.at(-1)).toBe('IDLE');
    const busy = statuses.find((h) => h.body.status.busyStatus === 'BUSY')!;
    expect(busy.body).toEqual({ jibriId: 'push-test', status: { busyStatus: 'BUSY', health: { healthStatus: 'HEALTHY', details: expect.any(Object) } } });
    expect(busy.body.status.health.details['session:push-1']).toMatchObject({ state: 'starting' });
  });

  it('posts /v1/session/status ON then OFF for the HTTP-started session', () => {
    const sessions = receiver.got.filter((h) => h.path === '/jibri/v1/session/status').map((h) => h.body);
    expect(sessions).toEqual([
      { jibriId: 'push-test', session: { sessionId: 'push-1', status: 'ON', sipAddress: null, failure: null, shouldRetry: null } },
      { jibriId: 'push-test', session: { sessionId: 'push-1', status: 'OFF', sipAddress: null, failure: null, shouldRetry: null } },
    ]);
  });

  it('signs every webhook with an RS256 token that verifies, with kid, iss, aud and exp', () => {
    expect(receiver.got.length).toBeGreaterThan(3);
    for (const h of receiver.got) {
      const { header, claims } = verifyJwt(h.headers.authorization, publicKey);
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'push-kid' });
      expect(claims.iss).toBe('jibri-ts-test');
      expect(claims.aud).toEqual(['push-receiver']);
      expect(claims.exp).toBeGreaterThanOrEqual(started + 900);
      expect(claims.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 900);
    }
  });

  it('streams status and session changes as Server-Sent Events', () => {
    const { events } = sse;
    expect(events[0]).toMatchObject({ event: 'status', data: { busy: false, status: { busyStatus: 'IDLE' } } });
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const transitions = events.filter((e) => e.event === 'session').map((e) => `${e.data.previousState}->${e.data.state}`);
    expect(transitions).toEqual(['starting->recording', 'recording->stopping', 'stopping->finalizing', 'finalizing->finished']);
    expect(events.filter((e) => e.event === 'session')[0]!.data).toMatchObject({ sessionId: 'push-1', sinkType: 'file', slot: 1 });
    const busy = events.filter((e) => e.event === 'status').map((e) => e.data.busy);
    expect(busy).toContain(true);
    expect(busy.at(-1)).toBe(false);
  });

  it("serves /metrics with Jibri's names and the capacity gauges, as OpenMetrics, text and JSON", async () => {
    const text = await fetch(`${svc.service.http.url}/metrics`, { headers: { accept: 'text/plain' } });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await text.text();
    // promtool reads the Prometheus text format (its 2.42 parser takes OpenMetrics' `<name>_total`
    // samples for families of their own, so OpenMetrics is compared line by line in the unit spec).
    expect(promtool(body)).toEqual([]);
    const m = parseExposition(body);
    expect(m.get('jitsi_jibri_sessions_started_created')).toBeGreaterThan(1.7e9);
    // Jibri's two counters that jibri-ts lacked; they count for real in xmpp.spec.ts.
    expect(m.get('jitsi_jibri_xmpp_ping_failed_total')).toBe(0);
    expect(m.get('jitsi_jibri_xmpp_closed_on_error_total')).toBe(0);
    for (const line of body.split('\n').filter((l) => l.startsWith('# TYPE '))) {
      const [, , name, type] = line.split(' ');
      expect([name, body.includes(`# HELP ${name} `)]).toEqual([name, true]);
      if (type === 'gauge') expect(name).not.toMatch(/_total$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
    }
    expect(m.get('jitsi_jibri_sessions_started_total')).toBe(1);
    expect(m.get('jitsi_jibri_sessions_stopped_total')).toBe(1);
    expect(m.get('jitsi_jibri_errors_total')).toBe(0);
    expect(m.get('jitsi_jibri_busy_total')).toBe(0);
    expect(m.get('jitsi_jibri_healthy')).toBe(1);
    expect(m.get('jitsi_jibri_recording')).toBe(0);
    expect(m.get('jitsi_jibri_slots')).toBe(1);
    expect(m.get('jitsi_jibri_slots_busy')).toBe(0);
    expect(m.get('jitsi_jibri_accepting_sessions')).toBe(1);
    expect(m.get('jitsi_jibri_busy_ratio')).toBe(0);
    const headroom = m.get('jitsi_jibri_cpu_headroom_ratio')!;
    expect(headroom).toBeGreaterThanOrEqual(0);
    expect(headroom).toBeLessThanOrEqual(1);
    expect(m.get('jitsi_jibri_memory_headroom_bytes')).toBeGreaterThan(0);
    expect(m.get('jitsi_jibri_session_cpu_cores')).toBeGreaterThan(0);

    const open = await fetch(`${svc.service.http.url}/metrics`);
    expect(open.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const om = await open.text();
    expect(om.trimEnd().endsWith('# EOF')).toBe(true);
    expect(om).toContain('# TYPE jitsi_jibri_sessions_started counter\n# HELP jitsi_jibri_sessions_started ');
    expect(om).toMatch(/\njitsi_jibri_sessions_started_total 1\.0\njitsi_jibri_sessions_started_created \S+\n/);
    // Jibri's flat JSON object.
    const json = (await (await fetch(`${svc.service.http.url}/metrics`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ sessions_started_total: 1, sessions_stopped_total: 1, errors_total: 0, busy_total: 0, xmpp_ping_failed_total: 0, xmpp_closed_on_error_total: 0, healthy: true, recording: false, slots: 1 });
    expect((await fetch(`${svc.service.http.url}/metrics`, { headers: { accept: 'image/png' } })).status).toBe(406);
  });

  it("sends Jibri's StatsD counters (prefix jibri, the session's tag) over UDP", async () => {
    await waitFor('the stop counter', () => (datagrams.includes('jibri.stop:1|c|#recording') ? true : undefined), 5000);
    expect(datagrams).toEqual(expect.arrayContaining(['jibri.start:1|c|#recording', 'jibri.stop:1|c|#recording']));
    expect(datagrams.filter((d) => d.startsWith('jibri.start:'))).toHaveLength(1);
  });

  it('pushes the status every period even without a change', async () => {
    const before = receiver.got.length;
    const client = new WebhookClient({ jibriId: 'periodic', subscribers: [receiver.url], recorder: svc.service.recorder, log: createLogger('error', { silent: true }), periodMs: 300 });
    client.start();
    try {
      await waitFor('three periodic pushes', () => (receiver.got.slice(before).filter((h) => h.body.jibriId === 'periodic').length >= 3 ? true : undefined), 5000);
    } finally {
      client.stop();
    }
    expect(receiver.got.slice(before).every((h) => h.path === '/jibri/v1/status')).toBe(true);
  });
});

describe('an XMPP server never reached, and docker-jitsi-meet variables with no use here', () => {
  class Capture extends Transport {
    readonly lines: string[] = [];
    override log(info: Record<string | symbol, unknown>, next: () => void): void {
      this.lines.push(String(info[Symbol.for('message')]));
      next();
    }
  }
  const capture = new Capture();
  let svc: TestService;

  beforeAll(async () => {
    const log = createLogger('info');
    log.clear().add(capture);
    // Nothing listens on this port: the server is never reached.
    const closed = await freePort();
    svc = await startTestService(
      {
        XMPP_SERVER: `127.0.0.1:${closed}`,
        JIBRI_XMPP_PASSWORD: 'never-used-control-pw',
        JIBRI_XMPP_UNREACHABLE_GRACE: '1 second',
        JIBRI_ENABLE_PROMETHEUS: 'true',
        JIBRI_XORG_HORIZ_SYNC: '30.0-81.0',
        JIBRI_CHROMEDRIVER_PORT: '9515',
        AUTOSCALER_SIDECAR_PORT: '6000',
      },
      { log },
    );
  });

  afterAll(async () => {
    await svc?.stop();
  });

  it("keeps jitsi_jibri_healthy for the recorder's own components, counts the server apart, and counts no reconnection", async () => {
    const name = (await waitFor('the server to count as out of reach', async () => {
      const h = await health(svc.api);
      return Object.entries(h.status.health.details).find(([n, d]) => n.startsWith('xmpp:') && (d as { healthStatus: string }).healthStatus === 'UNHEALTHY');
    }, 15000, 250))[0];
    // Several attempts (1 s, then 2 s apart) have failed by now.
    await new Promise((r) => setTimeout(r, 3500));
    expect(capture.lines.filter((l) => l.includes('cannot log in to')).length).toBeGreaterThanOrEqual(2);
    const body = await (await fetch(`${svc.service.http.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
    expect(promtool(body)).toEqual([]);
    const m = parseExposition(body);
    expect(m.get('jitsi_jibri_healthy')).toBe(1);
    expect(m.get('jitsi_jibri_xmpp_servers_unreachable')).toBe(1);
    expect(m.get('jitsi_jibri_xmpp_connected_total')).toBe(0);
    expect(m.get('jitsi_jibri_xmpp_reconnecting_total')).toBe(0);
    expect(m.get('jitsi_jibri_xmpp_reconnection_failed_total')).toBe(0);
    // Health still names the server, with what went wrong.
    expect((await health(svc.api)).status.health.details[name]).toMatchObject({ healthStatus: 'UNHEALTHY', detail: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('names the docker-jitsi-meet variables that change nothing here, once, at start', () => {
    const lines = capture.lines.filter((l) => l.includes('variables that jibri-ts does not use'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/warn/);
    for (const name of ['AUTOSCALER_SIDECAR_PORT', 'JIBRI_CHROMEDRIVER_PORT', 'JIBRI_XORG_HORIZ_SYNC']) expect(lines[0]).toContain(name);
    expect(lines[0]).not.toMatch(/30\.0-81\.0|9515|6000/);
  });
});
