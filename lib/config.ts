/**
 * The one place that reads configuration. Names follow docker-jitsi-meet, so its `.env` works unchanged,
 * and Jibri's own `jibri.conf` (HOCON) is read too, so a Debian user's file works unchanged. Precedence:
 * a setting's default < JIBRI_DEFAULTS_CONFIG_FILE (the Debian package's) < jibri.conf < the environment <
 * custom-jibri.conf (as docker-jitsi-meet, which includes it after the jibri.conf it writes from the environment).
 *
 * Every variable is declared once in SETTINGS with its default (the only place a default is written), the
 * jibri.conf key that also sets it, and what it means; SETTINGS feeds the table of docs/CONFIGURATION.md and `.env.example`,
 * so they cannot drift apart. Everything is read, validated and defaulted once; the rest of the program
 * gets a frozen Config and never touches process.env. Every secret setting may instead be given as a
 * file, NAME_FILE (the docker-secrets convention), read once here: a secret then never sits in the
 * environment, where children and /proc/<pid>/environ would see it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, environmentWithDotEnv, parseAllowedHosts, parseDotEnv, parseXmppServers, readSecretFiles, withSecretFiles, type AllowedHost, type Setting, type XmppServer } from '@jibri-ts/common';
import { DURATION_FORMS, parseDuration, type BareUnit } from './config/duration';
import { isHoconObject, leafKeys, parseConfigFiles, valueAt, type ConfigFileTree, type HoconObject, type HoconValue } from './config/jibri-conf';
import { jibriUsageTimeout } from './config/usage-timeout';
import { ignoredVariables } from './config/ignored-env';

export interface HttpConfig {
  host: string;
  port: number;
  /** When set, every endpoint but health needs `Authorization: Bearer <token>`, and health's details need it too. */
  token?: string;
  /** The operator's explicit choice of an API without a token on a non-loopback address. */
  allowOpen: boolean;
  /** Server-Sent Events streams open at once; one more is answered 503. */
  maxEventStreams: number;
  /** Both HTTP servers speak TLS only, with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

export interface EncodingConfig {
  width: number;
  height: number;
  framerate: number;
  crf: number;
  presetRecording: string;
  queueSize: number;
  /** The sound's own path from the page to the capture; the picture's is measured in every session. */
  audioLatencyMs: number;
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
  /** PEM text of extra certificate authorities trusted for rtmps:// ingests (JIBRI_STREAMING_RTMPS_CA_FILE). */
  rtmpsExtraCa?: string;
  /** JIBRI_STREAMING_PUBLIC_ONLY: ingests only on public addresses, and the hosts in `allowed` (JIBRI_STREAMING_ALLOWED_HOSTS). */
  publicOnly?: { allowed: AllowedHost[] };
}

/** Joining the conference and Jibri's call-status checks, in seconds (0 turns a check off). */
export interface CallConfig {
  joinTimeoutSec: number;
  emptyTimeoutSec: number;
  allMutedTimeoutSec: number;
  noMediaTimeoutSec: number;
  iceTimeoutSec: number;
  checkIntervalSec: number;
  /** Longest an HTTP-started session may run (JIBRI_HTTP_USAGE_TIMEOUT); 0 = no limit, as Jibri. XMPP sessions take their environment's. */
  usageTimeoutSec: number;
}

export interface RecordingConfig {
  dir: string;
  finalizeScript?: string;
  finalizeTimeoutSec: number;
  /** Names of further environment variables the finalize script gets (e.g. its upload credentials). */
  finalizeScriptEnv: string[];
  /** Disk space kept for each running session and the next one; admission refuses a further start below it. */
  sessionDiskBytes: number;
}

/**
 * Where finished recordings go (lib/delivery): an S3-compatible bucket when `s3` is set, else they stay
 * local; either way a "recording ready" event follows. Durations in seconds.
 */
export interface UploadConfig {
  s3?: {
    bucket: string;
    region: string;
    /** Any S3-compatible server; AWS when absent. */
    endpoint?: string;
    /** Both or neither; without them the SDK's usual credential chain applies. */
    accessKeyId?: string;
    secretAccessKey?: string;
    /** Put in front of every object key, e.g. "recordings/". */
    prefix: string;
    forcePathStyle: boolean;
  };
  /** How long a pre-signed GET link in the "recording ready" event stays valid. */
  linkTtlSec: number;
  /** Keep the local copy once the objects are verified (retention may still remove it later). */
  keepLocal: boolean;
  /** Uploaded local copies older than this are removed; 0 keeps them. */
  retentionSec: number;
  /** First wait after a failed attempt; it doubles up to 15 minutes. */
  retryDelaySec: number;
  /** An attempt that makes no progress for this long is abandoned and retried. */
  stallTimeoutSec: number;
  /** JIBRI_UPLOAD_PUBLIC_ONLY: the store only on public addresses, and the hosts in `allowed` (JIBRI_UPLOAD_ALLOWED_HOSTS). */
  publicOnly?: { allowed: AllowedHost[] };
  /**
   * JIBRI_RECORDINGS_HANDOFF: finished recordings are taken off the recorder through its API; each stays
   * (files and journal entry) until it is taken, whatever keepLocal and retentionSec say.
   */
  handoff: boolean;
  /** JIBRI_EXIT_DELIVERY_WAIT: how long an exit (not SIGINT) waits for the queue, once the sessions are finalized; 0 = not at all. */
  exitWaitSec: number;
}

export interface BrowserConfig {
  chromiumPath: string;
  /**
   * CHROMIUM_FLAGS (or jibri.conf's chrome.flags): when set, it replaces the recorder's own flag list, as
   * in docker-jitsi-meet; the few flags the recorder cannot work without are still added (browser.ts).
   */
  flags?: string[];
  /** Adds --ignore-certificate-errors to the recorder's own list; not applied when `flags` replaces it. */
  ignoreCertificateErrors: boolean;
  pageLoadTimeoutSec: number;
  /** JIBRI_CHROMIUM_SANDBOX: auto (wherever the host allows), on, off. */
  sandbox: 'auto' | 'on' | 'off';
  /**
   * JIBRI_BROWSER_PUBLIC_ONLY: every connection of the browser goes through the recorder's filtering proxy,
   * which reaches public addresses only, and the hosts in `allowed` (JIBRI_BROWSER_ALLOWED_HOSTS).
   */
  publicOnly?: { allowed: AllowedHost[] };
}

export interface RecorderLogin {
  domain: string;
  username: string;
  password: string;
  /** Jibri's randomize-username: the browser logs in as `<username>-<8 random characters>`. */
  randomizeUsername?: boolean;
}

/**
 * One of Jibri's XMPP environments: a Jitsi deployment this recorder serves. docker-jitsi-meet's variables
 * describe one; jibri.conf's `jibri.api.xmpp.environments` may list several, each with its own servers,
 * logins, brewery, URL rules and usage timeout.
 */
export interface XmppEnvironment {
  /** Jibri's environment name; with the server entry it names where a session came from. */
  name: string;
  servers: XmppServer[];
  /** Control login: username@authDomain (Jibri's control-login). */
  authDomain: string;
  username: string;
  password: string;
  /** The brewery (control-muc): room@domain, lower case. */
  breweryJid: string;
  nickname: string;
  /** For call URLs: the XMPP domain, the prefix stripped from room domains, and the public base URL. */
  xmppDomain: string;
  stripFromRoomDomain: string;
  publicUrl?: string;
  trustAllCerts: boolean;
  /** The browser's login for sessions from this environment (Jibri's call-login). */
  callLogin?: RecorderLogin;
  /** Longest a session started from this environment may run, in whole minutes as Jibri keeps it; 0 = no limit. */
  usageTimeoutSec: number;
}

/**
 * How many sessions run side by side, and what admission assumes one costs until it has measured its own.
 * `slots` is the number of brewery occupants per environment and server; the first session is always
 * taken, admission may refuse later ones.
 */
export interface CapacityConfig {
  slots: number | 'auto';
  sessionCpuCores: number;
  sessionMemoryBytes: number;
  /** What an audio-only session is assumed to take until measured (no screen capture, no video encode). */
  audioOnlyCpuCores: number;
  /** Share of the host's CPU (0..1) that background load plus planned sessions may take. */
  cpuTarget: number;
  /** Resident memory one session's media worker may use, in MB; beyond it that session fails, alone. */
  workerMemoryMb: number;
}

/** The process's life: Jibri's internal API, and single-use mode. */
export interface LifecycleConfig {
  internalHost: string;
  internalPort: number;
  /** The internal API takes the HTTP API's token too (JIBRI_HTTP_API_INTERNAL_AUTH; off, as Jibri, by default). */
  internalToken?: string;
  singleUse: boolean;
  /** JIBRI_SHUTDOWN_AT, ms since the epoch: the recorder does Jibri's shutdown by itself then (the fleet's paid end). */
  shutdownAtMs?: number;
}

/** Jibri's webhooks: where status goes, and the optional RS256 token that proves who sent it. */
export interface WebhookConfig {
  subscribers: string[];
  jwt?: { signingKeyPath: string; kid: string; issuer: string; audience: string; ttlSec: number };
}

/** Jibri's StatsD counters (prefix `jibri`), on by default as in Jibri. */
export interface StatsdConfig {
  enabled: boolean;
  host: string;
  port: number;
}

/** The Jitsi autoscaler, reported to as its sidecar does (lib/status/autoscaler.ts); absent without AUTOSCALER_URL. */
export interface AutoscalerConfig {
  url: string;
  keyFile: string;
  /** The ASAP token's `kid`; from AUTOSCALER_SIDECAR_KEY_ID, else the key file's name without `.pem`. */
  keyId: string;
  /** AUTOSCALER_SIDECAR_INSTANCE_ID, else a new `jibri-<nanoseconds>` at every start (docker-jitsi-meet's image). */
  instanceId: string;
  groupName: string;
  region: string;
  hostId: string;
  environment: string;
  privateIp: string;
  version: string;
  shutdownPollingSec: number;
  statsPollingSec: number;
  /** Longest a drain the autoscaler's shutdown started may take; then the sessions are stopped and finalized. */
  drainTimeoutSec: number;
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
  /** Jibri's XMPP environments; empty when none is configured: the service then runs HTTP-only. */
  xmppEnvironments: XmppEnvironment[];
  /** Seconds between XMPP pings on every connection (Jibri: 30 s); a ping unanswered drops the connection. */
  xmppPingIntervalSec: number;
  /** How long an XMPP server may stay unreachable (or refuse the login) before health says UNHEALTHY. */
  xmppUnreachableGraceSec: number;
  /** JIBRI_XMPP_AUDIO_ONLY: Jicofo's file recordings record the meeting's sound alone (an `.m4a`). */
  xmppAudioOnly: boolean;
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
  /** The browser's call login for HTTP requests that bring none (JIBRI_RECORDER_USER at XMPP_HIDDEN_DOMAIN). */
  recorderLogin?: RecorderLogin;
  /**
   * The operator's own meeting origins (PUBLIC_URL, https://XMPP_DOMAIN, each environment's base URL and
   * domain, JIBRI_CALL_LOGIN_ALLOWED_ORIGINS): the only ones recorderLogin is handed to.
   */
  recorderLoginOrigins: string[];
  ffmpegPath: string;
  logLevel: string;
  /** JIBRI_LOG_FORMAT: one line per event, or one JSON object per line. */
  logFormat: 'text' | 'json';
  /** The configuration files that were read, in order. */
  files: string[];
  /** What the operator should know about the configuration, logged once at start (each a line). */
  warnings: string[];
}

