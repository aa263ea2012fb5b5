/**
 * The fleet's eyes in a domain's brewery: it logs in with the domain's control login (as its recorders
 * do, another resource), joins the brewery under a nickname no recorder uses, and keeps the latest
 * `<jibri-status>` of every occupant. Jicofo ignores occupants without a jibri-status, so the watcher is
 * invisible to it. The same login is the "test login" that completes a domain's configuration.
 *
 * The customer aims this connection, so it goes through the outbound guard: every XMPP_SERVER entry is
 * resolved and checked once, the socket connects to the checked address, a see-other-host redirect is
 * refused, and the server's certificate is verified for this socket unless the domain's own
 * configuration says XMPP_TRUST_ALL_CERTS=true. The checked addresses are what its recorders get too.
 */
import * as crypto from 'node:crypto';
import { client, type Client } from '@xmpp/client';
import xml, { type Element } from '@xmpp/xml';
import { NS_JIBRI, parseXmppServers, setSocketTrust, stayOnService } from '@jibri-ts/common';
import { trustsAllCerts, type DomainConfig } from './domain-config';
import { pinnedLookup, resolveChecked, type AllowedHost, type CheckedAddress } from './outbound-guard';

/** A customer's XMPP server as checked: what it was called and where the fleet may connect. */
export interface CheckedServer {
  host: string;
  port: number;
  checked: CheckedAddress;
}

/** Resolves and checks every entry of XMPP_SERVER; throws OutboundRefused naming the field. */
export async function checkXmppServers(config: DomainConfig, allowed: readonly AllowedHost[]): Promise<CheckedServer[]> {
  const servers = parseXmppServers(config.XMPP_SERVER ?? '', 5222);
  if (typeof servers === 'string') throw new Error(`XMPP_SERVER: ${servers}`);
  const out: CheckedServer[] = [];
  for (const s of servers) out.push({ host: s.host, port: s.port, checked: await resolveChecked('XMPP_SERVER', s.host, s.port, allowed) });
  return out;
}

/**
 * Pure: XMPP_SERVER for the recorders: each entry the checked address (the recorder connects where the
 * fleet checked, whatever DNS answers later), but a host the operator allowed stays as written.
 */
export function pinnedXmppServers(servers: readonly CheckedServer[]): string {
  return servers.map((s) => {
    const host = s.checked.allowedByOperator ? s.host : s.checked.address;
    return `${host.includes(':') ? `[${host}]` : host}:${s.port}`;
  }).join(',');
}

const CERT_ERROR = /certificate|CERT_|SELF_SIGNED|ALTNAME/i;

export interface OccupantStatus {
  busy: boolean;
  healthy: boolean;
  present: boolean;
}

export class BreweryWatch {
  private xmpp: Client | undefined;
  private readonly occupants = new Map<string, OccupantStatus>();
  readonly breweryJid: string;

  /** The servers as checked by the last start: what the recorders are pointed at. */
  servers: CheckedServer[] = [];

  constructor(private readonly config: DomainConfig, private readonly allowed: readonly AllowedHost[]) {
    this.breweryJid = `${config.JIBRI_BREWERY_MUC}@${config.XMPP_INTERNAL_MUC_DOMAIN}`.toLowerCase();
  }

  /** Checks the servers, logs in and joins; rejects with a message that says what failed (server, login, brewery). */
  async start(timeoutMs = 15000): Promise<void> {
    const c = this.config;
    this.servers = await checkXmppServers(c, this.allowed);
    const server = this.servers[0]!;
    const service = `xmpp://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
    const xmpp = client({ service, domain: c.XMPP_AUTH_DOMAIN!, username: c.JIBRI_XMPP_USER!, password: c.JIBRI_XMPP_PASSWORD!, resource: `jod-fleet-${crypto.randomUUID().slice(0, 8)}` });
    this.xmpp = xmpp;
    xmpp.reconnect.stop();
    xmpp.on('error', () => undefined);
    // The socket goes to the checked address only; a see-other-host asks for another service: refused.
    stayOnService(xmpp, service, pinnedLookup(server.checked));
    const entity = xmpp as unknown as { socket?: object };
    const trustAll = trustsAllCerts(c);
    xmpp.on('connect', () => {
      if (entity.socket) setSocketTrust(entity.socket, trustAll);
    });
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
        xmpp.start().catch((err: Error & { code?: string }) => {
          const cert = CERT_ERROR.test(`${err.code ?? ''} ${err.message}`)
            ? `; the server's certificate for ${c.XMPP_AUTH_DOMAIN} is not trusted: give it one a public CA signed, or set XMPP_TRUST_ALL_CERTS=true in this domain's configuration`
            : '';
          throw new Error(`cannot log in to ${server.host}:${server.port} as ${c.JIBRI_XMPP_USER}@${c.XMPP_AUTH_DOMAIN}: ${err.message}${cert}`);
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
export async function verifyDomain(config: DomainConfig, allowed: readonly AllowedHost[]): Promise<string | undefined> {
  const watch = new BreweryWatch(config, allowed);
  try {
    await watch.start();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await watch.stop();
  }
}
