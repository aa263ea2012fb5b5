/** The status area: Jibri's webhooks (and their token), StatsD, Prometheus, and the pod the recorder runs in. */
import type { Reader } from '@jibri-ts/common';

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

/** The pod the recorder runs in, when it runs in Kubernetes (the downward API and the service's env). */
export interface KubernetesConfig {
  apiHost?: string;
  apiPort: number;
  podName?: string;
  podNamespace?: string;
}

export function readWebhooks(r: Reader): WebhookConfig {
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

export function readStatsd(r: Reader): StatsdConfig {
  return { enabled: r.bool('ENABLE_STATS_D'), host: r.text('JIBRI_STATSD_HOST'), port: r.int('JIBRI_STATSD_PORT', 1, 65535) };
}

export function readKubernetes(r: Reader): KubernetesConfig {
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