type Env = Record<string, string | undefined>;

// The shared settings reader (@jibri-ts/common, used by the fleet too) is part of this module's API.
export { ConfigError, environmentWithDotEnv, parseDotEnv, parseXmppServers, readSecretFiles, withSecretFiles, type Setting, type XmppServer };

const DURATION_NOTE = 'a duration: "90 seconds", "10 minutes", "1 hour"; a bare number is seconds';

export const SETTINGS: readonly Setting[] = withSecretFiles([
  { name: 'JIBRI_DEFAULTS_CONFIG_FILE', default: '', group: 'Configuration files', description: 'A HOCON file of defaults read before JIBRI_CONFIG_FILE: its keys give way to jibri.conf, custom-jibri.conf and the environment (the Debian package points it at /usr/share/jibri-ts/defaults.conf)' },
  { name: 'JIBRI_CONFIG_FILE', default: '/etc/jitsi/jibri/jibri.conf', group: 'Configuration files', description: "Jibri's HOCON configuration file; read when it exists (set it to /dev/null to read none); environment variables win over its keys" },
  { name: 'JIBRI_CUSTOM_CONFIG_FILE', default: '/config/custom-jibri.conf', group: 'Configuration files', description: "docker-jitsi-meet's override file, read after JIBRI_CONFIG_FILE when it exists; its keys win over the environment too, as in docker-jitsi-meet" },
  { name: 'JIBRI_INSTANCE_ID', default: '', group: 'Identity', description: 'Name of this recorder (brewery nickname, webhooks); defaults to the host name', hocon: 'jibri.id' },
  { name: 'JIBRI_HTTP_API_EXTERNAL_HOST', default: '127.0.0.1', group: 'HTTP API', description: 'Address the HTTP API binds to; a comma-separated list binds the first one that is an address of this host', hocon: 'jibri.api.http.external-api-host' },
  { name: 'JIBRI_HTTP_API_EXTERNAL_PORT', default: '2222', group: 'HTTP API', description: 'Port of the HTTP API', hocon: 'jibri.api.http.external-api-port' },
  { name: 'JIBRI_HTTP_API_TOKEN', default: '', group: 'HTTP API', description: 'If set, every endpoint but health requires "Authorization: Bearer <token>", and so do health\'s session details; required when the API is not on loopback', secret: true },
  { name: 'JIBRI_HTTP_API_ALLOW_OPEN', default: 'false', group: 'HTTP API', description: 'Start even with the API on a non-loopback address and no JIBRI_HTTP_API_TOKEN (anyone who reaches it can start and stop recordings)' },
  { name: 'JIBRI_HTTP_API_MAX_EVENT_STREAMS', default: '16', group: 'HTTP API', description: 'Event streams (GET /events) open at once; one more is answered 503' },
  { name: 'JIBRI_HTTP_API_INTERNAL_HOST', default: '127.0.0.1', group: 'HTTP API', description: 'Address of the internal API (gracefulShutdown, notifyConfigChanged, shutdown); keep it on loopback (elsewhere it needs JIBRI_HTTP_API_INTERNAL_AUTH); a comma-separated list binds the first one that is an address of this host', hocon: 'jibri.api.http.internal-api-host' },
  { name: 'JIBRI_HTTP_API_INTERNAL_PORT', default: '3333', group: 'HTTP API', description: 'Port of the internal API', hocon: 'jibri.api.http.internal-api-port' },
  { name: 'JIBRI_HTTP_API_TLS_CERT_FILE', default: '', group: 'HTTP API', description: 'PEM certificate (chain): with JIBRI_HTTP_API_TLS_KEY_FILE, the HTTP API and the internal API speak HTTPS only (the fleet\'s swarm recorders get one from the fleet\'s own CA)' },
  { name: 'JIBRI_HTTP_API_TLS_KEY_FILE', default: '', group: 'HTTP API', description: 'PEM private key of JIBRI_HTTP_API_TLS_CERT_FILE' },
  { name: 'JIBRI_HTTP_API_INTERNAL_AUTH', default: 'false', group: 'HTTP API', description: 'The internal API requires JIBRI_HTTP_API_TOKEN too (off by default: Jibri\'s scripts call it with plain curl; the fleet turns it on)' },
  { name: 'JIBRI_CONCURRENT_SESSIONS', default: '1', group: 'Capacity', description: 'Sessions this recorder runs at once, each its own brewery occupant <JIBRI_INSTANCE_ID>-<n>; "auto" sizes it from the host' },
  { name: 'JIBRI_SESSION_CPU_ESTIMATE', default: 'auto', group: 'Capacity', description: 'CPU cores one session is assumed to take until the recorder has measured its own sessions; auto: what npm run bench measured for a 4-participant meeting at the recording resolution and frame rate (docs/MEETING-COST.md)' },
  { name: 'JIBRI_SESSION_AUDIO_ONLY_CPU_ESTIMATE', default: '0.3', group: 'Capacity', description: 'CPU cores one audio-only session (no screen capture, no video encode) is assumed to take until the recorder has measured its own; learned apart from full sessions' },
  {
    name: 'JIBRI_SESSION_WORKER_MEMORY_LIMIT',
    default: '512',
    group: 'Capacity',
    description: "Memory in MB that one session's media worker (its encoder's supervision, stream relay and publishers) may take; beyond it that session fails and the others go on",
  },
  { name: 'JIBRI_SESSION_MEMORY_ESTIMATE', default: '450', group: 'Capacity', description: 'Memory in MB one session is assumed to take until measured' },
  { name: 'JIBRI_CPU_TARGET', default: '90', group: 'Capacity', description: 'Percent of the host CPU that other load plus this recorder\'s sessions may take; a second or later session beyond it is refused (the first is always taken)' },
  { name: 'JIBRI_SINGLE_USE_MODE', default: 'false', group: 'Capacity', description: 'After one session per slot the recorder is EXPIRED and takes no more (as Jibri\'s single-use-mode)', hocon: 'jibri.single-use-mode' },
  { name: 'JIBRI_RECORDING_DIR', default: '/storage/recordings', group: 'Recording', description: 'Folder that holds one sub-folder per session (docker-jitsi-meet\'s layout; an older /config/recordings volume is still used when it is the one mounted)', hocon: 'jibri.recording.recordings-directory' },
  { name: 'JIBRI_FINALIZE_RECORDING_SCRIPT_PATH', default: '', group: 'Recording', description: 'Script run with the session folder as its only argument after each recording (e.g. /config/finalize.sh); one without its executable bit is run with sh', hocon: 'jibri.recording.finalize-script' },
  { name: 'JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT', default: '1 hour', group: 'Recording', description: `After this a finalize script that has not ended is killed (0 = never); ${DURATION_NOTE}` },
  { name: 'JIBRI_FINALIZE_RECORDING_SCRIPT_ENV', default: '', group: 'Recording', description: 'Comma-separated names of further environment variables the finalize script gets, e.g. its upload credentials (it gets PATH, HOME, LANG, TZ and the like, never the service\'s own secrets)' },
  { name: 'JIBRI_SESSION_DISK_ESTIMATE', default: '2048', group: 'Recording', description: 'Disk space in MB kept free for each running session and for the next one: while a session runs, a further start that would leave less is refused, so a full disk stops new sessions before it breaks a running one' },
  { name: 'JIBRI_UPLOAD_S3_BUCKET', default: '', group: 'Upload', description: 'Bucket that every finished recording is uploaded to (S3 or any S3-compatible store); empty = recordings stay local' },
  { name: 'JIBRI_UPLOAD_S3_REGION', default: 'us-east-1', group: 'Upload', description: 'Region of the bucket' },
  { name: 'JIBRI_UPLOAD_S3_ENDPOINT', default: '', group: 'Upload', description: 'URL of an S3-compatible server (Ceph RGW, MinIO, ...); empty = AWS' },
  { name: 'JIBRI_UPLOAD_S3_ACCESS_KEY_ID', default: '', group: 'Upload', description: 'Access key; empty = the AWS SDK\'s usual chain (AWS_* variables, profile, instance or pod role)' },
  { name: 'JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY', default: '', group: 'Upload', description: 'Secret key that goes with JIBRI_UPLOAD_S3_ACCESS_KEY_ID', secret: true },
  { name: 'JIBRI_UPLOAD_S3_PREFIX', default: '', group: 'Upload', description: 'Put in front of every object key: <prefix><session folder>/<file name>' },
  { name: 'JIBRI_UPLOAD_S3_FORCE_PATH_STYLE', default: 'false', group: 'Upload', description: 'Address the bucket as <endpoint>/<bucket> instead of <bucket>.<endpoint> (most self-hosted servers need true)' },
  { name: 'JIBRI_UPLOAD_LINK_TTL', default: '24 hours', group: 'Upload', description: `How long the pre-signed GET links of the "recording ready" event stay valid (at most 7 days, S3's limit); ${DURATION_NOTE}` },
  { name: 'JIBRI_UPLOAD_KEEP_LOCAL', default: 'true', group: 'Upload', description: 'Keep the local copy once its objects are verified; false removes it then' },
  { name: 'JIBRI_RECORDINGS_RETENTION', default: '0', group: 'Upload', description: `Uploaded local copies older than this are removed, e.g. "7 days"; a copy that is not uploaded is never removed; 0 = keep; ${DURATION_NOTE}` },
  { name: 'JIBRI_UPLOAD_RETRY_DELAY', default: '5 seconds', group: 'Upload', description: `Wait before the first retry of a failed upload; it doubles up to 15 minutes, and an upload is retried as long as its file exists; ${DURATION_NOTE}` },
  { name: 'JIBRI_UPLOAD_STALL_TIMEOUT', default: '60 seconds', group: 'Upload', description: `An upload that makes no progress for this long is abandoned and retried (a store that hangs); ${DURATION_NOTE}` },
  { name: 'JIBRI_UPLOAD_PUBLIC_ONLY', default: 'false', group: 'Upload', description: 'Upload only to a store on a public address: every connection to it resolves the endpoint once and refuses loopback, private, link-local (cloud metadata) and other internal addresses (the on-demand fleet sets it: its customers choose the endpoint)' },
  { name: 'JIBRI_UPLOAD_ALLOWED_HOSTS', default: '', group: 'Upload', description: 'host or host:port list of stores reached although on loopback or private addresses, with JIBRI_UPLOAD_PUBLIC_ONLY' },
  { name: 'JIBRI_RECORDINGS_HANDOFF', default: 'false', group: 'Upload', description: 'Finished recordings are taken off this recorder through its API (GET /recordings, their files, DELETE /recordings/{id}): each stays, files and journal entry, until it is taken, whatever JIBRI_UPLOAD_KEEP_LOCAL and JIBRI_RECORDINGS_RETENTION say (the on-demand fleet sets it)' },
  { name: 'JIBRI_EXIT_DELIVERY_WAIT', default: '0', group: 'Upload', description: `At a shutdown or drain (not SIGINT), once every session is finalized, stay up at most this long for the recordings still to upload (with JIBRI_RECORDINGS_HANDOFF, until each is taken), out of the brewery and taking no session; 0 = exit at once (uploads resume at the next start); ${DURATION_NOTE}` },
  { name: 'JIBRI_RECORDING_RESOLUTION', default: '1280x720', group: 'Encoding', description: 'Size of the virtual screen and of the video, WIDTHxHEIGHT', hocon: 'jibri.ffmpeg.resolution' },
  { name: 'JIBRI_RECORDING_FRAMERATE', default: '30', group: 'Encoding', description: 'Frames per second captured and encoded', hocon: 'jibri.ffmpeg.framerate' },
  { name: 'JIBRI_RECORDING_CONSTANT_RATE_FACTOR', default: '25', group: 'Encoding', description: 'x264 CRF (0-51, lower is better quality and larger files)', hocon: 'jibri.ffmpeg.h264-constant-rate-factor' },
  { name: 'JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', default: 'ultrafast', group: 'Encoding', description: 'x264 preset for file recordings', hocon: ['jibri.ffmpeg.video-encode-preset', 'jibri.ffmpeg.video-encode-preset-recording'] },
  { name: 'JIBRI_RECORDING_QUEUE_SIZE', default: '4096', group: 'Encoding', description: 'ffmpeg -thread_queue_size of each capture input', hocon: 'jibri.ffmpeg.queue-size' },
  { name: 'JIBRI_RECORDING_AUDIO_LATENCY_MS', default: '0', group: 'Encoding', description: 'Milliseconds from the page playing a sound to its capture that the capture\'s own timestamps do not account for (0 with PulseAudio here); the picture\'s delay is measured in every session and the sound moved by the difference. npm run bench measures both' },
  { name: 'JIBRI_FFMPEG_PATH', default: 'ffmpeg', group: 'Encoding', description: 'The ffmpeg binary (a name on PATH or a path)', hocon: 'jibri.ffmpeg.ffmpeg-binary' },
  { name: 'JIBRI_RECORDING_VIDEO_ENCODE_PRESET_STREAMING', default: 'veryfast', group: 'Streaming', description: 'x264 preset for live streams', hocon: ['jibri.ffmpeg.video-encode-preset', 'jibri.ffmpeg.video-encode-preset-streaming'] },
  { name: 'JIBRI_RECORDING_STREAMING_MAX_BITRATE', default: '2976k', group: 'Streaming', description: 'Highest video bitrate of a stream (x264 -maxrate; the buffer is twice this), e.g. 2976k or 4500k', hocon: 'jibri.ffmpeg.streaming-max-bitrate' },
  { name: 'JIBRI_RECORDING_STREAMING_GOP_SIZE', default: '60', group: 'Streaming', description: 'Frames between key frames of a stream', hocon: 'jibri.ffmpeg.gop-size' },
  { name: 'JIBRI_STREAMING_RTMP_ALLOW_LIST', default: '', group: 'Streaming', description: 'Comma-separated regular expressions; a stream URL must fully match one (empty = any URL)', hocon: 'jibri.streaming.rtmp-allow-list' },
  { name: 'JIBRI_STREAMING_RETRY_TIMEOUT', default: '60 seconds', group: 'Streaming', description: `How long an ingest that dropped mid-stream is retried before the session fails (0 = fail at once, as Jibri); ${DURATION_NOTE}` },
  {
    name: 'JIBRI_EXTRA_OUTPUTS',
    default: '',
    group: 'Streaming',
    description: 'Comma-separated output kinds added to every session, HTTP and XMPP alike (file: every session also records; a kind this recorder does not have stops the start)',
  },
  { name: 'JIBRI_STREAMING_LOCAL_COPY', default: 'false', group: 'Streaming', description: 'Also record every stream to a file in JIBRI_RECORDING_DIR, from the same encode' },
  { name: 'JIBRI_STREAMING_PUBLIC_ONLY', default: 'false', group: 'Streaming', description: 'Stream only to ingests on public addresses: each ingest\'s host is resolved, every address checked as the fleet\'s outbound guard does (loopback, private, link-local, CGNAT, unique-local... refused) and the connection made to the checked address. The on-demand fleet sets it' },
  { name: 'JIBRI_STREAMING_ALLOWED_HOSTS', default: '', group: 'Streaming', description: 'With JIBRI_STREAMING_PUBLIC_ONLY: host or host:port list of ingests allowed although loopback or private' },
  { name: 'JIBRI_STREAMING_RTMPS_CA_FILE', default: '', group: 'Streaming', description: "PEM file of certificate authorities trusted for rtmps:// ingests besides the system's (a private CA); certificates are always verified" },
  { name: 'JIBRI_CHROMIUM_PATH', default: '/usr/bin/chromium', group: 'Browser', description: 'The Chromium binary the recorder drives' },
  { name: 'JIBRI_CHROMIUM_SANDBOX', default: 'auto', group: 'Browser', description: 'Chromium\'s sandbox: auto runs it wherever the host allows (the recorder is not root and can create user namespaces; not in a default Docker container), on insists (the start fails where it cannot), off never (--no-sandbox, as docker-jitsi-meet\'s Jibri)' },
  { name: 'CHROMIUM_FLAGS', default: '', group: 'Browser', description: 'Comma-separated Chromium flags that replace the recorder\'s own list (as docker-jitsi-meet); --no-sandbox (unless the sandbox runs), --disable-dev-shm-usage, --autoplay-policy and the window position and size are always added', hocon: 'jibri.chrome.flags' },
  { name: 'IGNORE_CERTIFICATE_ERRORS', default: 'false', group: 'Browser', description: 'Let the browser accept self-signed certificates of the meeting (not applied when CHROMIUM_FLAGS is set, as docker-jitsi-meet)' },
  { name: 'JIBRI_BROWSER_PUBLIC_ONLY', default: 'false', group: 'Browser', description: 'The browser reaches public addresses only: every page, frame, script, WebSocket and request it makes goes through the recorder\'s filtering proxy, which refuses loopback, private, link-local (cloud metadata), CGNAT, unique-local and the like, as the fleet\'s outbound guard does (WebRTC media is not proxied; docs/SECURITY.md). The on-demand fleet always sets it' },
  { name: 'JIBRI_BROWSER_ALLOWED_HOSTS', default: '', group: 'Browser', description: 'With JIBRI_BROWSER_PUBLIC_ONLY: host or host:port list the browser may reach although loopback or private (e.g. a meeting served on the private network)' },
  { name: 'JIBRI_PAGE_LOAD_TIMEOUT', default: '60 seconds', group: 'Browser', description: `How long the meeting page may take to load; ${DURATION_NOTE}` },
  { name: 'JIBRI_CALL_JOIN_TIMEOUT', default: '30 seconds', group: 'Call checks', description: `How long the page may take to join the conference before the start fails; ${DURATION_NOTE}` },
  { name: 'JIBRI_CALL_EMPTY_TIMEOUT', default: '30 seconds', group: 'Call checks', description: `Time alone in the call (hidden participants do not count) before the session ends normally (0 = never); ${DURATION_NOTE}`, hocon: 'jibri.call-status-checks.default-call-empty-timeout' },
  { name: 'JIBRI_ALL_MUTED_TIMEOUT', default: '10 minutes', group: 'Call checks', description: `Time with every participant muted before the session ends normally (0 = never); ${DURATION_NOTE}`, hocon: 'jibri.call-status-checks.all-muted-timeout' },
  { name: 'JIBRI_NO_MEDIA_TIMEOUT', default: '3 minutes', group: 'Call checks', description: `Time without received media before the session fails (0 = never); ${DURATION_NOTE}`, hocon: 'jibri.call-status-checks.no-media-timeout' },
  { name: 'JIBRI_ICE_CONNECTION_TIMEOUT', default: '30 seconds', group: 'Call checks', description: `Time without an ICE connection, while others are there, before the session fails (0 = never); ${DURATION_NOTE}`, hocon: 'jibri.call-status-checks.ice-connection-timeout' },
  {
    name: 'JIBRI_USAGE_TIMEOUT',
    default: '0',
    group: 'Call checks',
    description:
      'Longest a session Jicofo starts from the environment the XMPP_* variables describe may run, read as Jibri reads its usage-timeout (jibri.conf environments have their own): whole minutes, so under a minute is no limit, and a bare number is milliseconds (docker-jitsi-meet writes it into jibri.conf as it is), so write a unit, e.g. "1 hour"; 0 = no limit. HTTP-started sessions are not limited by it',
  },
  { name: 'JIBRI_HTTP_USAGE_TIMEOUT', default: '0', group: 'Call checks', description: `Longest an HTTP-started session may run (0 = no limit, as Jibri, whose HTTP API has none); ${DURATION_NOTE}` },
  { name: 'JIBRI_SHUTDOWN_AT', default: '', group: 'Call checks', description: 'An instant (ISO 8601 with its time zone, e.g. 2026-03-01T12:00:00Z) at which the recorder shuts down by itself as Jibri\'s internal shutdown does: running sessions are stopped and finalized (Jicofo gets "off"), none starts any more, and it exits with 255. The on-demand fleet sets it to the end of a deployment\'s paid time' },
  { name: 'JIBRI_CALL_STATUS_CHECK_INTERVAL', default: '5 seconds', group: 'Call checks', description: `Time between call-status checks (Jibri: 15 seconds; a check costs a few milliseconds); ${DURATION_NOTE}` },
  { name: 'XMPP_HIDDEN_DOMAIN', default: 'hidden.meet.jitsi', group: 'Call login', description: 'Domain of the recorder account the browser joins with (XMPP_RECORDER_DOMAIN is still read)' },
  { name: 'XMPP_RECORDER_DOMAIN', default: '', group: 'Call login', description: 'Older name of XMPP_HIDDEN_DOMAIN' },
  { name: 'JIBRI_RECORDER_USER', default: 'recorder', group: 'Call login', description: 'User name of the recorder account' },
  { name: 'JIBRI_RECORDER_PASSWORD', default: '', group: 'Call login', description: 'Password of the recorder account, used for meetings on PUBLIC_URL, https://XMPP_DOMAIN or JIBRI_CALL_LOGIN_ALLOWED_ORIGINS; other meetings need the request\'s own call login', secret: true },
  { name: 'JIBRI_CALL_LOGIN_ALLOWED_ORIGINS', default: '', group: 'Call login', description: 'Comma-separated further origins (https://host[:port]) of meetings the recorder account may log in to' },
  { name: 'XMPP_SERVER', default: '', group: 'XMPP', description: 'Comma-separated host[:port] list of the XMPP servers Jicofo uses; unset = the environments of jibri.conf, or HTTP API only' },
  { name: 'XMPP_ENV_NAME', default: '', group: 'XMPP', description: 'Name of the environment the XMPP_* variables describe (Jibri\'s environment name; also sent to the autoscaler)' },
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
  { name: 'JIBRI_XMPP_UNREACHABLE_GRACE', default: '60 seconds', group: 'XMPP', description: `How long an XMPP server may stay unreachable (or refuse the login) before health is UNHEALTHY; longer than a Prosody restart takes; ${DURATION_NOTE}` },
  { name: 'JIBRI_XMPP_AUDIO_ONLY', default: 'false', group: 'XMPP', description: 'Record the sound alone (AAC in an .m4a, no picture captured or encoded) for the file recordings Jicofo starts; streams are unchanged' },
  { name: 'JIBRI_XMPP_PING_INTERVAL', default: '30 seconds', group: 'XMPP', description: `Time between pings on each XMPP connection (Jibri: 30 seconds); one unanswered within 10 seconds drops the connection, which then reconnects; ${DURATION_NOTE}` },
  { name: 'JIBRI_WEBHOOK_SUBSCRIBERS', default: '', group: 'Status push', description: 'Comma-separated base URLs that get POST <url>/v1/status on every change and every minute, and /v1/session/status for HTTP-started sessions', hocon: 'jibri.webhook.subscribers' },
  { name: 'JIBRI_JWT_SIGNING_KEY_PATH', default: '', group: 'Status push', description: 'PEM private key (RSA) that signs an RS256 bearer token on webhook requests; needs the three below', hocon: 'jibri.jwt-info.signing-key-path' },
  { name: 'JIBRI_JWT_KID', default: '', group: 'Status push', description: 'The token\'s key id (kid header)', hocon: 'jibri.jwt-info.kid' },
  { name: 'JIBRI_JWT_ISSUER', default: '', group: 'Status push', description: 'The token\'s iss claim', hocon: 'jibri.jwt-info.issuer' },
  { name: 'JIBRI_JWT_AUDIENCE', default: '', group: 'Status push', description: 'The token\'s aud claim', hocon: 'jibri.jwt-info.audience' },
  { name: 'JIBRI_JWT_TTL', default: '1 hour', group: 'Status push', description: `How long a token is valid (at least 10 minutes, as Jibri); it is renewed 5 minutes before it expires; ${DURATION_NOTE}`, hocon: 'jibri.jwt-info.ttl' },
  { name: 'JIBRI_ENABLE_PROMETHEUS', default: 'false', group: 'Status push', description: 'Serve GET /metrics (Jibri\'s jitsi_jibri_* metrics plus capacity) on the HTTP API port', hocon: 'jibri.stats.prometheus.enabled' },
  { name: 'ENABLE_STATS_D', default: 'true', group: 'Status push', description: 'Send Jibri\'s StatsD counters (prefix jibri) to JIBRI_STATSD_HOST:JIBRI_STATSD_PORT over UDP', hocon: 'jibri.stats.enable-stats-d' },
  { name: 'JIBRI_STATSD_HOST', default: 'localhost', group: 'Status push', description: 'StatsD host', hocon: 'jibri.stats.host' },
  { name: 'JIBRI_STATSD_PORT', default: '8125', group: 'Status push', description: 'StatsD port (UDP)', hocon: 'jibri.stats.port' },
  { name: 'AUTOSCALER_URL', default: '', group: 'Autoscaler', description: 'The Jitsi autoscaler\'s base URL; when set, the recorder reports to it as its sidecar does (/sidecar/poll, /sidecar/status, /sidecar/stats, /sidecar/shutdown) and obeys its shutdown and reconfigure commands' },
  { name: 'AUTOSCALER_SIDECAR_KEY_FILE', default: '/etc/jitsi/autoscaler-sidecar/asap.pem', group: 'Autoscaler', description: 'PEM RSA private key that signs the ASAP (RS256) token of each request' },
  { name: 'AUTOSCALER_SIDECAR_KEY_ID', default: '', group: 'Autoscaler', description: 'The token\'s kid; defaults to the key file\'s name without .pem (symbolic links followed)' },
  {
    name: 'AUTOSCALER_SIDECAR_INSTANCE_ID',
    default: '',
    group: 'Autoscaler',
    description:
      "instanceId reported to the autoscaler; unset = a new jibri-<nanoseconds> at every start, as docker-jitsi-meet's image makes it, so a restarted recorder is a new instance (the autoscaler keeps an instance's shutdown for a day; a fixed id would make every restart shut down again)",
  },
  { name: 'AUTOSCALER_SIDECAR_GROUP_NAME', default: 'docker-jibri', group: 'Autoscaler', description: 'The autoscaler group this recorder belongs to' },
  { name: 'AUTOSCALER_SIDECAR_REGION', default: 'docker', group: 'Autoscaler', description: 'Region reported to the autoscaler' },
  { name: 'AUTOSCALER_SIDECAR_HOST_ID', default: '', group: 'Autoscaler', description: 'hostId reported to the autoscaler' },
  { name: 'AUTOSCALER_SIDECAR_SHUTDOWN_POLLING_INTERVAL', default: '60 seconds', group: 'Autoscaler', description: `Time between polls for commands (and status reports); ${DURATION_NOTE}` },
  { name: 'AUTOSCALER_SIDECAR_STATS_POLLING_INTERVAL', default: '30 seconds', group: 'Autoscaler', description: `Time between refreshes of the stats sent with each poll; ${DURATION_NOTE}` },
  {
    name: 'JIBRI_AUTOSCALER_DRAIN_TIMEOUT',
    default: '6 hours',
    group: 'Autoscaler',
    description: `Longest the recorder keeps recording after the autoscaler asked for a shutdown (docker-jitsi-meet's script gives up after 6 hours too); then the running sessions are stopped and finalized, and it exits; ${DURATION_NOTE}`,
  },
  { name: 'LOCAL_ADDRESS', default: '', group: 'Autoscaler', description: 'privateIp reported to the autoscaler; defaults to the first non-loopback IPv4 address' },
  { name: 'JIBRI_VERSION', default: '', group: 'Autoscaler', description: 'version reported to the autoscaler; defaults to jibri-ts\'s own' },
  { name: 'POD_NAME', default: '', group: 'Kubernetes', description: 'This pod\'s name (downward API); with POD_NAMESPACE, the recorder keeps its pod-deletion-cost equal to its running sessions' },
  { name: 'POD_NAMESPACE', default: '', group: 'Kubernetes', description: 'This pod\'s namespace (downward API)' },
  { name: 'KUBERNETES_SERVICE_HOST', default: '', group: 'Kubernetes', description: 'The API server; set by Kubernetes in every pod' },
  { name: 'KUBERNETES_SERVICE_PORT', default: '443', group: 'Kubernetes', description: 'The API server\'s port; set by Kubernetes in every pod' },
  { name: 'JIBRI_LOG_LEVEL', default: 'info', group: 'Logging', description: 'error, warn, info or debug' },
  { name: 'JIBRI_LOG_FORMAT', default: 'text', group: 'Logging', description: 'text (one line per event) or json (one JSON object per line, for log shippers: level, message, timestamp, sessionId, component and the event\'s fields); the fleet server reads it too' },
]);

