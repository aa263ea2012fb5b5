/**
 * The only wiring: builds every part from a Config and returns a running service. No work happens at
 * import time, so specs and the benchmark compose a service in-process exactly as main does.
 */
import type * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Server } from 'node:http';
import type { Config } from './config';
import { createApp } from './http/app';
import { createInternalApp } from './http/internal-api';
import { bindAddress, boundPort, listen } from './http/server';
import { Lifecycle, scheduleShutdown, type StopOptions } from './lifecycle';
import { AutoscalerClient } from './status/autoscaler';
import { RefreshingJwt, loadSigningKey } from './status/jwt';
import { RecorderMetrics } from './status/metrics';
import { PodDeletionCost } from './status/pod-deletion-cost';
import { WebhookClient } from './status/webhook-client';
import { Delivery } from './delivery/delivery';
import { startEgressProxy } from './pipeline/browser/egress-proxy';
import { sandboxDecision, userNamespacesWork } from './pipeline/browser/sandbox';
import type { Logger } from './log';
import { registerSecret } from './redact';
import type { CrashMarker } from './recorder/crash-marker';
import { finalizeLeftovers } from './recorder/leftovers';
import { Recorder, type RecorderOptions } from './recorder/recorder';
import { extraOutputsProblem } from './output/outputs';
import type { XmppEdge } from './xmpp/xmpp-edge';

const LEFTOVER_RESCAN_MS = 60000;

export interface Service {
  recorder: Recorder;
  /** The bound HTTP address (the port is the real one when the config asked for 0). */
  http: { host: string; port: number; url: string };
  /** The XMPP edge, when an XMPP environment is configured. */
  xmpp?: XmppEdge;
  /** Jibri's counters (StatsD, and /metrics when enabled). */
  metrics: RecorderMetrics;
  /** The built-in autoscaler sidecar, with AUTOSCALER_URL. */
  autoscaler?: AutoscalerClient;
  /** The internal API's address (gracefulShutdown, notifyConfigChanged, shutdown). */
  internalHttp: { port: number; url: string };
  /** Drains, stops and exits on request (internal API, signals). */
  lifecycle: Lifecycle;
  /** Uploads finished recordings (or describes them, without a store) and sends "recording ready". */
  delivery: Delivery;
  /** Settles once recordings left by an earlier, crashed run are finalized. */
  leftovers: Promise<string[]>;
  /** Stops every session, finalizes, closes the HTTP server; with `deliveryWait`, waits for the upload queue first (JIBRI_EXIT_DELIVERY_WAIT). */
  stop(o?: StopOptions): Promise<void>;
}

export interface ComposeOptions {
  healthChecks?: RecorderOptions['healthChecks'];
  /** How the lifecycle ends the process; specs replace it. */
  exit?: (code: number) => void;
}

/** A URL's password as written by a person (the redaction finds its encoded forms too). */
function urlPassword(url: string): string | undefined {
  const raw = new URL(url).password;
  try {
    return decodeURIComponent(raw) || undefined;
  } catch {
    return raw || undefined;
  }
}

function modifiedAt(file: string): string {
  try {
    return fs.statSync(file).mtime.toISOString();
  } catch {
    return new Date().toISOString();
  }
}

