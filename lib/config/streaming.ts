/** The streaming area: Jibri's streaming encode, the ingests' rules, and what jibri-ts adds (reconnects, a local copy). */
import * as fs from 'node:fs';
import { readAllowedHosts, type AllowedHost, type Reader } from '@jibri-ts/common';
import { X264_PRESETS } from './encoding';

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

export function readStreaming(r: Reader): StreamingConfig {
  const maxBitrateKbps = r.parsed('JIBRI_RECORDING_STREAMING_MAX_BITRATE', (raw) => {
    const rate = /^(\d{2,6})k?$/i.exec(raw);
    return rate ? { ok: true, value: Number(rate[1]) } : { ok: false, expected: 'expected kbit/s such as 2976k' };
  });
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
    maxBitrateKbps,
    gopSize: r.int('JIBRI_RECORDING_STREAMING_GOP_SIZE', 1, 600),
    allowList,
    retryTimeoutSec: r.duration('JIBRI_STREAMING_RETRY_TIMEOUT', 0, 24 * 3600),
    localCopy: r.bool('JIBRI_STREAMING_LOCAL_COPY'),
    ...readRtmpsCa(r),
    ...(r.bool('JIBRI_STREAMING_PUBLIC_ONLY') ? { publicOnly: { allowed: readAllowedHosts(r, 'JIBRI_STREAMING_ALLOWED_HOSTS') } } : {}),
  };
}

/** JIBRI_EXTRA_OUTPUTS: lower-case kind names, each once; whether this recorder has the kind is lib/output's to say. */
export function readExtraOutputs(r: Reader): string[] {
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