const SETTING_BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

/** jibri.conf keys jibri-ts knows but does not act on, with why; named in the start-up warning when set. */
const UNSUPPORTED_KEYS: ReadonlyArray<[RegExp, string]> = [
  [/^jibri\.sip\./, 'no SIP gateway'],
  [/^jibri\.selenium\./, 'the browser is driven through Playwright'],
  [/^jibri\.ffmpeg\.(ffmpeg|input-linux|input-mac|audio-params|video-params|video-params-recording|video-params-streaming|command-[a-z-]+)$/, 'the ffmpeg command is built by jibri-ts'],
  [/^jibri\.ffmpeg\.(audio-source|audio-device)$/, 'audio comes from a PulseAudio sink per session'],
  [/^jibri\.ffmpeg\.(streaming-buf-size|streaming-format|recording-format|recording-extension)$/, 'fixed: FLV streams with a buffer of twice the max bitrate, MP4 files'],
];

/** Jibri's reference.conf placeholder for the finalize script: the same as none. */
const JIBRI_PLACEHOLDER_FINALIZE = '/path/to/finalize';

/** A value as found: the environment's text, or a jibri.conf value with its key. */
type Found = { from: 'env'; text: string } | { from: 'file'; value: HoconValue; key: string } | { from: 'default'; text: string };

