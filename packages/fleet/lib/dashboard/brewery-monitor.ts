/**
 * The dashboard's view of customers' breweries: while someone looks at a deployment, one BreweryWatch
 * per domain (the fleet's own login, through the outbound guard, like the deployer's) keeps the latest
 * presence of its recorders. A watch nobody asked about for a minute is closed; one that failed is
 * tried again after a pause, and its error is what the page shows.
 */
import type { Logger } from '@jibri-ts/common';
import { BreweryWatch, type OccupantStatus } from '../brewery-watch';
import type { DomainConfig } from '../domain-config';
import type { AllowedHost } from '../outbound-guard';

interface Entry {
  watch: BreweryWatch;
  ready: boolean;
  error?: string;
  lastAsked: number;
  startedAt: number;
}

export class BreweryMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly sweep: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly allowed: readonly AllowedHost[], private readonly log: Logger, private readonly idleMs = 60_000, private readonly retryMs = 15_000) {
    this.sweep = setInterval(() => void this.closeIdle(), Math.min(idleMs, 10_000));
    this.sweep.unref();
  }

  /**
   * The latest sightings of `nicknames` in the domain's brewery (undefined each until the watch has
   * joined), and the watch's error if it could not join. Starts the watch on first ask.
   */
  look(key: string, config: DomainConfig, nicknames: readonly string[]): { seen: Map<string, OccupantStatus | undefined>; error?: string } {
    const now = Date.now();
    let e = this.entries.get(key);
    if (e?.error && now - e.startedAt > this.retryMs) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e && !this.stopped) {
      const entry: Entry = { watch: new BreweryWatch(config, this.allowed), ready: false, lastAsked: now, startedAt: now };
      this.entries.set(key, entry);
      entry.watch.start().then(
        () => {
          entry.ready = true;
        },
        (err: unknown) => {
          entry.error = (err as Error).message;
          this.log.warn(`watching the brewery of ${key}: ${entry.error}`, { component: 'dashboard' });
        },
      );
      e = entry;
    }
    const seen = new Map<string, OccupantStatus | undefined>();
    if (e) e.lastAsked = now;
    for (const n of nicknames) seen.set(n, e?.ready ? (e.watch.status(n) ?? { present: false, busy: false, healthy: false }) : undefined);
    return { seen, ...(e?.error ? { error: e.error } : {}) };
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    for (const [key, e] of this.entries) {
      if (now - e.lastAsked > this.idleMs) {
        this.entries.delete(key);
        await e.watch.stop();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweep);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.watch.stop()));
  }
}
