/**
 * The one place that reads the environment. Names follow docker-jitsi-meet, so its `.env` works unchanged.
 * Everything is read, validated and defaulted once; the rest of the program gets a frozen Config and never
 * touches process.env. Every variable is declared in SETTINGS, which also feeds the README table and the
 * `.env.example` check, so the three cannot drift apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HttpConfig {
  host: string;
  port: number;
  /** When set, every endpoint but health needs `Authorization: Bearer <token>`. */
  token?: string;
}

export interface EncodingConfig {
  width: number;
  height: number;
  framerate: number;
  crf: number;
  presetRecording: string;
  queueSize: number;
  /** How much later than captured the sound is placed, to match the picture's longer path to the screen. */
  audioDelayMs: number;
}

/** Live streaming: Jibri's streaming encode, the allow-list, and what jibri-ts adds (reconnects, a local copy). */
export interface StreamingConfig {
  preset: string;
  /** x264 -maxrate in kbit/s; -bufsize is twice this, as Jibri. */
  maxBitrateKbps: number;
  gopSize: number;
  /** Regular expressions (source text) that must match a whole RTMP URL; empty = everything. */
  allowList: string[];
  /** How long an ingest that dropped mid-stream is retried before the session fails (0 = fail at once). */
  retryTimeoutSec: number;
  /** Also keep a local file of every stream, from the same encode. */
  localCopy: boolean;
}

/** Joining the conference and Jibri's call-status checks, in seconds (0 turns a check off). */
export interface CallConfig {
  joinTimeoutSec: number;
  emptyTimeoutSec: number;
  allMutedTimeoutSec: number;
  noMediaTimeoutSec: number;
  iceTimeoutSec: number;
  checkIntervalSec: number;
  /** Longest a session may run, however it was started; 0 = no limit. */
  usageTimeoutSec: number;
}

export interface RecordingConfig {
  dir: string;
  finalizeScript?: string;
  finalizeTimeoutSec: number;
}

export interface BrowserConfig {
  chromiumPath: string;
  extraFlags: string[];
  ignoreCertificateErrors: boolean;
  pageLoadTimeoutSec: number;
}

export interface RecorderLogin {
  domain: string;
  username: string;
  password: string;
}

/** One Jicofo-facing XMPP connection per entry of XMPP_SERVER. */
export interface XmppServer {
  host: string;
  port: number;
  /** The entry as written, e.g. "xmpp.meet.jitsi:5222"; names the connection in logs and health. */
  id: string;
}

export interface XmppConfig {
  servers: XmppServer[];
  /** Login of the control connection: JIBRI_XMPP_USER@XMPP_AUTH_DOMAIN. */
  authDomain: string;
  username: string;
  password: string;
  /** The brewery: JIBRI_BREWERY_MUC@XMPP_INTERNAL_MUC_DOMAIN. */
  breweryJid: string;
  nickname: string;
  /** For call URLs: the XMPP domain, the prefix stripped from room domains, and the public base URL. */
  xmppDomain: string;
  stripFromRoomDomain: string;
  publicUrl?: string;
  trustAllCerts: boolean;
}

/**
 * How many sessions run side by side, and what admission assumes one costs until it has measured its own.
 * `slots` is the number of brewery occupants; admission may still refuse a free slot.
 */
export interface CapacityConfig {
  slots: number | 'auto';
  sessionCpuCores: number;
  sessionMemoryBytes: number;
  /** Share of the host's CPU (0..1) that background load plus planned sessions may take. */
  cpuTarget: number;
}

/** The process's life: Jibri's internal API, and single-use mode. */
export interface LifecycleConfig {
  internalHost: string;
  internalPort: number;
  singleUse: boolean;
}

/** Jibri's webhooks: where status goes, and the optional RS256 token that proves who sent it. */
export interface WebhookConfig {
  subscribers: string[];
  jwt?: { signingKeyPath: string; kid: string; issuer: string; audience: string; ttlSec: number };
}

/** The pod the recorder runs in, when it runs in Kubernetes (the downward API and the service's env). */
export interface KubernetesConfig {
  apiHost?: string;
  apiPort: number;
  podName?: string;
  podNamespace?: string;
}