/** A missing variable and an empty one mean the same, as in docker-jitsi-meet's templates. */
function read(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function shownValue(v: HoconValue): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

class Reader {
  readonly problems: string[] = [];
  /** jibri.conf keys some setting read (the others are named in the warning). */
  readonly usedKeys = new Set<string>();

  constructor(private readonly env: Env, private readonly file: HoconObject | undefined, private readonly beforeCustom?: HoconObject) {}

  private setting(name: string): Setting {
    const s = SETTING_BY_NAME.get(name);
    // A programming error: every variable must be declared in SETTINGS.
    if (!s) throw new Error(`${name} is not declared in SETTINGS`);
    return s;
  }

  /** The value the setting has: the environment, else jibri.conf, else the default. */
  find(name: string): Found {
    const s = this.setting(name);
    const keys = s.hocon === undefined ? [] : typeof s.hocon === 'string' ? [s.hocon] : s.hocon;
    // A key custom-jibri.conf set (its value differs from the tree without it) wins over the environment.
    for (const key of keys) {
      const value = this.beforeCustom && this.file ? valueAt(this.file, key) : undefined;
      if (value === undefined || value === null || value === '') continue;
      if (JSON.stringify(value) !== JSON.stringify(valueAt(this.beforeCustom!, key))) {
        this.usedKeys.add(key);
        return { from: 'file', value, key };
      }
    }
    const fromEnv = read(this.env, name);
    if (fromEnv !== undefined) return { from: 'env', text: fromEnv };
    for (const key of keys) if (this.file) this.usedKeys.add(key);
    for (const key of keys) {
      const value = this.file ? valueAt(this.file, key) : undefined;
      if (value !== undefined && value !== null && value !== '') return { from: 'file', value, key };
    }
    return { from: 'default', text: s.default };
  }

  /** Whether the environment or jibri.conf set the variable (not just its default). */
  isSet(name: string): boolean {
    return this.find(name).from !== 'default';
  }

  private problem(name: string, f: Found, expected: string): void {
    if (f.from === 'default') throw new Error(`the default of ${name} (${JSON.stringify(f.text)}) is invalid: ${expected}`);
    this.problems.push(f.from === 'env' ? `${name}=${JSON.stringify(f.text)}: ${expected}` : `jibri.conf ${f.key} = ${shownValue(f.value)}: ${expected} (or set ${name})`);
  }

  /** The value as text; a list or object in jibri.conf is a problem. */
  private scalar(name: string, f: Found): string | undefined {
    if (f.from !== 'file') return f.text;
    if (typeof f.value === 'string' || typeof f.value === 'number' || typeof f.value === 'boolean') return String(f.value);
    this.problem(name, f, 'expected a single value');
    return undefined;
  }

  text(name: string): string {
    return this.scalar(name, this.find(name)) ?? this.setting(name).default;
  }

  /** The value when the environment or jibri.conf sets one (the default is not looked at). */
  optional(name: string): string | undefined {
    const f = this.find(name);
    if (f.from === 'default') return undefined;
    const v = this.scalar(name, f)?.trim();
    return v ? v : undefined;
  }

  private fallback<T>(name: string, parse: (f: Found) => T | undefined): T {
    const f = this.find(name);
    const v = parse(f);
    if (v !== undefined) return v;
    const d = parse({ from: 'default', text: this.setting(name).default });
    if (d === undefined) throw new Error(`the default of ${name} is invalid`);
    return d;
  }

  int(name: string, min: number, max: number): number {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f);
      if (raw === undefined) return undefined;
      if (!/^-?\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
        this.problem(name, f, `expected a whole number from ${min} to ${max}`);
        return undefined;
      }
      return Number(raw);
    });
  }

  decimal(name: string, min: number, max: number): number {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f);
      if (raw === undefined) return undefined;
      if (!/^\d+(\.\d+)?$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
        this.problem(name, f, `expected a number from ${min} to ${max}`);
        return undefined;
      }
      return Number(raw);
    });
  }

  bool(name: string): boolean {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f);
      if (raw === undefined) return undefined;
      const v = parseBool(raw);
      if (v === undefined) this.problem(name, f, 'expected true or false');
      return v;
    });
  }

  /**
   * Seconds. jibri.conf's bare numbers are milliseconds (HOCON, as Jibri reads them); the environment's are
   * seconds, as jibri-ts has always documented them.
   */
  duration(name: string, minSec: number, maxSec: number): number {
    return this.fallback(name, (f) => {
      const bare: BareUnit = f.from === 'file' ? 'ms' : 's';
      const raw = f.from === 'file' && typeof f.value === 'number' ? f.value : this.scalar(name, f);
      if (raw === undefined) return undefined;
      const r = parseDuration(raw, bare);
      if (!r.ok) {
        this.problem(name, f, r.error);
        return undefined;
      }
      const sec = r.ms / 1000;
      if (sec < minSec || sec > maxSec) {
        this.problem(name, f, `expected a duration from ${minSec} to ${maxSec} seconds`);
        return undefined;
      }
      return sec;
    });
  }

  /** The environment's comma-separated list, or jibri.conf's list of strings. */
  list(name: string): string[] {
    const f = this.find(name);
    if (f.from === 'file' && Array.isArray(f.value)) {
      const items = f.value.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : undefined));
      if (items.some((v) => v === undefined)) {
        this.problem(name, f, 'expected a list of strings');
        return [];
      }
      return (items as string[]).filter(Boolean);
    }
    const raw = this.scalar(name, f) ?? '';
    return raw.split(',').map((p) => p.trim()).filter(Boolean);
  }

  resolution(name: string): { width: number; height: number } {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f);
      if (raw === undefined) return undefined;
      const m = /^(\d{2,5})x(\d{2,5})$/.exec(raw.trim());
      const width = Number(m?.[1]);
      const height = Number(m?.[2]);
      // x264 with yuv420p needs even dimensions.
      if (!m || width % 2 || height % 2 || width > 7680 || height > 4320) {
        this.problem(name, f, 'expected WIDTHxHEIGHT with even numbers, e.g. 1280x720');
        return undefined;
      }
      return { width, height };
    });
  }

  slots(name: string): number | 'auto' {
    return this.fallback<number | 'auto'>(name, (f) => {
      const raw = this.scalar(name, f)?.trim();
      if (raw === undefined) return undefined;
      if (raw.toLowerCase() === 'auto') return 'auto';
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
        this.problem(name, f, 'expected a whole number from 1 to 64, or auto');
        return undefined;
      }
      return Number(raw);
    });
  }

  oneOf(name: string, allowed: readonly string[]): string {
    return this.fallback(name, (f) => {
      const raw = this.scalar(name, f)?.trim();
      if (raw === undefined) return undefined;
      if (!allowed.includes(raw)) {
        this.problem(name, f, `expected one of ${allowed.join(', ')}`);
        return undefined;
      }
      return raw;
    });
  }
}

function parseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

/** What the configuration needs to know about the machine; the real file system by default. */
export interface ConfigContext {
  /** The parsed jibri.conf (and custom-jibri.conf); none by default. */
  file?: ConfigFileTree;
  /** Whether the service could write into this folder (it, or the nearest folder above it that exists). */
  writable?: (dir: string) => boolean;
  /** Whether this path is a folder. */
  isDirectory?: (dir: string) => boolean;
  /** The machine's addresses, for the autoscaler's privateIp. */
  localAddress?: () => string;
  /** A key file's name after following symbolic links, for the autoscaler's default kid. */
  realpath?: (file: string) => string;
  /** The autoscaler instance id of this start when none is set (a new `jibri-<nanoseconds>` by default). */
  newInstanceId?: () => string;
  /** Reads a NAME_FILE secret (fs by default). */
  readSecretFile?: (file: string) => string;
}

function writableFolder(dir: string): boolean {
  let d = path.resolve(dir);
  for (;;) {
    try {
      fs.accessSync(d, fs.constants.W_OK);
      return fs.statSync(d).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      const up = path.dirname(d);
      if (up === d) return false;
      d = up;
    }
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The first non-internal IPv4 address, as docker-jitsi-meet's `ip route get 1` would pick on most hosts. */
function firstLocalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** docker-jitsi-meet's recordings folder, and the one its older compose file mounted. */
export const LEGACY_RECORDING_DIR = '/config/recordings';

/**
 * JIBRI_RECORDING_DIR when set; else docker-jitsi-meet's /storage/recordings, unless the service cannot
 * write there while an older deployment's /config/recordings is a folder it can write to (a compose file
 * from before docker-jitsi-meet's move mounts only that one).
 */
export function chooseRecordingDir(configured: string | undefined, fallback: string, probe: { writable: (d: string) => boolean; isDirectory: (d: string) => boolean }): { dir: string; legacy: boolean } {
  if (configured) return { dir: path.resolve(configured), legacy: false };
  if (!probe.writable(fallback) && probe.isDirectory(LEGACY_RECORDING_DIR) && probe.writable(LEGACY_RECORDING_DIR)) return { dir: LEGACY_RECORDING_DIR, legacy: true };
  return { dir: path.resolve(fallback), legacy: false };
}

/** The configuration files to read: a file named in the environment must exist; a default one is read when it does. */
function configFilesFor(env: Env): string[] {
  // Read in this order, the later ones winning: the package's defaults, jibri.conf, custom-jibri.conf.
  const defaults = read(env, 'JIBRI_DEFAULTS_CONFIG_FILE');
  const files: string[] = defaults ? [defaults] : [];
  for (const name of ['JIBRI_CONFIG_FILE', 'JIBRI_CUSTOM_CONFIG_FILE']) {
    const given = read(env, name);
    const file = given ?? SETTING_BY_NAME.get(name)?.default ?? '';
    if (given !== undefined || fs.existsSync(file)) files.push(file);
  }
  return files;
}

/**
 * Cores of one session's whole tree (Chromium, ffmpeg, Xvfb, its share of the service) recording a
 * 4-participant meeting at 30 fps, as `BENCH_ONLY=meeting npm run bench` measured it on a 2-core x86 host
 * (docs/MEETING-COST.md): the first estimate admission plans with, until the recorder has learned its own.
 */
export const MEASURED_SESSION_CORES: ReadonlyArray<{ pixels: number; cores: number }> = [
  { pixels: 1280 * 720, cores: 0.6 },
  { pixels: 1920 * 1080, cores: 1.05 },
];

/** Pure: the measured cost at this size, straight between (and beyond) the measured sizes, scaled by frame rate. */
export function firstSessionCpuEstimate(width: number, height: number, framerate: number): number {
  const [a, b] = MEASURED_SESSION_CORES as [{ pixels: number; cores: number }, { pixels: number; cores: number }];
  const atSize = a.cores + ((width * height - a.pixels) * (b.cores - a.cores)) / (b.pixels - a.pixels);
  // Below 720p Chromium's decoding of the videos stays; it does not shrink with the screen.
  const cores = Math.max(atSize, a.cores * 0.75) * (framerate / 30);
  return Math.round(Math.max(0.2, cores) * 100) / 100;
}

function readSessionCpu(r: Reader, auto: number): number {
  const raw = r.optional('JIBRI_SESSION_CPU_ESTIMATE');
  if (raw === undefined || raw.toLowerCase() === 'auto') return auto;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) < 0.05 || Number(raw) > 64) {
    r.problems.push(`JIBRI_SESSION_CPU_ESTIMATE=${JSON.stringify(raw)}: expected a number from 0.05 to 64, or auto`);
    return auto;
  }
  return Number(raw);
}

