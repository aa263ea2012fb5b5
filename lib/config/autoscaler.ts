/** The autoscaler area: the Jitsi autoscaler, reported to as its sidecar does (lib/status/autoscaler.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageVersion, type Reader } from '@jibri-ts/common';
import { firstLocalAddress, type ConfigContext } from './context';

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

export function readAutoscaler(r: Reader, ctx: ConfigContext): AutoscalerConfig | undefined {
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
    version: r.optional('JIBRI_VERSION') ?? packageVersion('jibri-ts', __dirname),
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