function urlOf(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The address to bind for a host setting (a list binds this host's own entry); an error names the setting. */
function bindHost(host: string, variable: string): string {
  const bound = bindAddress(host, os.networkInterfaces());
  if (!bound) throw new Error(`${variable}=${host}: none of these addresses is one of this host's (${Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address)).join(', ')})`);
  return bound;
}

/** What is checked and read before anything starts: a bad key, address or certificate stops the start here. */
interface StartChecks {
  jwt: RefreshingJwt | undefined;
  autoscalerKey: crypto.KeyObject | undefined;
  host: string;
  internalHost: string;
  tls: { cert: string; key: string } | undefined;
  sandbox: boolean;
}

function checkBeforeStart(config: Config, log: Logger): StartChecks {
  for (const s of [config.http.token, config.recorderLogin?.password]) registerSecret(s, { pinned: true });
  for (const env of config.xmppEnvironments) for (const s of [env.password, env.callLogin?.password]) registerSecret(s, { pinned: true });
  for (const warning of config.warnings) log.warn(warning, { component: 'config' });
  if (config.files.length) log.info(`configuration read from ${config.files.join(' + ')} and the environment`, { component: 'config' });
  for (const url of config.webhooks.subscribers) registerSecret(urlPassword(url), { pinned: true });
  registerSecret(config.upload.s3?.secretAccessKey, { pinned: true });
  // An extra output kind this recorder does not have stops the start, before anything listens.
  const extraProblem = extraOutputsProblem(config.extraOutputs);
  if (extraProblem) throw new Error(extraProblem);
  // A bad signing key stops the start here, before anything listens.
  const jwt = config.webhooks.jwt ? new RefreshingJwt(config.webhooks.jwt, loadSigningKey(config.webhooks.jwt.signingKeyPath)) : undefined;
  const autoscalerKey = config.autoscaler ? loadSigningKey(config.autoscaler.keyFile, 'AUTOSCALER_SIDECAR_KEY_FILE') : undefined;
  // What the servers bind and speak, checked before anything starts.
  const host = bindHost(config.http.host, 'JIBRI_HTTP_API_EXTERNAL_HOST');
  const internalHost = bindHost(config.lifecycle.internalHost, 'JIBRI_HTTP_API_INTERNAL_HOST');
  const tls = config.http.tls ? { cert: fs.readFileSync(config.http.tls.certFile, 'utf8'), key: fs.readFileSync(config.http.tls.keyFile, 'utf8') } : undefined;
  const sandbox = sandboxDecision(config.browser.sandbox, { root: process.getuid?.() === 0, userNamespaces: config.browser.sandbox === 'auto' && userNamespacesWork() });
  log.info(`Chromium ${sandbox.sandbox ? 'runs with' : 'runs without'} its sandbox: ${sandbox.why}`, { component: 'browser' });
  return { jwt, autoscalerKey, host, internalHost, tls, sandbox: sandbox.sandbox };
}

/**
 * Uploads after the recorder's own steps for a session (finalize script included), on the session events
 * only. The S3 store (and the AWS SDK under it) is loaded only when an upload is configured.
 */
async function deliveryFor(config: Config, log: Logger, recorder: Recorder): Promise<Delivery> {
  const { s3, publicOnly } = config.upload;
  const onRefused = (err: { detail: string }): void => void log.warn(`upload refused: ${err.detail} (JIBRI_UPLOAD_PUBLIC_ONLY; JIBRI_UPLOAD_ALLOWED_HOSTS lists exceptions)`, { component: 'delivery' });
  const store = s3 ? new (await import('./delivery/s3-store')).S3ObjectStore({ s3, requestTimeoutMs: config.upload.stallTimeoutSec * 1000, ...(publicOnly ? { publicOnly: { allowed: publicOnly.allowed, onRefused } } : {}) }) : undefined;
  const delivery = new Delivery({ config, log, ...(store ? { store } : {}) });
  delivery.follow(recorder);
  recorder.addReport('upload', () => delivery.healthDetail());
  return delivery;
}

/** In Kubernetes, the pod's deletion cost follows its running sessions. */
function followPodDeletionCost(config: Config, log: Logger, recorder: Recorder): void {
  if (!PodDeletionCost.applies(config.kubernetes)) return;
  const cost = new PodDeletionCost({ k8s: config.kubernetes, log });
  const follow = (): void => cost.update(recorder.snapshot().sessions.length);
  recorder.on('status', follow);
  recorder.on('session', follow);
  follow();
}

/**
 * Recordings an earlier, crashed run left are finalized, then delivered like any recording; recorders
 * sharing the folder (containers on one volume) pick up each other's leftovers every minute.
 */
function startLeftovers(config: Config, log: Logger, delivery: Delivery): { leftovers: Promise<string[]>; rescan: NodeJS.Timeout } {
  const leftoverFinalized = (state: CrashMarker): void =>
    delivery.recordingFinalized({
      sessionId: state.sessionId,
      meetingUrl: state.meetingUrl,
      sinkType: state.sinkType ?? 'file',
      mediaFile: state.mediaFile,
      startedAt: state.startedAt,
      endedAt: modifiedAt(state.mediaFile),
    });
  delivery.start();
  const leftovers = finalizeLeftovers(config, log, leftoverFinalized).catch((err: unknown) => {
    log.error(`finalizing leftover recordings failed: ${String(err)}`, { component: 'leftovers' });
    return [] as string[];
  });
  void leftovers.then(() => delivery.leftoversDone());
  const rescan = setInterval(() => void leftovers.then(() => finalizeLeftovers(config, log, leftoverFinalized)).catch(() => undefined), LEFTOVER_RESCAN_MS);
  rescan.unref();
  return { leftovers, rescan };
}

/** The built-in autoscaler sidecar: its shutdown drains (bounded), its reconfigure asks for a reload. */
function autoscalerFor(config: Config, key: crypto.KeyObject | undefined, recorder: Recorder, lifecycle: Lifecycle, log: Logger): AutoscalerClient | undefined {
  if (!config.autoscaler || !key) return undefined;
  const scalerConfig = config.autoscaler;
  const scaler = new AutoscalerClient({
    config: scalerConfig,
    jibriId: config.instanceId,
    key,
    recorder,
    log,
    onShutdown: () => {
      lifecycle.request('gracefulShutdown');
      lifecycle.limitDrain(scalerConfig.drainTimeoutSec, 'JIBRI_AUTOSCALER_DRAIN_TIMEOUT');
    },
    onReconfigure: () => lifecycle.request('notifyConfigChanged'),
  });
  lifecycle.onBeforeExit(() => scaler.beforeExit());
  return scaler;
}

async function closeServer(s: Server | undefined): Promise<void> {
  if (!s) return;
  const closed = new Promise<void>((resolve) => s.close(() => resolve()));
  s.closeAllConnections();
  await closed;
}

export async function compose(config: Config, log: Logger, opts: ComposeOptions = {}): Promise<Service> {
  const checked = checkBeforeStart(config, log);
  const { host, internalHost, tls } = checked;
  // Before any browser starts: with JIBRI_BROWSER_PUBLIC_ONLY every browser goes through it.
  const egress = config.browser.publicOnly ? await startEgressProxy(config.browser.publicOnly.allowed, log) : undefined;
  const recorder = new Recorder({ config, log, ...(opts.healthChecks ? { healthChecks: opts.healthChecks } : {}), ...(egress ? { browserProxyUrl: egress.url } : {}), ...(checked.sandbox ? { browserSandbox: true } : {}) });
  await recorder.init();
  const delivery = await deliveryFor(config, log, recorder);

  // Built before the HTTP app (metrics count its connections), started once the API listens; the XMPP
  // client is loaded only when there is an environment to join.
  const xmpp = config.xmppEnvironments.length ? new (await import('./xmpp/xmpp-edge')).XmppEdge({ config, environments: config.xmppEnvironments, recorder, log }) : undefined;
  // Counted always: StatsD (on by default, as Jibri) needs the counts even without /metrics.
  const metrics = new RecorderMetrics({ recorder, delivery, ...(xmpp ? { xmpp } : {}), statsd: config.statsd, log });
  const app = createApp({ config, recorder, log, recordings: delivery, delivery, ...(config.prometheus ? { metrics } : {}) });
  const server = await listen(app, host, config.http.port, 'JIBRI_HTTP_API_EXTERNAL_PORT', tls).catch((err: Error) => {
    throw new Error(`The HTTP API ${err.message}`);
  });
  const port = boundPort(server);
  log.info(`HTTP API listening on ${urlOf(host, port, Boolean(tls))}/jibri/api/v1.0`, { component: 'http' });
  followPodDeletionCost(config, log, recorder);

  const webhooks = config.webhooks.subscribers.length
    ? new WebhookClient({ jibriId: config.instanceId, subscribers: config.webhooks.subscribers, recorder, recordings: delivery, log, ...(checked.jwt ? { jwt: checked.jwt } : {}) })
    : undefined;
  webhooks?.start();

  xmpp?.start();
  if (!xmpp) log.info('no XMPP environment (XMPP_SERVER, or jibri.api.xmpp.environments in jibri.conf): HTTP API only', { component: 'xmpp' });
  const { leftovers, rescan } = startLeftovers(config, log, delivery);

  let stopped: Promise<void> | undefined;
  // Read by stop(), which may run before they are set (the internal API failing to listen).
  let internal: Server | undefined;
  let autoscaler: AutoscalerClient | undefined;
  let shutdownTimer: ReturnType<typeof scheduleShutdown> | undefined;
  const stop = (o: StopOptions = { deliveryWait: false }): Promise<void> =>
    (stopped ??= (async () => {
      clearInterval(rescan);
      shutdownTimer?.cancel();
      await leftovers;
      await recorder.shutdown();
      // Out of the brewery before any wait for uploads: Jicofo must not pick a recorder that is leaving.
      await xmpp?.stop();
      if (o.deliveryWait && config.upload.exitWaitSec > 0) await delivery.settleBeforeExit(config.upload.exitWaitSec, o.hurry);
      // Uploads in progress are abandoned here and resume from the journal at the next start.
      await delivery.stop();
      webhooks?.stop();
      // Polling ends here; the report the exit needs (shutdown, reconfigured) still goes out after.
      autoscaler?.stop();
      metrics.close();
      await egress?.close();
      for (const s of [server, internal]) await closeServer(s);
    })());
  const lifecycle = new Lifecycle({ recorder, stopService: stop, exit: opts.exit ?? ((code) => process.exit(code)), log });
  autoscaler = autoscalerFor(config, checked.autoscalerKey, recorder, lifecycle, log);
  const { internalPort, internalToken } = config.lifecycle;
  internal = await listen(createInternalApp(lifecycle, log, internalToken), internalHost, internalPort, 'JIBRI_HTTP_API_INTERNAL_PORT', tls).catch(async (err: Error) => {
    await stop();
    throw new Error(`The internal API ${err.message}`);
  });
  const iport = boundPort(internal);
  log.info(`internal API listening on ${urlOf(internalHost, iport, Boolean(tls))}/jibri/api/internal/v1.0`, { component: 'http' });
  shutdownTimer = scheduleShutdown(config.lifecycle.shutdownAtMs, lifecycle, log);
  autoscaler?.start();

  return {
    recorder,
    ...(xmpp ? { xmpp } : {}),
    metrics,
    ...(autoscaler ? { autoscaler } : {}),
    http: { host, port, url: urlOf(host, port, Boolean(tls)) },
    internalHttp: { port: iport, url: urlOf(internalHost, iport, Boolean(tls)) },
    lifecycle,
    delivery,
    leftovers,
    stop,
  };
}