/** Pure: the configuration from the environment (and, when given, the parsed jibri.conf and the NAME_FILE secrets). */
export function loadConfig(rawEnv: Env, hostname = 'jibri', ctx: ConfigContext = {}): Config {
  const fileProblems: string[] = [];
  const env = readSecretFiles(rawEnv, SETTINGS, fileProblems, ctx.readSecretFile);
  const r = new Reader(env, ctx.file?.tree, ctx.file?.beforeCustom);
  r.problems.push(...fileProblems);
  const warnings: string[] = [];
  const { width, height } = r.resolution('JIBRI_RECORDING_RESOLUTION');
  const framerate = r.int('JIBRI_RECORDING_FRAMERATE', 1, 60);
  const recorderPassword = r.optional('JIBRI_RECORDER_PASSWORD');
  const finalizeScript = r.optional('JIBRI_FINALIZE_RECORDING_SCRIPT_PATH');
  const token = r.optional('JIBRI_HTTP_API_TOKEN');
  const internalAuth = r.bool('JIBRI_HTTP_API_INTERNAL_AUTH');
  if (internalAuth && !token) r.problems.push('JIBRI_HTTP_API_INTERNAL_AUTH=true needs JIBRI_HTTP_API_TOKEN (or JIBRI_HTTP_API_TOKEN_FILE): the internal API would take that token');
  const internalHost = r.text('JIBRI_HTTP_API_INTERNAL_HOST');
  if (!internalAuth && !r.bool('JIBRI_HTTP_API_ALLOW_OPEN') && !isLoopbackHost(internalHost)) {
    r.problems.push(
      `JIBRI_HTTP_API_INTERNAL_HOST=${JSON.stringify(internalHost)} is not a loopback address and the internal API takes no token: anyone who reaches it ` +
        'could shut the recorder down mid-recording. Keep it on 127.0.0.1 (Jibri\'s scripts call it there); or set JIBRI_HTTP_API_INTERNAL_AUTH=true with ' +
        'JIBRI_HTTP_API_TOKEN; or, if it really must be open, set JIBRI_HTTP_API_ALLOW_OPEN=true',
    );
  }
  const recorderLogin: RecorderLogin | undefined = recorderPassword
    ? { domain: r.optional('XMPP_HIDDEN_DOMAIN') ?? r.optional('XMPP_RECORDER_DOMAIN') ?? r.text('XMPP_HIDDEN_DOMAIN'), username: r.text('JIBRI_RECORDER_USER'), password: recorderPassword }
    : undefined;

  const instanceId = r.optional('JIBRI_INSTANCE_ID') ?? hostname;
  const usageTimeoutSec = readEnvUsageTimeout(r, warnings);
  // Every jibri.conf key no setting reads, named together in one warning at the end.
  const ignored: string[] = [];
  const xmppEnvironments = readEnvironments(r, ctx.file, { instanceId, usageTimeoutSec, recorderLogin }, warnings, ignored);
  if (usageTimeoutSec > 0 && !r.isSet('XMPP_SERVER')) {
    warnings.push('JIBRI_USAGE_TIMEOUT limits nothing here: it is the usage timeout of the environment the XMPP_* variables describe, and XMPP_SERVER is not set (jibri.conf environments have their own usage-timeout); HTTP-started sessions take JIBRI_HTTP_USAGE_TIMEOUT');
  }
  const recording = chooseRecordingDir(r.optional('JIBRI_RECORDING_DIR'), r.text('JIBRI_RECORDING_DIR'), { writable: ctx.writable ?? writableFolder, isDirectory: ctx.isDirectory ?? isDirectory });
  if (recording.legacy) warnings.push(`recordings go to ${LEGACY_RECORDING_DIR} (an older docker-jitsi-meet layout): mount the recordings at /storage/recordings, as docker-jitsi-meet does now, or set JIBRI_RECORDING_DIR`);
  const browser = readBrowser(r, warnings);
  const config: Config = {
    instanceId,
    xmppEnvironments,
    xmppPingIntervalSec: r.duration('JIBRI_XMPP_PING_INTERVAL', 1, 3600),
    xmppUnreachableGraceSec: r.duration('JIBRI_XMPP_UNREACHABLE_GRACE', 1, 24 * 3600),
    xmppAudioOnly: r.bool('JIBRI_XMPP_AUDIO_ONLY'),
    http: readHttp(r, token),
    recording: {
      dir: recording.dir,
      ...(finalizeScript && finalizeScript !== JIBRI_PLACEHOLDER_FINALIZE ? { finalizeScript } : {}),
      finalizeTimeoutSec: r.duration('JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT', 0, 7 * 24 * 3600),
      finalizeScriptEnv: readFinalizeScriptEnv(r),
      sessionDiskBytes: r.int('JIBRI_SESSION_DISK_ESTIMATE', 0, 1 << 24) * 1024 * 1024,
    },
    encoding: {
      width,
      height,
      framerate,
      crf: r.int('JIBRI_RECORDING_CONSTANT_RATE_FACTOR', 0, 51),
      presetRecording: r.oneOf('JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', X264_PRESETS),
      queueSize: r.int('JIBRI_RECORDING_QUEUE_SIZE', 8, 1 << 20),
      audioLatencyMs: r.int('JIBRI_RECORDING_AUDIO_LATENCY_MS', 0, 500),
    },
    streaming: readStreaming(r),
    extraOutputs: readExtraOutputs(r),
    call: {
      joinTimeoutSec: r.duration('JIBRI_CALL_JOIN_TIMEOUT', 1, 600),
      emptyTimeoutSec: r.duration('JIBRI_CALL_EMPTY_TIMEOUT', 0, 24 * 3600),
      allMutedTimeoutSec: r.duration('JIBRI_ALL_MUTED_TIMEOUT', 0, 24 * 3600),
      noMediaTimeoutSec: r.duration('JIBRI_NO_MEDIA_TIMEOUT', 0, 24 * 3600),
      iceTimeoutSec: r.duration('JIBRI_ICE_CONNECTION_TIMEOUT', 0, 24 * 3600),
      checkIntervalSec: r.duration('JIBRI_CALL_STATUS_CHECK_INTERVAL', 1, 300),
      usageTimeoutSec: r.duration('JIBRI_HTTP_USAGE_TIMEOUT', 0, 30 * 24 * 3600),
    },
    browser,
    capacity: {
      slots: r.slots('JIBRI_CONCURRENT_SESSIONS'),
      sessionCpuCores: readSessionCpu(r, firstSessionCpuEstimate(width, height, framerate)),
      sessionMemoryBytes: r.int('JIBRI_SESSION_MEMORY_ESTIMATE', 50, 65536) * 1024 * 1024,
      workerMemoryMb: r.int('JIBRI_SESSION_WORKER_MEMORY_LIMIT', 64, 65536),
      audioOnlyCpuCores: r.decimal('JIBRI_SESSION_AUDIO_ONLY_CPU_ESTIMATE', 0.05, 64),
      cpuTarget: r.int('JIBRI_CPU_TARGET', 10, 100) / 100,
    },
    kubernetes: readKubernetes(r),
    webhooks: readWebhooks(r),
    upload: readUpload(r, warnings),
    prometheus: r.bool('JIBRI_ENABLE_PROMETHEUS'),
    statsd: { enabled: r.bool('ENABLE_STATS_D'), host: r.text('JIBRI_STATSD_HOST'), port: r.int('JIBRI_STATSD_PORT', 1, 65535) },
    ...optionalField('autoscaler', readAutoscaler(r, ctx)),
    lifecycle: {
      internalHost,
      internalPort: r.int('JIBRI_HTTP_API_INTERNAL_PORT', 0, 65535),
      ...(internalAuth && token ? { internalToken: token } : {}),
      singleUse: r.bool('JIBRI_SINGLE_USE_MODE'),
      ...optionalField('shutdownAtMs', readInstant(r, 'JIBRI_SHUTDOWN_AT')),
    },
    ...optionalField('recorderLogin', recorderLogin),
    recorderLoginOrigins: readLoginOrigins(r, xmppEnvironments),
    ffmpegPath: r.text('JIBRI_FFMPEG_PATH'),
    logLevel: r.oneOf('JIBRI_LOG_LEVEL', ['error', 'warn', 'info', 'debug']),
    logFormat: r.oneOf('JIBRI_LOG_FORMAT', ['text', 'json']) as Config['logFormat'],
    files: ctx.file?.files ?? [],
    warnings,
  };
  const unusedVariables = ignoredVariables(env);
  if (unusedVariables) warnings.push(unusedVariables);
  if (ctx.file) {
    ignored.unshift(...ignoredKeys(ctx.file.tree, r.usedKeys));
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

/**
 * The configuration files of this environment, merged; with custom-jibri.conf, also the tree without it
 * (its keys win over the environment; it may refer to jibri.conf's keys, so it is not read alone).
 */
async function readConfigFiles(env: Env): Promise<ConfigFileTree | undefined> {
  const files = configFilesFor(env);
  try {
    const file = await parseConfigFiles(files);
    const custom = read(env, 'JIBRI_CUSTOM_CONFIG_FILE') ?? SETTING_BY_NAME.get('JIBRI_CUSTOM_CONFIG_FILE')?.default;
    if (!file || !custom || files.at(-1) !== custom || files.length < 2) return file;
    const before = await parseConfigFiles(files.slice(0, -1));
    return { ...file, beforeCustom: before?.tree ?? {} };
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

/**
 * The value a setting has after the environment, jibri.conf and its default, as text: what
 * `jibri-ts config get NAME` prints for the ops scripts (they need the API ports, wherever they are set).
 */
export async function settingValue(name: string, env: Env): Promise<string> {
  if (!SETTING_BY_NAME.has(name)) throw new ConfigError([`${name} is not a jibri-ts setting; see .env.example`]);
  const file = await readConfigFiles(env);
  const r = new Reader(env, file?.tree, file?.beforeCustom);
  const f = r.find(name);
  if (f.from !== 'file') return f.text;
  return Array.isArray(f.value) ? f.value.map(String).join(',') : String(f.value);
}

/** jibri.conf's leaf keys no setting reads, each with why. */
function ignoredKeys(tree: HoconObject, used: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const key of leafKeys(tree)) {
    if (used.has(key) || key === ENVIRONMENTS_KEY) continue;
    const unsupported = UNSUPPORTED_KEYS.find(([re]) => re.test(key));
    out.push(unsupported ? `${key} (not supported: ${unsupported[1]})` : `${key} (unknown)`);
  }
  return out;
}

function optionalField<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Loopback addresses and names: an API bound there is reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** An ISO 8601 instant with its time zone, as ms since the epoch; undefined when unset. */
function readInstant(r: Reader, name: string): number | undefined {
  const raw = r.optional(name);
  if (raw === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) r.problems.push(`${name}=${JSON.stringify(raw)}: expected an instant in ISO 8601 with its time zone, e.g. 2026-03-01T12:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function readHttp(r: Reader, token: string | undefined): HttpConfig {
  const host = r.text('JIBRI_HTTP_API_EXTERNAL_HOST');
  const allowOpen = r.bool('JIBRI_HTTP_API_ALLOW_OPEN');
  if (!token && !allowOpen && !isLoopbackHost(host)) {
    r.problems.push(
      `JIBRI_HTTP_API_EXTERNAL_HOST=${JSON.stringify(host)} is not a loopback address and JIBRI_HTTP_API_TOKEN is not set: anyone who reaches the API ` +
        'could start and stop recordings. Set JIBRI_HTTP_API_TOKEN to a long random value (e.g. the output of `openssl rand -hex 32`) and send it as ' +
        '"Authorization: Bearer <token>"; or bind the API to 127.0.0.1; or, if it really must be open, set JIBRI_HTTP_API_ALLOW_OPEN=true',
    );
  }
  const certFile = r.optional('JIBRI_HTTP_API_TLS_CERT_FILE');
  const keyFile = r.optional('JIBRI_HTTP_API_TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile)) r.problems.push('JIBRI_HTTP_API_TLS_CERT_FILE and JIBRI_HTTP_API_TLS_KEY_FILE go together: set both for HTTPS, or neither');
  return {
    host,
    port: r.int('JIBRI_HTTP_API_EXTERNAL_PORT', 0, 65535),
    ...(token ? { token } : {}),
    allowOpen,
    maxEventStreams: r.int('JIBRI_HTTP_API_MAX_EVENT_STREAMS', 1, 1000),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
  };
}

/** The origin (`scheme://host[:port]`) of an http(s) URL, or undefined. */
function originOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The operator's own origins: PUBLIC_URL and https://XMPP_DOMAIN (read even without XMPP_SERVER, for an
 * HTTP-only recorder), each XMPP environment's base URL and domain, and JIBRI_CALL_LOGIN_ALLOWED_ORIGINS.
 * A PUBLIC_URL that is no URL adds nothing here (the XMPP environment reports it).
 */
function readLoginOrigins(r: Reader, environments: readonly XmppEnvironment[]): string[] {
  const origins = new Set<string>();
  const add = (raw: string | undefined): void => {
    const origin = raw ? originOf(raw) : undefined;
    if (origin) origins.add(origin);
  };
  add(r.optional('PUBLIC_URL'));
  add(`https://${r.text('XMPP_DOMAIN')}`);
  for (const env of environments) {
    add(env.publicUrl);
    add(`https://${env.xmppDomain}`);
  }
  for (const raw of r.list('JIBRI_CALL_LOGIN_ALLOWED_ORIGINS')) {
    let bare: boolean;
    try {
      const url = new URL(raw);
      bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password;
    } catch {
      bare = false;
    }
    const origin = bare ? originOf(raw) : undefined;
    if (!origin) r.problems.push(`JIBRI_CALL_LOGIN_ALLOWED_ORIGINS: ${JSON.stringify(raw.slice(0, 100))} is not an origin such as https://meet.example.com (scheme, host and port only)`);
    else origins.add(origin);
  }
  return [...origins];
}

function readFinalizeScriptEnv(r: Reader): string[] {
  const names = r.list('JIBRI_FINALIZE_RECORDING_SCRIPT_ENV');
  const own = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) r.problems.push(`JIBRI_FINALIZE_RECORDING_SCRIPT_ENV: ${JSON.stringify(name.slice(0, 100))} is not a variable name`);
    else if (own.has(name)) r.problems.push(`JIBRI_FINALIZE_RECORDING_SCRIPT_ENV: ${name} is one of the service's own secrets and is never passed to the finalize script`);
  }
  return names;
}

/**
 * CHROMIUM_FLAGS replaces the recorder's flag list, as it replaces Jibri's in docker-jitsi-meet; then
 * IGNORE_CERTIFICATE_ERRORS no longer applies (docker-jitsi-meet's template drops it too).
 */
/** The operator's exceptions to an address policy: `host` or `host:port`, comma-separated. */
function readAllowedHosts(r: Reader, name: string): AllowedHost[] {
  const parsed = parseAllowedHosts(r.optional(name) ?? '');
  if (parsed.ok) return parsed.hosts;
  r.problems.push(`${name}: ${JSON.stringify(parsed.entry)} is not host or host:port`);
  return [];
}

function readBrowser(r: Reader, warnings: string[]): BrowserConfig {
  const flags = r.isSet('CHROMIUM_FLAGS') ? r.list('CHROMIUM_FLAGS') : undefined;
  const ignoreCertificateErrors = r.bool('IGNORE_CERTIFICATE_ERRORS');
  if (flags && ignoreCertificateErrors && !flags.includes('--ignore-certificate-errors')) {
    warnings.push('IGNORE_CERTIFICATE_ERRORS does not apply: CHROMIUM_FLAGS replaces the flag list (add --ignore-certificate-errors to it), as in docker-jitsi-meet');
  }
  const allowed = readAllowedHosts(r, 'JIBRI_BROWSER_ALLOWED_HOSTS');
  return {
    chromiumPath: r.text('JIBRI_CHROMIUM_PATH'),
    ...(flags ? { flags } : {}),
    ignoreCertificateErrors,
    pageLoadTimeoutSec: r.duration('JIBRI_PAGE_LOAD_TIMEOUT', 1, 600),
    sandbox: r.oneOf('JIBRI_CHROMIUM_SANDBOX', ['auto', 'on', 'off']) as 'auto' | 'on' | 'off',
    ...(r.bool('JIBRI_BROWSER_PUBLIC_ONLY') ? { publicOnly: { allowed } } : {}),
  };
}

function readWebhooks(r: Reader): WebhookConfig {
  const subscribers: string[] = [];
  for (const raw of r.list('JIBRI_WEBHOOK_SUBSCRIBERS')) {
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
  const ttlSec = r.duration('JIBRI_JWT_TTL', 600, 30 * 24 * 3600);
  if (!signingKeyPath) return { subscribers };
  const [kid, issuer, audience] = ['JIBRI_JWT_KID', 'JIBRI_JWT_ISSUER', 'JIBRI_JWT_AUDIENCE'].map((name) => {
    const v = r.optional(name);
    if (!v) r.problems.push(`${name} is required with JIBRI_JWT_SIGNING_KEY_PATH (the token needs kid, iss and aud, as Jibri's jwt-info)`);
    return v ?? '';
  }) as [string, string, string];
  return { subscribers, jwt: { signingKeyPath, kid, issuer, audience, ttlSec } };
}

/** S3's own rule for bucket names (the DNS-compatible one every S3-compatible server accepts). */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function readUpload(r: Reader, warnings: string[]): UploadConfig {
  const common = {
    linkTtlSec: r.duration('JIBRI_UPLOAD_LINK_TTL', 1, 7 * 24 * 3600),
    keepLocal: r.bool('JIBRI_UPLOAD_KEEP_LOCAL'),
    retentionSec: r.duration('JIBRI_RECORDINGS_RETENTION', 0, 100 * 365 * 24 * 3600),
    retryDelaySec: r.duration('JIBRI_UPLOAD_RETRY_DELAY', 0.1, 3600),
    stallTimeoutSec: r.duration('JIBRI_UPLOAD_STALL_TIMEOUT', 1, 3600),
    ...(r.bool('JIBRI_UPLOAD_PUBLIC_ONLY') ? { publicOnly: { allowed: readAllowedHosts(r, 'JIBRI_UPLOAD_ALLOWED_HOSTS') } } : {}),
    handoff: r.bool('JIBRI_RECORDINGS_HANDOFF'),
    exitWaitSec: r.duration('JIBRI_EXIT_DELIVERY_WAIT', 0, 7 * 24 * 3600),
  };
  const bucket = r.optional('JIBRI_UPLOAD_S3_BUCKET');
  const region = r.text('JIBRI_UPLOAD_S3_REGION');
  const endpoint = r.optional('JIBRI_UPLOAD_S3_ENDPOINT')?.replace(/\/+$/, '');
  const accessKeyId = r.optional('JIBRI_UPLOAD_S3_ACCESS_KEY_ID');
  const secretAccessKey = r.optional('JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY');
  const forcePathStyle = r.bool('JIBRI_UPLOAD_S3_FORCE_PATH_STYLE');
  const prefix = r.text('JIBRI_UPLOAD_S3_PREFIX').replace(/^\/+/, '');
  if (!bucket) {
    if (endpoint || accessKeyId || secretAccessKey) r.problems.push('JIBRI_UPLOAD_S3_BUCKET is not set, but other JIBRI_UPLOAD_S3_* variables are: set the bucket to upload, or remove them');
    return common;
  }
  if (!BUCKET_NAME.test(bucket)) r.problems.push(`JIBRI_UPLOAD_S3_BUCKET=${JSON.stringify(bucket.slice(0, 80))}: expected an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  if (endpoint && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(endpoint)) r.problems.push(`JIBRI_UPLOAD_S3_ENDPOINT=${JSON.stringify(endpoint.slice(0, 100))}: expected an http(s) URL such as https://s3.example.com`);
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) r.problems.push('JIBRI_UPLOAD_S3_ACCESS_KEY_ID and JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK\'s credential chain');
  if (prefix.length > 512) r.problems.push('JIBRI_UPLOAD_S3_PREFIX is longer than 512 characters');
  // The key id is in every pre-signed link (and is never masked there), so such a secret is no secret.
  if (accessKeyId && accessKeyId === secretAccessKey) {
    warnings.push(
      'JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY is the same as JIBRI_UPLOAD_S3_ACCESS_KEY_ID (a default account such as MinIO\'s minioadmin/minioadmin or s3rver\'s S3RVER/S3RVER): ' +
        'the access key id is part of every "recording ready" link, so whoever gets a link knows the secret too. Create a separate key pair for the recorder ' +
        '(its own access key id and a long random secret, allowed to write to the bucket) and set both',
    );
  }
  return {
    ...common,
    s3: {
      bucket,
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
      prefix,
      forcePathStyle,
    },
  };
}

/**
 * JIBRI_USAGE_TIMEOUT as Jibri reads the usage-timeout docker-jitsi-meet renders it into: HOCON (a bare
 * number is milliseconds), in whole minutes (config/usage-timeout.ts).
 */
function readEnvUsageTimeout(r: Reader, warnings: string[]): number {
  const raw = r.text('JIBRI_USAGE_TIMEOUT');
  const shown = `JIBRI_USAGE_TIMEOUT=${JSON.stringify(raw)}`;
  const parsed = jibriUsageTimeout(raw, shown);
  if (!parsed.ok) {
    r.problems.push(`${shown}: ${parsed.error}`);
    return 0;
  }
  if (parsed.sec > 30 * 24 * 3600) r.problems.push(`${shown}: expected at most 30 days`);
  if (parsed.warning) warnings.push(parsed.warning);
  return parsed.sec;
}

function readKubernetes(r: Reader): KubernetesConfig {
  const apiHost = r.optional('KUBERNETES_SERVICE_HOST');
  const podName = r.optional('POD_NAME');
  const podNamespace = r.optional('POD_NAMESPACE');
  return {
    ...(apiHost ? { apiHost } : {}),
    apiPort: r.int('KUBERNETES_SERVICE_PORT', 1, 65535),
    ...(podName ? { podName } : {}),
    ...(podNamespace ? { podNamespace } : {}),
  };
}

function readStreaming(r: Reader): StreamingConfig {
  const rawRate = r.text('JIBRI_RECORDING_STREAMING_MAX_BITRATE');
  const rate = /^(\d{2,6})k?$/i.exec(rawRate);
  if (!rate) r.problems.push(`JIBRI_RECORDING_STREAMING_MAX_BITRATE=${JSON.stringify(rawRate)}: expected kbit/s such as 2976k`);
  // Jibri's default allow-list is [".*"]: every URL, the same as an empty list here.
  const allowList = r.list('JIBRI_STREAMING_RTMP_ALLOW_LIST').filter((p) => p !== '.*');
  for (const p of allowList) {
    try {
      new RegExp(p);
    } catch (err) {
      r.problems.push(`JIBRI_STREAMING_RTMP_ALLOW_LIST: ${JSON.stringify(p)} is not a regular expression (${(err as Error).message})`);
    }
  }
  return {
    preset: r.oneOf('JIBRI_RECORDING_VIDEO_ENCODE_PRESET_STREAMING', X264_PRESETS),
    maxBitrateKbps: rate ? Number(rate[1]) : 2976,
    gopSize: r.int('JIBRI_RECORDING_STREAMING_GOP_SIZE', 1, 600),
    allowList,
    retryTimeoutSec: r.duration('JIBRI_STREAMING_RETRY_TIMEOUT', 0, 24 * 3600),
    localCopy: r.bool('JIBRI_STREAMING_LOCAL_COPY'),
    ...readRtmpsCa(r),
    ...(r.bool('JIBRI_STREAMING_PUBLIC_ONLY') ? { publicOnly: { allowed: readAllowedHosts(r, 'JIBRI_STREAMING_ALLOWED_HOSTS') } } : {}),
  };
}

/** Lower-case kind names, each once; whether this recorder has the kind is lib/output's to say. */
function readExtraOutputs(r: Reader): string[] {
  const kinds = r.list('JIBRI_EXTRA_OUTPUTS').map((k) => k.toLowerCase());
  for (const k of kinds) if (!/^[a-z][a-z0-9-]{0,31}$/.test(k)) r.problems.push(`JIBRI_EXTRA_OUTPUTS: ${JSON.stringify(k.slice(0, 40))} is not an output kind (a comma-separated list such as "hls,thumbnails")`);
  return [...new Set(kinds)];
}

function readRtmpsCa(r: Reader): { rtmpsExtraCa?: string } {
  const file = r.optional('JIBRI_STREAMING_RTMPS_CA_FILE');
  if (!file) return {};
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    r.problems.push(`JIBRI_STREAMING_RTMPS_CA_FILE=${JSON.stringify(file)}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return {};
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    r.problems.push(`JIBRI_STREAMING_RTMPS_CA_FILE=${JSON.stringify(file)}: holds no PEM certificate`);
    return {};
  }
  return { rtmpsExtraCa: pem };
}

function readAutoscaler(r: Reader, ctx: ConfigContext): AutoscalerConfig | undefined {
  const url = r.optional('AUTOSCALER_URL')?.replace(/\/+$/, '');
  const shutdownPollingSec = r.duration('AUTOSCALER_SIDECAR_SHUTDOWN_POLLING_INTERVAL', 1, 3600);
  const statsPollingSec = r.duration('AUTOSCALER_SIDECAR_STATS_POLLING_INTERVAL', 1, 3600);
  const drainTimeoutSec = r.duration('JIBRI_AUTOSCALER_DRAIN_TIMEOUT', 0, 30 * 24 * 3600);
  if (!url) return undefined;
  if (!/^https?:\/\/[^/\s]+/.test(url)) {
    r.problems.push(`AUTOSCALER_URL=${JSON.stringify(url.slice(0, 100))}: expected the autoscaler's http(s) base URL, e.g. https://autoscaler.example.com`);
    return undefined;
  }
  const keyFile = r.text('AUTOSCALER_SIDECAR_KEY_FILE');
  // docker-jitsi-meet's default: the key id is the key file's real name without `.pem`.
  const realpath = ctx.realpath ?? ((f: string): string => {
    try {
      return fs.realpathSync(f);
    } catch {
      return f;
    }
  });
  const keyId = r.optional('AUTOSCALER_SIDECAR_KEY_ID') ?? path.basename(realpath(keyFile)).replace(/\.pem$/, '');
  return {
    url,
    keyFile,
    keyId,
    instanceId: r.optional('AUTOSCALER_SIDECAR_INSTANCE_ID') ?? (ctx.newInstanceId ?? newAutoscalerInstanceId)(),
    groupName: r.text('AUTOSCALER_SIDECAR_GROUP_NAME'),
    region: r.text('AUTOSCALER_SIDECAR_REGION'),
    hostId: r.text('AUTOSCALER_SIDECAR_HOST_ID'),
    environment: r.text('XMPP_ENV_NAME'),
    privateIp: r.optional('LOCAL_ADDRESS') ?? (ctx.localAddress ?? firstLocalAddress)(),
    version: r.optional('JIBRI_VERSION') ?? packageVersion(),
    shutdownPollingSec,
    statsPollingSec,
    drainTimeoutSec,
  };
}

/** docker-jitsi-meet's image's default instance id: `jibri-` and the start's time in nanoseconds. */
function newAutoscalerInstanceId(): string {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  return `jibri-${ns}`;
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    try {
      return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version?: string }).version ?? '0';
    } catch {
      return '0';
    }
  }
}

