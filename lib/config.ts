/**
 * The one place that reads configuration. Names follow docker-jitsi-meet, so its `.env` works unchanged,
 * and Jibri's own `jibri.conf` (HOCON) is read too, so a Debian user's file works unchanged. Precedence:
 * a setting's default < JIBRI_DEFAULTS_CONFIG_FILE (the Debian package's) < jibri.conf < the environment <
 * custom-jibri.conf (as docker-jitsi-meet, which includes it after the jibri.conf it writes from the environment).
 *
 * Every variable is declared once in the settings table (config/settings.ts) with its default; one reader
 * per area (config/http.ts, xmpp.ts, upload.ts, streaming.ts, autoscaler.ts...) reads its settings through
 * the shared settings reader (@jibri-ts/common, the fleet's too). Everything is read, validated and
 * defaulted once; the rest of the program gets a frozen Config and never touches process.env. Every
 * secret setting may instead be given as a file, NAME_FILE, read once here: a secret then never sits in
 * the environment, where children and /proc/<pid>/environ would see it.
 */
import { ConfigError, readSecretFiles } from '@jibri-ts/common';
import { readAutoscaler, type AutoscalerConfig } from './config/autoscaler';
import { readBrowser, type BrowserConfig } from './config/browser';
import { readCapacity, type CapacityConfig } from './config/capacity';
import type { ConfigContext, Env } from './config/context';
import { readEncoding, type EncodingConfig } from './config/encoding';
import { ignoredKeys, readConfigFiles, readerFor } from './config/files';
import { readHttp, readLifecycle, type HttpConfig, type LifecycleConfig } from './config/http';
import { ignoredVariables } from './config/ignored-env';
import { readCall, readRecording, type CallConfig, type RecordingConfig } from './config/recording';
import { SETTINGS } from './config/settings';
import { readKubernetes, readStatsd, readWebhooks, type KubernetesConfig, type StatsdConfig, type WebhookConfig } from './config/status';
import { readExtraOutputs, readStreaming, type StreamingConfig } from './config/streaming';
import { readUpload, type UploadConfig } from './config/upload';
import { ENVIRONMENTS_KEY, readXmpp, type XmppSettings } from './config/xmpp';

export interface Config extends XmppSettings {
  instanceId: string;
  http: HttpConfig;
  recording: RecordingConfig;
  encoding: EncodingConfig;
  streaming: StreamingConfig;
  /** JIBRI_EXTRA_OUTPUTS: output kinds added to every session (checked against the kinds in lib/output at start-up). */
  extraOutputs: string[];
  call: CallConfig;
  browser: BrowserConfig;
  capacity: CapacityConfig;
  lifecycle: LifecycleConfig;
  kubernetes: KubernetesConfig;
  webhooks: WebhookConfig;
  upload: UploadConfig;
  /** GET /metrics (Prometheus) on the HTTP API's port. */
  prometheus: boolean;
  statsd: StatsdConfig;
  autoscaler?: AutoscalerConfig;
  ffmpegPath: string;
  logLevel: string;
  /** JIBRI_LOG_FORMAT: one line per event, or one JSON object per line. */
  logFormat: 'text' | 'json';
  /** The configuration files that were read, in order. */
  files: string[];
  /** What the operator should know about the configuration, logged once at start (each a line). */
  warnings: string[];
}

// The shared settings reader (@jibri-ts/common, used by the fleet too) is part of this module's API.
export { ConfigError, environmentWithDotEnv, parseDotEnv, parseXmppServers, readSecretFiles, withSecretFiles, type Setting, type XmppServer } from '@jibri-ts/common';
export { SETTINGS } from './config/settings';
export { settingValue } from './config/files';
export { isLoopbackHost, type ConfigContext } from './config/context';
export { chooseRecordingDir, LEGACY_RECORDING_DIR } from './config/recording';
export { firstSessionCpuEstimate, MEASURED_SESSION_CORES } from './config/capacity';
export type { AutoscalerConfig, BrowserConfig, CallConfig, CapacityConfig, EncodingConfig, HttpConfig, KubernetesConfig, LifecycleConfig, RecordingConfig, StatsdConfig, StreamingConfig, UploadConfig, WebhookConfig };
export type { RecorderLogin, XmppEnvironment } from './config/xmpp';

/** Pure: the configuration from the environment (and, when given, the parsed jibri.conf and the NAME_FILE secrets). */
export function loadConfig(rawEnv: Env, hostname = 'jibri', ctx: ConfigContext = {}): Config {
  const fileProblems: string[] = [];
  const env = readSecretFiles(rawEnv, SETTINGS, fileProblems, ctx.readSecretFile);
  const r = readerFor(env, ctx.file);
  r.problems.push(...fileProblems);
  const warnings: string[] = [];
  const instanceId = r.optional('JIBRI_INSTANCE_ID') ?? hostname;
  // Every jibri.conf key no setting reads, named together in one warning at the end.
  const ignored: string[] = [];
  const xmpp = readXmpp(r, ctx.file, instanceId, warnings, ignored);
  const encoding = readEncoding(r);
  const autoscaler = readAutoscaler(r, ctx);
  const config: Config = {
    instanceId,
    ...xmpp,
    http: readHttp(r),
    recording: readRecording(r, ctx, warnings),
    encoding,
    streaming: readStreaming(r),
    extraOutputs: readExtraOutputs(r),
    call: readCall(r),
    browser: readBrowser(r, warnings),
    capacity: readCapacity(r, encoding),
    kubernetes: readKubernetes(r),
    webhooks: readWebhooks(r),
    upload: readUpload(r, warnings),
    prometheus: r.bool('JIBRI_ENABLE_PROMETHEUS'),
    statsd: readStatsd(r),
    ...(autoscaler ? { autoscaler } : {}),
    lifecycle: readLifecycle(r),
    ffmpegPath: r.text('JIBRI_FFMPEG_PATH'),
    logLevel: r.oneOf('JIBRI_LOG_LEVEL', ['error', 'warn', 'info', 'debug']),
    logFormat: r.oneOf('JIBRI_LOG_FORMAT', ['text', 'json']),
    files: ctx.file?.files ?? [],
    warnings,
  };
  const unusedVariables = ignoredVariables(env);
  if (unusedVariables) warnings.push(unusedVariables);
  if (ctx.file) {
    ignored.unshift(...ignoredKeys(ctx.file.tree, r.usedKeys, ENVIRONMENTS_KEY));
    if (ignored.length) warnings.unshift(`${ctx.file.files.join(' + ')}: ignored ${ignored.length} key(s): ${ignored.join('; ')}`);
  }
  if (r.problems.length) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

/**
 * Reads the configuration files (JIBRI_CONFIG_FILE, else /etc/jitsi/jibri/jibri.conf when it exists; then
 * the custom override when it exists) and then the configuration: what main and the demo use.
 */
export async function loadServiceConfig(env: Env, hostname: string, ctx: Omit<ConfigContext, 'file'> = {}): Promise<Config> {
  const file = await readConfigFiles(env);
  return loadConfig(env, hostname, { ...ctx, ...(file ? { file } : {}) });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
