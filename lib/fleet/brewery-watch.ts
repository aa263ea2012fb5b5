/**
 * The fleet's eyes in a domain's brewery: it logs in with the domain's control login (as its recorders
 * do, another resource), joins the brewery under a nickname no recorder uses, and keeps the latest
 * `<jibri-status>` of every occupant. Jicofo ignores occupants without a jibri-status, so the watcher is
 * invisible to it. The same login is the "test login" that completes a domain's configuration.
 */
import * as crypto from 'node:crypto';
import { client, type Client } from '@xmpp/client';
import xml, { type Element } from '@xmpp/xml';
import { parseXmppServers } from '../config';
import { trustAllCertsFor } from '../xmpp/tls-trust';
import { NS_JIBRI } from '../xmpp/jibri-iq';
import type { DomainConfig } from './domain-config';

export interface OccupantStatus {
  busy: boolean;
  healthy: boolean;
  present: boolean;
}

export class BreweryWatch {
  private xmpp: Client | undefined;
  private readonly occupants = new Map<string, OccupantStatus>();
  readonly breweryJid: string;

  constructor(private readonly config: DomainConfig) {
    this.breweryJid = `${config.JIBRI_BREWERY_MUC}@${config.XMPP_INTERNAL_MUC_DOMAIN}`.toLowerCase();
  }

  /** Logs in and joins; rejects with a message that says what failed (server, login, brewery). */
  async start(timeoutMs = 15000): Promise<void> {
    const c = this.config;
    const servers = parseXmppServers(c.XMPP_SERVER ?? '', 5222);
    if (typeof servers === 'string') throw new Error(`XMPP_SERVER: ${servers}`);
    const server = servers[0]!;
    trustAllCertsFor(c.XMPP_AUTH_DOMAIN!);
    const xmpp = client({ service: `xmpp://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`, domain: c.XMPP_AUTH_DOMAIN!, username: c.JIBRI_XMPP_USER!, password: c.JIBRI_XMPP_PASSWORD!, resource: `jod-fleet-${crypto.randomUUID().slice(0, 8)}` });
    this.xmpp = xmpp;
    xmpp.reconnect.stop();
    xmpp.on('error', () => undefined);
    const nick = `jod-fleet-${crypto.randomUUID().slice(0, 8)}`;
    let joined!: () => void;
    let refused!: (e: Error) => void;
    const join = new Promise<void>((resolve, reject) => ((joined = resolve), (refused = reject)));
    xmpp.on('stanza', (s: Element) => {
      if (!s.is('presence')) return;
      const [bare, occupant] = String(s.attrs.from ?? '').split('/');
      if (bare?.toLowerCase() !== this.breweryJid || !occupant) return;
      if (occupant === nick) {
        if (s.attrs.type === 'error') refused(new Error(`the brewery ${this.breweryJid} refused the join (${(s.getChild('error')?.children[0] as Element | undefined)?.name ?? 'error'})`));
        else joined();
        return;
      }
      if (s.attrs.type === 'unavailable') {
        this.occupants.set(occupant, { busy: true, healthy: false, present: false });
        return;
      }
      const status = s.getChild('jibri-status', NS_JIBRI);
      if (!status) return;
      this.occupants.set(occupant, {
        busy: status.getChild('busy-status', NS_JIBRI)?.attrs.status !== 'idle',
        healthy: status.getChild('health-status')?.attrs.status === 'healthy',
        present: true,
      });
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer from ${server.host}:${server.port} within ${timeoutMs} ms`)), timeoutMs).unref());
    try {
      await Promise.race([
        xmpp.start().catch((err: Error) => {
          throw new Error(`cannot log in to ${server.host}:${server.port} as ${c.JIBRI_XMPP_USER}@${c.XMPP_AUTH_DOMAIN}: ${err.message}`);
        }),
        timeout,
      ]);
      await xmpp.send(xml('presence', { to: `${this.breweryJid}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
      await Promise.race([join, timeout]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  status(nickname: string): OccupantStatus | undefined {
    return this.occupants.get(nickname);
  }

  async stop(): Promise<void> {
    const xmpp = this.xmpp;
    this.xmpp = undefined;
    await xmpp?.stop().catch(() => undefined);
  }
}

/** The test login that completes a domain's configuration: log in, join the brewery, leave. */
export async function verifyDomain(config: DomainConfig): Promise<string | undefined> {
  const watch = new BreweryWatch(config);
  try {
    await watch.start();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await watch.stop();
  }
}