const ENVIRONMENTS_KEY = 'jibri.api.xmpp.environments';

interface EnvironmentDefaults {
  instanceId: string;
  usageTimeoutSec: number;
  recorderLogin: RecorderLogin | undefined;
}

/**
 * The XMPP environments: the one docker-jitsi-meet's variables describe when XMPP_SERVER is set, else
 * jibri.conf's list. Both at once would be two sources for the same thing; the environment wins, as
 * everywhere, and the file's list is named in a warning.
 */
function readEnvironments(r: Reader, file: ConfigFileTree | undefined, d: EnvironmentDefaults, warnings: string[], ignored: string[]): XmppEnvironment[] {
  const listed = file ? valueAt(file.tree, ENVIRONMENTS_KEY) : undefined;
  const fromEnv = readEnvEnvironment(r, d);
  const haveFileList = Array.isArray(listed) && listed.length > 0;
  if (fromEnv) {
    if (haveFileList) warnings.push(`${ENVIRONMENTS_KEY} in ${file?.files.join(' + ')} is not used: XMPP_SERVER is set, so the XMPP_* variables describe the one environment`);
    return [fromEnv];
  }
  if (listed === undefined || listed === null) return [];
  if (!Array.isArray(listed)) {
    r.problems.push(`jibri.conf ${ENVIRONMENTS_KEY}: expected a list of environments`);
    return [];
  }
  const environments = listed.map((item, i) => readFileEnvironment(r, item, i, ignored, warnings)).filter((e): e is XmppEnvironment => e !== undefined);
  const names = environments.map((e) => e.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problems.push(`jibri.conf ${ENVIRONMENTS_KEY}: the name ${JSON.stringify(dup)} is used twice`);
  return environments;
}

/** docker-jitsi-meet's variables: one environment, with one connection per XMPP_SERVER entry. */
function readEnvEnvironment(r: Reader, d: EnvironmentDefaults): XmppEnvironment | undefined {
  const raw = r.optional('XMPP_SERVER');
  const defaultPort = r.int('XMPP_PORT', 1, 65535);
  const trustAllCerts = r.bool('XMPP_TRUST_ALL_CERTS');
  if (raw === undefined) return undefined;
  const servers = parseXmppServers(raw, defaultPort);
  if (typeof servers === 'string') {
    r.problems.push(`XMPP_SERVER=${JSON.stringify(raw)}: ${servers}; expected a comma-separated list of host or host:port`);
    return undefined;
  }
  const password = r.optional('JIBRI_XMPP_PASSWORD');
  if (!password) r.problems.push('JIBRI_XMPP_PASSWORD is not set: with XMPP_SERVER, the control login needs its password');
  const mucDomain = r.text('XMPP_MUC_DOMAIN');
  // docker-jitsi-meet writes strip-from-room-domain = "<JIBRI_STRIP_DOMAIN_JID>.".
  const strip = r.optional('JIBRI_STRIP_DOMAIN_JID') ?? mucDomain.split('.')[0] ?? '';
  const publicUrl = r.optional('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl && !/^https?:\/\/[^/\s#?]+/.test(publicUrl)) r.problems.push(`PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an http(s) URL such as https://meet.example.com`);
  return {
    name: r.text('XMPP_ENV_NAME'),
    servers,
    authDomain: r.text('XMPP_AUTH_DOMAIN'),
    username: r.text('JIBRI_XMPP_USER'),
    password: password ?? '',
    breweryJid: `${r.text('JIBRI_BREWERY_MUC')}@${r.text('XMPP_INTERNAL_MUC_DOMAIN')}`.toLowerCase(),
    nickname: d.instanceId,
    xmppDomain: r.text('XMPP_DOMAIN'),
    stripFromRoomDomain: strip ? `${strip}.` : '',
    ...(publicUrl ? { publicUrl } : {}),
    trustAllCerts,
    ...optionalField('callLogin', d.recorderLogin),
    usageTimeoutSec: d.usageTimeoutSec,
  };
}

/** Keys of Jibri's environment object that jibri-ts reads; the others are named in the warning. */
const ENVIRONMENT_KEYS = new Set(['name', 'xmpp-server-hosts', 'xmpp-domain', 'base-url', 'control-login', 'control-muc', 'call-login', 'strip-from-room-domain', 'usage-timeout', 'trust-all-xmpp-certs']);
const LOGIN_KEYS = new Set(['domain', 'username', 'password', 'port', 'randomize-username']);
const UNSUPPORTED_ENVIRONMENT_KEYS: Record<string, string> = {
  'sip-control-muc': 'no SIP gateway',
  'security-mode': 'STARTTLS is used whenever the server offers it',
};

/** One object of jibri.conf's environment list, with Jibri's required keys. */
function readFileEnvironment(r: Reader, item: HoconValue, index: number, ignored: string[], warnings: string[]): XmppEnvironment | undefined {
  const where = `jibri.conf ${ENVIRONMENTS_KEY}[${index}]`;
  if (!isHoconObject(item)) {
    r.problems.push(`${where}: expected an object`);
    return undefined;
  }
  const before = r.problems.length;
  const missing = (key: string): void => void r.problems.push(`${where}.${key} is missing (Jibri requires it)`);
  const str = (obj: HoconObject, key: string, prefix: string, required = true): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) missing(`${prefix}${key}`);
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      r.problems.push(`${where}.${prefix}${key}: expected a string`);
      return undefined;
    }
    return String(v);
  };
  const obj = (key: string): HoconObject | undefined => {
    const v = item[key];
    if (v === undefined || v === null) {
      missing(key);
      return undefined;
    }
    if (!isHoconObject(v)) {
      r.problems.push(`${where}.${key}: expected an object`);
      return undefined;
    }
    return v;
  };
  for (const key of Object.keys(item)) {
    if (ENVIRONMENT_KEYS.has(key)) continue;
    ignored.push(`${where}.${key} (${UNSUPPORTED_ENVIRONMENT_KEYS[key] ? `not supported: ${UNSUPPORTED_ENVIRONMENT_KEYS[key]}` : 'unknown'})`);
  }

  const name = str(item, 'name', '');
  const hosts = item['xmpp-server-hosts'];
  const controlLogin = obj('control-login');
  const controlMuc = obj('control-muc');
  const callLogin = obj('call-login');
  for (const [key, login] of [['control-login', controlLogin], ['call-login', callLogin]] as const) {
    for (const k of Object.keys(login ?? {})) if (!LOGIN_KEYS.has(k)) ignored.push(`${where}.${key}.${k} (unknown)`);
  }
  const portText = controlLogin ? str(controlLogin, 'port', 'control-login.', false) : undefined;
  const port = portText === undefined ? 5222 : Number(portText);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) r.problems.push(`${where}.control-login.port = ${JSON.stringify(portText)}: expected a port from 1 to 65535`);
  let servers: XmppServer[] = [];
  if (hosts === undefined || hosts === null) missing('xmpp-server-hosts');
  else if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string')) r.problems.push(`${where}.xmpp-server-hosts: expected a list of "host" or "host:port"`);
  else {
    const parsed = parseXmppServers(hosts, port);
    if (typeof parsed === 'string') r.problems.push(`${where}.xmpp-server-hosts: ${parsed}`);
    else servers = parsed;
  }
  const xmppDomain = str(item, 'xmpp-domain', '');
  const baseUrl = str(item, 'base-url', '', false)?.replace(/\/+$/, '');
  if (baseUrl && !/^https?:\/\/[^/\s#?]+/.test(baseUrl)) r.problems.push(`${where}.base-url = ${JSON.stringify(baseUrl)}: expected an http(s) URL`);
  const strip = str(item, 'strip-from-room-domain', '');
  let usageTimeoutSec = 0;
  const usage = item['usage-timeout'];
  if (usage === undefined || usage === null) missing('usage-timeout');
  else {
    const shown = `${where}.usage-timeout = ${shownValue(usage)}`;
    const parsed = typeof usage === 'string' || typeof usage === 'number' ? jibriUsageTimeout(usage, shown) : { ok: false as const, error: `expected ${DURATION_FORMS}` };
    if (!parsed.ok) r.problems.push(`${shown}: ${parsed.error}`);
    else {
      usageTimeoutSec = parsed.sec;
      if (parsed.warning) warnings.push(parsed.warning);
    }
  }
  let trustAllCerts = false;
  const trust = item['trust-all-xmpp-certs'];
  if (trust === undefined || trust === null) missing('trust-all-xmpp-certs');
  else {
    const b = typeof trust === 'boolean' ? trust : parseBool(String(trust));
    if (b === undefined) r.problems.push(`${where}.trust-all-xmpp-certs = ${shownValue(trust)}: expected true or false`);
    else trustAllCerts = b;
  }
  const login = (o: HoconObject | undefined, key: string): RecorderLogin | undefined => {
    if (!o) return undefined;
    const domain = str(o, 'domain', `${key}.`);
    const username = str(o, 'username', `${key}.`);
    const password = str(o, 'password', `${key}.`);
    const randomize = o['randomize-username'];
    const randomizeUsername = randomize === undefined ? false : typeof randomize === 'boolean' ? randomize : parseBool(String(randomize));
    if (randomizeUsername === undefined) r.problems.push(`${where}.${key}.randomize-username: expected true or false`);
    return domain && username && password !== undefined ? { domain, username, password, ...(randomizeUsername ? { randomizeUsername } : {}) } : undefined;
  };
  const control = login(controlLogin, 'control-login');
  const call = login(callLogin, 'call-login');
  const mucDomain = controlMuc ? str(controlMuc, 'domain', 'control-muc.') : undefined;
  const roomName = controlMuc ? str(controlMuc, 'room-name', 'control-muc.') : undefined;
  const nickname = controlMuc ? str(controlMuc, 'nickname', 'control-muc.') : undefined;
  for (const k of Object.keys(controlMuc ?? {})) if (!['domain', 'room-name', 'nickname'].includes(k)) ignored.push(`${where}.control-muc.${k} (unknown)`);
  if (r.problems.length > before || !name || !xmppDomain || strip === undefined || !control || !mucDomain || !roomName || !nickname) return undefined;
  return {
    name,
    servers,
    authDomain: control.domain,
    username: control.username,
    password: control.password,
    breweryJid: `${roomName}@${mucDomain}`.toLowerCase(),
    nickname,
    xmppDomain,
    stripFromRoomDomain: strip,
    ...(baseUrl ? { publicUrl: baseUrl } : {}),
    trustAllCerts,
    ...optionalField('callLogin', call),
    usageTimeoutSec,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