export interface Config {
  instanceId: string;
  /** Absent when XMPP_SERVER is not set: the service then runs HTTP-only. */
  xmpp?: XmppConfig;
  http: HttpConfig;
  recording: RecordingConfig;
  encoding: EncodingConfig;
  streaming: StreamingConfig;
  call: CallConfig;
  browser: BrowserConfig;
  capacity: CapacityConfig;
  lifecycle: LifecycleConfig;
  kubernetes: KubernetesConfig;
  webhooks: WebhookConfig;
  /** GET /metrics (Prometheus) on the HTTP API's port. */
  prometheus: boolean;
  /** The browser's call login when a request brings none (JIBRI_RECORDER_USER at XMPP_HIDDEN_DOMAIN). */
  recorderLogin?: RecorderLogin;
  ffmpegPath: string;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** One environment variable: its default (as text, as a user would write it) and what it means. */
export interface Setting {
  name: string;
  default: string;
  group: string;
  description: string;
  secret?: boolean;
}

export const SETTINGS: readonly Setting[] = [
  { name: 'JIBRI_INSTANCE_ID', default: '', group: 'Identity', description: 'Name of this recorder (brewery nickname, webhooks); defaults to the host name' },
  { name: 'JIBRI_HTTP_API_EXTERNAL_HOST', default: '127.0.0.1', group: 'HTTP API', description: 'Address the HTTP API binds to' },
  { name: 'JIBRI_HTTP_API_EXTERNAL_PORT', default: '2222', group: 'HTTP API', description: 'Port of the HTTP API' },
  { name: 'JIBRI_HTTP_API_TOKEN', default: '', group: 'HTTP API', description: 'If set, every endpoint but health requires "Authorization: Bearer <token>"', secret: true },
  { name: 'JIBRI_HTTP_API_INTERNAL_HOST', default: '127.0.0.1', group: 'HTTP API', description: 'Address of the internal API (gracefulShutdown, notifyConfigChanged, shutdown); keep it on loopback' },
  { name: 'JIBRI_HTTP_API_INTERNAL_PORT', default: '3333', group: 'HTTP API', description: 'Port of the internal API' },
  { name: 'JIBRI_CONCURRENT_SESSIONS', default: '1', group: 'Capacity', description: 'Sessions this recorder runs at once, each its own brewery occupant <JIBRI_INSTANCE_ID>-<n>; "auto" sizes it from the host' },
  { name: 'JIBRI_SESSION_CPU_ESTIMATE', default: '0.6', group: 'Capacity', description: 'CPU cores one session is assumed to take until the recorder has measured its own sessions' },
  { name: 'JIBRI_SESSION_MEMORY_ESTIMATE', default: '450', group: 'Capacity', description: 'Memory in MB one session is assumed to take until measured' },
  { name: 'JIBRI_CPU_TARGET', default: '90', group: 'Capacity', description: 'Percent of the host CPU that other load plus this recorder\'s sessions may take; a start beyond it is refused' },
  { name: 'JIBRI_SINGLE_USE_MODE', default: 'false', group: 'Capacity', description: 'After one session per slot the recorder is EXPIRED and takes no more (as Jibri\'s single-use-mode)' },
  { name: 'JIBRI_RECORDING_DIR', default: '/config/recordings', group: 'Recording', description: 'Folder that holds one sub-folder per session' },
  { name: 'JIBRI_FINALIZE_RECORDING_SCRIPT_PATH', default: '', group: 'Recording', description: 'Script run with the session folder as its only argument after each recording' },
  { name: 'JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT', default: '3600', group: 'Recording', description: 'Seconds after which a finalize script that has not ended is killed (0 = never)' },
  { name: 'JIBRI_RECORDING_RESOLUTION', default: '1280x720', group: 'Encoding', description: 'Size of the virtual screen and of the video, WIDTHxHEIGHT' },
  { name: 'JIBRI_RECORDING_FRAMERATE', default: '30', group: 'Encoding', description: 'Frames per second captured and encoded' },
  { name: 'JIBRI_RECORDING_CONSTANT_RATE_FACTOR', default: '25', group: 'Encoding', description: 'x264 CRF (0-51, lower is better quality and larger files)' },
  { name: 'JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', default: 'ultrafast', group: 'Encoding', description: 'x264 preset for file recordings' },
  { name: 'JIBRI_RECORDING_QUEUE_SIZE', default: '4096', group: 'Encoding', description: 'ffmpeg -thread_queue_size of each capture input' },
  { name: 'JIBRI_RECORDING_AUDIO_DELAY_MS', default: '10', group: 'Encoding', description: 'Milliseconds the sound is moved later (negative: earlier) to match the picture, whose path from page to screen is slower; npm run bench measures it' },
  { name: 'JIBRI_FFMPEG_PATH', default: 'ffmpeg', group: 'Encoding', description: 'The ffmpeg binary (a name on PATH or a path)' },
  { name: 'JIBRI_RECORDING_VIDEO_ENCODE_PRESET_STREAMING', default: 'veryfast', group: 'Streaming', description: 'x264 preset for live streams' },
  { name: 'JIBRI_RECORDING_STREAMING_MAX_BITRATE', default: '2976k', group: 'Streaming', description: 'Highest video bitrate of a stream (x264 -maxrate; the buffer is twice this), e.g. 2976k or 4500k' },
  { name: 'JIBRI_RECORDING_STREAMING_GOP_SIZE', default: '60', group: 'Streaming', description: 'Frames between key frames of a stream' },
  { name: 'JIBRI_STREAMING_RTMP_ALLOW_LIST', default: '', group: 'Streaming', description: 'Comma-separated regular expressions; a stream URL must fully match one (empty = any URL)' },
  { name: 'JIBRI_STREAMING_RETRY_TIMEOUT', default: '60', group: 'Streaming', description: 'Seconds an ingest that dropped mid-stream is retried before the session fails (0 = fail at once, as Jibri)' },
  { name: 'JIBRI_STREAMING_LOCAL_COPY', default: 'false', group: 'Streaming', description: 'Also record every stream to a file in JIBRI_RECORDING_DIR, from the same encode' },
  { name: 'JIBRI_CHROMIUM_PATH', default: '/usr/bin/chromium', group: 'Browser', description: 'The Chromium binary the recorder drives' },
  { name: 'CHROMIUM_FLAGS', default: '', group: 'Browser', description: 'Extra Chromium flags, comma-separated (as docker-jitsi-meet)' },
  { name: 'IGNORE_CERTIFICATE_ERRORS', default: 'false', group: 'Browser', description: 'Let the browser accept self-signed certificates of the meeting' },
  { name: 'JIBRI_PAGE_LOAD_TIMEOUT', default: '60', group: 'Browser', description: 'Seconds the meeting page may take to load' },
  { name: 'JIBRI_CALL_JOIN_TIMEOUT', default: '30', group: 'Call checks', description: 'Seconds the page may take to join the conference before the start fails' },
  { name: 'JIBRI_CALL_EMPTY_TIMEOUT', default: '30', group: 'Call checks', description: 'Seconds alone in the call (hidden participants do not count) before the session ends normally (0 = never)' },
  { name: 'JIBRI_ALL_MUTED_TIMEOUT', default: '600', group: 'Call checks', description: 'Seconds with every participant muted before the session ends normally (0 = never)' },
  { name: 'JIBRI_NO_MEDIA_TIMEOUT', default: '180', group: 'Call checks', description: 'Seconds without received media before the session fails (0 = never)' },
  { name: 'JIBRI_ICE_CONNECTION_TIMEOUT', default: '30', group: 'Call checks', description: 'Seconds without an ICE connection, while others are there, before the session fails (0 = never)' },
  { name: 'JIBRI_USAGE_TIMEOUT', default: '0', group: 'Call checks', description: 'Longest a session may run, in seconds, however it was started (0 = no limit)' },
  { name: 'JIBRI_CALL_STATUS_CHECK_INTERVAL', default: '5', group: 'Call checks', description: 'Seconds between call-status checks (Jibri: 15; a check costs a few milliseconds)' },
  { name: 'XMPP_HIDDEN_DOMAIN', default: 'hidden.meet.jitsi', group: 'Call login', description: 'Domain of the recorder account the browser joins with (XMPP_RECORDER_DOMAIN is still read)' },
  { name: 'XMPP_RECORDER_DOMAIN', default: '', group: 'Call login', description: 'Older name of XMPP_HIDDEN_DOMAIN' },
  { name: 'JIBRI_RECORDER_USER', default: 'recorder', group: 'Call login', description: 'User name of the recorder account' },
  { name: 'JIBRI_RECORDER_PASSWORD', default: '', group: 'Call login', description: 'Password of the recorder account; without it, requests must bring their own call login', secret: true },
  { name: 'XMPP_SERVER', default: '', group: 'XMPP', description: 'Comma-separated host[:port] list of the XMPP servers Jicofo uses; unset = HTTP API only' },
  { name: 'XMPP_PORT', default: '5222', group: 'XMPP', description: 'Port for XMPP_SERVER entries without one' },
  { name: 'XMPP_DOMAIN', default: 'meet.jitsi', group: 'XMPP', description: 'The Jitsi XMPP domain (call URLs are https://XMPP_DOMAIN/room unless PUBLIC_URL is set)' },
  { name: 'XMPP_AUTH_DOMAIN', default: 'auth.meet.jitsi', group: 'XMPP', description: 'Domain of the control login JIBRI_XMPP_USER' },
  { name: 'XMPP_INTERNAL_MUC_DOMAIN', default: 'internal-muc.meet.jitsi', group: 'XMPP', description: 'MUC domain of the Jibri brewery' },
  { name: 'XMPP_MUC_DOMAIN', default: 'muc.meet.jitsi', group: 'XMPP', description: 'MUC domain of the conferences' },
  { name: 'JIBRI_BREWERY_MUC', default: 'jibribrewery', group: 'XMPP', description: 'Name of the brewery room Jicofo picks recorders from' },
  { name: 'JIBRI_XMPP_USER', default: 'jibri', group: 'XMPP', description: 'Control login user (at XMPP_AUTH_DOMAIN)' },
  { name: 'JIBRI_XMPP_PASSWORD', default: '', group: 'XMPP', description: 'Control login password; required with XMPP_SERVER', secret: true },
  { name: 'JIBRI_STRIP_DOMAIN_JID', default: '', group: 'XMPP', description: 'Prefix removed from room domains to build call URLs; defaults to the first label of XMPP_MUC_DOMAIN' },
  { name: 'PUBLIC_URL', default: '', group: 'XMPP', description: 'Base of call URLs, e.g. https://meet.example.com' },
  { name: 'XMPP_TRUST_ALL_CERTS', default: 'true', group: 'XMPP', description: 'Accept self-signed XMPP server certificates' },
  { name: 'JIBRI_WEBHOOK_SUBSCRIBERS', default: '', group: 'Status push', description: 'Comma-separated base URLs that get POST <url>/v1/status on every change and every minute, and /v1/session/status for HTTP-started sessions' },
  { name: 'JIBRI_JWT_SIGNING_KEY_PATH', default: '', group: 'Status push', description: 'PEM private key (RSA) that signs an RS256 bearer token on webhook requests; needs the three below' },
  { name: 'JIBRI_JWT_KID', default: '', group: 'Status push', description: 'The token\'s key id (kid header)' },
  { name: 'JIBRI_JWT_ISSUER', default: '', group: 'Status push', description: 'The token\'s iss claim' },
  { name: 'JIBRI_JWT_AUDIENCE', default: '', group: 'Status push', description: 'The token\'s aud claim' },
  { name: 'JIBRI_JWT_TTL', default: '3600', group: 'Status push', description: 'Seconds a token is valid (at least 600, as Jibri); it is renewed 5 minutes before it expires' },
  { name: 'JIBRI_ENABLE_PROMETHEUS', default: 'false', group: 'Status push', description: 'Serve GET /metrics (Jibri\'s jitsi_jibri_* metrics plus capacity) on the HTTP API port' },
  { name: 'POD_NAME', default: '', group: 'Kubernetes', description: 'This pod\'s name (downward API); with POD_NAMESPACE, the recorder keeps its pod-deletion-cost equal to its running sessions' },
  { name: 'POD_NAMESPACE', default: '', group: 'Kubernetes', description: 'This pod\'s namespace (downward API)' },
  { name: 'KUBERNETES_SERVICE_HOST', default: '', group: 'Kubernetes', description: 'The API server; set by Kubernetes in every pod' },
  { name: 'KUBERNETES_SERVICE_PORT', default: '443', group: 'Kubernetes', description: 'The API server\'s port; set by Kubernetes in every pod' },
  { name: 'JIBRI_LOG_LEVEL', default: 'info', group: 'Logging', description: 'error, warn, info or debug' },
];

/** A missing variable and an empty one mean the same, as in docker-jitsi-meet's templates. */
function read(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  text(name: string, fallback: string): string {
    return read(this.env, name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return read(this.env, name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = read(this.env, name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = read(this.env, name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  }

  resolution(name: string, fallback: string): { width: number; height: number } {
    const raw = read(this.env, name) ?? fallback;
    const m = /^(\d{2,5})x(\d{2,5})$/.exec(raw);
    const width = Number(m?.[1]);
    const height = Number(m?.[2]);
    // x264 with yuv420p needs even dimensions.
    if (!m || width % 2 || height % 2 || width > 7680 || height > 4320) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected WIDTHxHEIGHT with even numbers, e.g. 1280x720`);
      return { width: 1280, height: 720 };
    }
    return { width, height };
  }

  decimal(name: string, fallback: number, min: number, max: number): number {
    const raw = read(this.env, name);
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  }

  slots(name: string): number | 'auto' {
    const raw = read(this.env, name);
    if (raw === undefined) return 1;
    if (raw.toLowerCase() === 'auto') return 'auto';
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from 1 to 64, or auto`);
      return 1;
    }
    return Number(raw);
  }

  oneOf(name: string, fallback: string, allowed: readonly string[]): string {
    const raw = read(this.env, name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw;
  }
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

/**
 * Parses a `.env` file the way docker compose does for the simple cases people write: KEY=VALUE lines,
 * comments, optional quotes. Variables already in the environment win over the file.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)?\s*$/.exec(line);
    if (!m || !m[1]) continue;
    let value = (m[2] ?? '').trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

/** The environment as the service sees it: the optional `.env` file under the real environment. */
export function environmentWithDotEnv(env: Env, dotEnvPath = path.resolve('.env')): Env {
  if (!fs.existsSync(dotEnvPath)) return env;
  return { ...parseDotEnv(fs.readFileSync(dotEnvPath, 'utf8')), ...env };
}

export function loadConfig(env: Env, hostname = 'jibri'): Config {
  const r = new Reader(env);
  const { width, height } = r.resolution('JIBRI_RECORDING_RESOLUTION', '1280x720');
  const hiddenDomain = r.optional('XMPP_HIDDEN_DOMAIN') ?? r.optional('XMPP_RECORDER_DOMAIN') ?? 'hidden.meet.jitsi';
  const recorderPassword = r.optional('JIBRI_RECORDER_PASSWORD');
  const finalizeScript = r.optional('JIBRI_FINALIZE_RECORDING_SCRIPT_PATH');
  const token = r.optional('JIBRI_HTTP_API_TOKEN');

  const instanceId = r.text('JIBRI_INSTANCE_ID', hostname);
  const xmpp = readXmpp(r, instanceId);
  const config: Config = {
    instanceId,
    ...(xmpp ? { xmpp } : {}),
    http: {
      host: r.text('JIBRI_HTTP_API_EXTERNAL_HOST', '127.0.0.1'),
      port: r.int('JIBRI_HTTP_API_EXTERNAL_PORT', 2222, 0, 65535),
      ...(token ? { token } : {}),
    },
    recording: {
      dir: path.resolve(r.text('JIBRI_RECORDING_DIR', '/config/recordings')),
      ...(finalizeScript ? { finalizeScript } : {}),
      finalizeTimeoutSec: r.int('JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT', 3600, 0, 7 * 24 * 3600),
    },
    encoding: {
      width,
      height,
      framerate: r.int('JIBRI_RECORDING_FRAMERATE', 30, 1, 60),
      crf: r.int('JIBRI_RECORDING_CONSTANT_RATE_FACTOR', 25, 0, 51),
      presetRecording: r.oneOf('JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', 'ultrafast', X264_PRESETS),
      queueSize: r.int('JIBRI_RECORDING_QUEUE_SIZE', 4096, 8, 1 << 20),
      audioDelayMs: r.int('JIBRI_RECORDING_AUDIO_DELAY_MS', 10, -500, 500),
    },
    streaming: readStreaming(r),
    call: {
      joinTimeoutSec: r.int('JIBRI_CALL_JOIN_TIMEOUT', 30, 1, 600),
      emptyTimeoutSec: r.int('JIBRI_CALL_EMPTY_TIMEOUT', 30, 0, 24 * 3600),
      allMutedTimeoutSec: r.int('JIBRI_ALL_MUTED_TIMEOUT', 600, 0, 24 * 3600),
      noMediaTimeoutSec: r.int('JIBRI_NO_MEDIA_TIMEOUT', 180, 0, 24 * 3600),
      iceTimeoutSec: r.int('JIBRI_ICE_CONNECTION_TIMEOUT', 30, 0, 24 * 3600),
      checkIntervalSec: r.int('JIBRI_CALL_STATUS_CHECK_INTERVAL', 5, 1, 300),
      usageTimeoutSec: r.int('JIBRI_USAGE_TIMEOUT', 0, 0, 30 * 24 * 3600),
    },
    browser: {
      chromiumPath: r.text('JIBRI_CHROMIUM_PATH', '/usr/bin/chromium'),
      extraFlags: (r.optional('CHROMIUM_FLAGS') ?? '').split(',').map((f) => f.trim()).filter(Boolean),
      ignoreCertificateErrors: r.bool('IGNORE_CERTIFICATE_ERRORS', false),
      pageLoadTimeoutSec: r.int('JIBRI_PAGE_LOAD_TIMEOUT', 60, 1, 600),
    },
    capacity: {
      slots: r.slots('JIBRI_CONCURRENT_SESSIONS'),
      sessionCpuCores: r.decimal('JIBRI_SESSION_CPU_ESTIMATE', 0.6, 0.05, 64),
      sessionMemoryBytes: r.int('JIBRI_SESSION_MEMORY_ESTIMATE', 450, 50, 65536) * 1024 * 1024,
      cpuTarget: r.int('JIBRI_CPU_TARGET', 90, 10, 100) / 100,
    },
    kubernetes: readKubernetes(r),
    webhooks: readWebhooks(r),
    prometheus: r.bool('JIBRI_ENABLE_PROMETHEUS', false),
    lifecycle: {
      internalHost: r.text('JIBRI_HTTP_API_INTERNAL_HOST', '127.0.0.1'),
      internalPort: r.int('JIBRI_HTTP_API_INTERNAL_PORT', 3333, 0, 65535),
      singleUse: r.bool('JIBRI_SINGLE_USE_MODE', false),
    },
    ...(recorderPassword
      ? { recorderLogin: { domain: hiddenDomain, username: r.text('JIBRI_RECORDER_USER', 'recorder'), password: recorderPassword } }
      : {}),
    ffmpegPath: r.text('JIBRI_FFMPEG_PATH', 'ffmpeg'),
    logLevel: r.oneOf('JIBRI_LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug']),
  };
  if (r.problems.length) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

function readWebhooks(r: Reader): WebhookConfig {
  const subscribers: string[] = [];
  for (const raw of (r.optional('JIBRI_WEBHOOK_SUBSCRIBERS') ?? '').split(',').map((u) => u.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) r.problems.push(`JIBRI_WEBHOOK_SUBSCRIBERS: ${JSON.stringify(raw.slice(0, 100))} is not an http(s) URL`);
    else subscribers.push(raw.replace(/\/+$/, ''));
  }
  const signingKeyPath = r.optional('JIBRI_JWT_SIGNING_KEY_PATH');
  const ttlSec = r.int('JIBRI_JWT_TTL', 3600, 600, 30 * 24 * 3600);
  if (!signingKeyPath) return { subscribers };
  const [kid, issuer, audience] = ['JIBRI_JWT_KID', 'JIBRI_JWT_ISSUER', 'JIBRI_JWT_AUDIENCE'].map((name) => {
    const v = r.optional(name);
    if (!v) r.problems.push(`${name} is required with JIBRI_JWT_SIGNING_KEY_PATH (the token needs kid, iss and aud, as Jibri's jwt-info)`);
    return v ?? '';
  }) as [string, string, string];
  return { subscribers, jwt: { signingKeyPath, kid, issuer, audience, ttlSec } };
}

function readKubernetes(r: Reader): KubernetesConfig {
  const apiHost = r.optional('KUBERNETES_SERVICE_HOST');
  const podName = r.optional('POD_NAME');
  const podNamespace = r.optional('POD_NAMESPACE');
  return {
    ...(apiHost ? { apiHost } : {}),
    apiPort: r.int('KUBERNETES_SERVICE_PORT', 443, 1, 65535),
    ...(podName ? { podName } : {}),
    ...(podNamespace ? { podNamespace } : {}),
  };
}

function readStreaming(r: Reader): StreamingConfig {
  const rawRate = r.text('JIBRI_RECORDING_STREAMING_MAX_BITRATE', '2976k');
  const rate = /^(\d{2,6})k?$/i.exec(rawRate);
  if (!rate) r.problems.push(`JIBRI_RECORDING_STREAMING_MAX_BITRATE=${JSON.stringify(rawRate)}: expected kbit/s such as 2976k`);
  const allowList = (r.optional('JIBRI_STREAMING_RTMP_ALLOW_LIST') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of allowList) {
    try {
      new RegExp(p);
    } catch (err) {
      r.problems.push(`JIBRI_STREAMING_RTMP_ALLOW_LIST: ${JSON.stringify(p)} is not a regular expression (${(err as Error).message})`);
    }
  }
  return {
    preset: r.oneOf('JIBRI_RECORDING_VIDEO_ENCODE_PRESET_STREAMING', 'veryfast', X264_PRESETS),
    maxBitrateKbps: rate ? Number(rate[1]) : 2976,
    gopSize: r.int('JIBRI_RECORDING_STREAMING_GOP_SIZE', 60, 1, 600),
    allowList,
    retryTimeoutSec: r.int('JIBRI_STREAMING_RETRY_TIMEOUT', 60, 0, 24 * 3600),
    localCopy: r.bool('JIBRI_STREAMING_LOCAL_COPY', false),
  };
}

/** `host`, `host:port` or `[v6]:port`; the port falls back to XMPP_PORT. */
export function parseXmppServers(raw: string, defaultPort: number): XmppServer[] | string {
  const servers: XmppServer[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = m?.[2] ? Number(m[2]) : defaultPort;
    if (!m?.[1] || port < 1 || port > 65535) return `"${entry}" is not host or host:port`;
    servers.push({ host: m[1].replace(/^\[|\]$/g, ''), port, id: entry });
  }
  return servers.length ? servers : 'no server listed';
}

function readXmpp(r: Reader, nickname: string): XmppConfig | undefined {
  const raw = r.optional('XMPP_SERVER');
  const defaultPort = r.int('XMPP_PORT', 5222, 1, 65535);
  const trustAllCerts = r.bool('XMPP_TRUST_ALL_CERTS', true);
  if (raw === undefined) return undefined;
  const servers = parseXmppServers(raw, defaultPort);
  if (typeof servers === 'string') {
    r.problems.push(`XMPP_SERVER=${JSON.stringify(raw)}: ${servers}; expected a comma-separated list of host or host:port`);
    return undefined;
  }
  const password = r.optional('JIBRI_XMPP_PASSWORD');
  if (!password) r.problems.push('JIBRI_XMPP_PASSWORD is not set: with XMPP_SERVER, the control login needs its password');
  const mucDomain = r.text('XMPP_MUC_DOMAIN', 'muc.meet.jitsi');
  // docker-jitsi-meet writes strip-from-room-domain = "<JIBRI_STRIP_DOMAIN_JID>.".
  const strip = r.optional('JIBRI_STRIP_DOMAIN_JID') ?? mucDomain.split('.')[0] ?? '';
  const publicUrl = r.optional('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl && !/^https?:\/\/[^/\s#?]+/.test(publicUrl)) r.problems.push(`PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an http(s) URL such as https://meet.example.com`);
  return {
    servers,
    authDomain: r.text('XMPP_AUTH_DOMAIN', 'auth.meet.jitsi'),
    username: r.text('JIBRI_XMPP_USER', 'jibri'),
    password: password ?? '',
    breweryJid: `${r.text('JIBRI_BREWERY_MUC', 'jibribrewery')}@${r.text('XMPP_INTERNAL_MUC_DOMAIN', 'internal-muc.meet.jitsi')}`.toLowerCase(),
    nickname,
    xmppDomain: r.text('XMPP_DOMAIN', 'meet.jitsi'),
    stripFromRoomDomain: strip ? `${strip}.` : '',
    ...(publicUrl ? { publicUrl } : {}),
    trustAllCerts,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
