/**
 * One control connection to one XMPP server of one environment, for one slot: logs in with the
 * environment's control login, joins its brewery with the slot's nickname, keeps the brewery presence
 * equal to the slot's status, and hands `<jibri>` IQs to the edge. It pings the server as Jibri does
 * (every 30 s): an unanswered ping drops the connection. It reconnects with backoff after a drop or a
 * server restart, then rejoins and publishes the current status again.
 */
import { EventEmitter } from 'node:events';
import { client, type Client } from '@xmpp/client';
import xml, { type Element } from '@xmpp/xml';
import type { XmppEnvironment, XmppServer } from '../config';
import type { Logger } from '../log';
import { stayOnService, trustAllCertsFor } from '@jibri-ts/common';

import { NS_JIBRI } from './jibri-iq';
import { jibriStatus, type BreweryStatus } from './presence';

const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_PING = 'urn:xmpp:ping';
/** How long a ping may go unanswered, at most (less when pings come more often). */
const PING_TIMEOUT_MS = 10000;

/** What the IQ handler needs to know about where an IQ came from and how to answer later. */
export interface IqContext {
  connection: BreweryConnection;
  from: string;
  to: string;
  id: string;
}

export type JibriIqHandler = (element: Element, ctx: IqContext) => Promise<Element>;

/** Backoff for reconnects: 1 s, doubling, at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30000, 1000 * 2 ** Math.max(0, attempt));
}

/** Why a connection that was online went away: `onError` unless this side closed it (a failed ping). */
export interface ConnectionLoss {
  reason: string;
  onError: boolean;
}

export interface ConnectionOptions {
  server: XmppServer;
  config: XmppEnvironment;
  /** Milliseconds between pings; 0 turns them off. */
  pingIntervalMs?: number;
  /** The recorder slot this occupant offers (1 when there is one slot). */
  slot: number;
  /** Brewery nickname: JIBRI_INSTANCE_ID, or <JIBRI_INSTANCE_ID>-<slot> with several slots. */
  nickname: string;
  log: Logger;
  status: () => BreweryStatus;
  onJibriIq: JibriIqHandler;
}

export interface XmppConnectionEvents {
  online: [];
  /** A connection that was online is lost. */
  offline: [loss: ConnectionLoss];
  /**
   * A new attempt is scheduled, and `'login-failed'` an attempt failed; both only once the connection was
   * online before, as jicoco's MucClient counts them (a server never reached is not a reconnection).
   */
  reconnecting: [];
  'login-failed': [];
  'ping-failed': [];
}

/** What the edge needs of one brewery occupant; the real connection below, fakes in the unit specs. */
export interface BreweryConnection extends Pick<EventEmitter<XmppConnectionEvents>, 'on' | 'off' | 'once'> {
  /** The server entry as written (e.g. "xmpp.meet.jitsi:5222"). */
  readonly id: string;
  /** Jibri's environment context name for sessions from here: `<environment name>-<server entry>`. */
  readonly environment: string;
  readonly config: XmppEnvironment;
  readonly slot: number;
  readonly offlineSince: number | undefined;
  readonly lastProblem: string | undefined;
  start(): void;
  stop(): Promise<void>;
  sendPresence(): Promise<void>;
  sendIq(to: string, child: Element): Promise<void>;
}

export class XmppConnection extends EventEmitter<XmppConnectionEvents> implements BreweryConnection {
  /** The server entry as written (e.g. "xmpp.meet.jitsi:5222"). */
  readonly id: string;
  /** Jibri's environment context name for sessions from here: `<environment name>-<server entry>`. */
  readonly environment: string;
  readonly config: XmppEnvironment;
  readonly slot: number;
  readonly occupantJid: string;
  private xmpp: Client | undefined;
  private online = false;
  /** Online at least once: from then on, attempts are reconnections. */
  private established = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastPresence = '';
  private pingTimer: NodeJS.Timeout | undefined;
  /** Set while this side drops the connection on purpose (a failed ping): that loss is not "on error". */
  private droppingOnPurpose = false;
  /** Since when this connection has not been in the brewery (its start, or its last drop). */
  private notOnlineSince = Date.now();
  /** Why the last attempt failed, in words for health (never a password: the redaction masks it anyway). */
  private problem: string | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: ConnectionOptions) {
    super();
    this.id = opts.server.id;
    this.config = opts.config;
    this.environment = opts.config.name ? `${opts.config.name}-${opts.server.id}` : opts.server.id;
    this.slot = opts.slot;
    this.occupantJid = `${opts.config.breweryJid}/${opts.nickname}`;
    this.log = opts.log.child({ component: `xmpp ${opts.config.name ? `${opts.config.name} ` : ''}${opts.server.id} ${opts.nickname}` });
    if (opts.config.trustAllCerts) trustAllCertsFor(opts.config.authDomain);
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** When it last left the brewery (or started), while it is not in it; undefined while online. */
  get offlineSince(): number | undefined {
    return this.online ? undefined : this.notOnlineSince;
  }

  /** Why the last connection attempt failed, if one did. */
  get lastProblem(): string | undefined {
    return this.problem;
  }

  /** Starts connecting; never rejects: a server that is down is retried with backoff. */
  start(): void {
    this.stopped = false;
    if (!this.online) this.notOnlineSince = Date.now();
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const { server, config } = this.opts;
    const service = `xmpp://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
    const xmpp = client({ service, domain: config.authDomain, username: config.username, password: config.password });
    stayOnService(xmpp, service);
    this.xmpp = xmpp;
    // Our own backoff replaces xmpp.js's fixed one-second reconnect, so a restart storm cannot hammer Prosody.
    xmpp.reconnect.stop();
    // A client that was replaced (after a drop) may still report its own end: only the current one counts.
    const current = (): boolean => this.xmpp === xmpp;
    xmpp.on('error', (err: Error) => {
      if (!current()) return;
      this.problem = `${server.host}:${server.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
      this.log.warn(`XMPP error: ${err.message}`);
    });
    xmpp.on('offline', () => current() && this.onDown('offline'));
    xmpp.on('disconnect', () => current() && this.onDown('disconnected'));
    xmpp.on('stanza', (stanza: Element) => current() && this.onStanza(stanza));
    xmpp.on('online', () => current() && void this.onOnline());
    // xmpp.js's iqCallee builds the result around what the handler returns (to/from swapped, same id).
    const handle = (ctx: unknown): Promise<Element> => {
      const { element, stanza } = ctx as { element: Element; stanza: Element };
      return this.opts.onJibriIq(element, { connection: this, from: String(stanza.attrs.from), to: String(stanza.attrs.to), id: String(stanza.attrs.id) });
    };
    xmpp.iqCallee.set(NS_JIBRI, 'jibri', handle);
    xmpp.iqCallee.get(NS_JIBRI, 'jibri', handle);
    xmpp.start().catch((err: Error) => {
      if (!current()) return;
      const code = (err as NodeJS.ErrnoException).code;
      // A refused or unreachable server has an errno code; anything else is the login or the stream.
      this.problem = code
        ? `cannot reach ${server.host}:${server.port} (${code}): check XMPP_SERVER and XMPP_PORT (or xmpp-server-hosts in jibri.conf), and that the XMPP server runs`
        : `${server.host}:${server.port} refused the login of ${config.username}@${config.authDomain} (${err.message}): check JIBRI_XMPP_USER, JIBRI_XMPP_PASSWORD and XMPP_AUTH_DOMAIN (or control-login in jibri.conf)`;
      this.log.warn(`cannot log in to ${server.host}:${server.port} as ${config.username}@${config.authDomain}: ${err.message}`);
      if (this.established) this.emit('login-failed');
      this.onDown('login failed');
    });
  }

  private async onOnline(): Promise<void> {
    this.attempt = 0;
    this.problem = undefined;
    this.lastPresence = '';
    this.log.info(`logged in; joining the brewery as ${this.occupantJid}`);
    await this.sendPresence(true);
    this.online = true;
    this.established = true;
    this.emit('online');
    this.schedulePing();
  }

  private schedulePing(): void {
    const every = this.opts.pingIntervalMs ?? 30000;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    if (!every || this.stopped || !this.online) return;
    this.pingTimer = setTimeout(() => void this.ping(), every);
    this.pingTimer.unref();
  }

  /** XEP-0199 to the server; any answer, even an error, proves the connection lives. */
  private async ping(): Promise<void> {
    const xmpp = this.xmpp;
    if (!xmpp || !this.online) return;
    const timeout = Math.min(PING_TIMEOUT_MS, this.opts.pingIntervalMs ?? 30000);
    try {
      await xmpp.iqCaller.get(xml('ping', { xmlns: NS_PING }), this.opts.config.authDomain, timeout);
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' && this.xmpp === xmpp && this.online) {
        this.log.warn(`ping unanswered after ${timeout} ms; dropping the connection to reconnect`);
        this.emit('ping-failed');
        this.droppingOnPurpose = true;
        this.onDown('ping timeout');
        this.droppingOnPurpose = false;
        return;
      }
    }
    if (this.xmpp === xmpp) this.schedulePing();
  }

  private onStanza(stanza: Element): void {
    // Prosody answers a join with a presence error when the nickname is taken or the room refuses us.
    if (stanza.is('presence') && stanza.attrs.type === 'error' && String(stanza.attrs.from).toLowerCase() === this.occupantJid.toLowerCase()) {
      const condition = stanza.getChild('error')?.children.find((c) => typeof c !== 'string');
      this.log.error(`could not join the brewery ${this.opts.config.breweryJid}: ${condition?.name ?? 'error'}; check JIBRI_BREWERY_MUC, XMPP_INTERNAL_MUC_DOMAIN and JIBRI_INSTANCE_ID (or control-muc in jibri.conf; the nickname must be unique)`);
    }
  }

  private onDown(why: string): void {
    const wasOnline = this.online;
    this.online = false;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    if (wasOnline) {
      this.notOnlineSince = Date.now();
      this.problem ??= `the connection to ${this.opts.server.host}:${this.opts.server.port} was lost (${why})`;
      this.log.warn(`connection lost (${why})`);
      this.emit('offline', { reason: why, onError: !this.droppingOnPurpose } satisfies ConnectionLoss);
    }
    if (this.stopped || this.retryTimer) return;
    const xmpp = this.xmpp;
    this.xmpp = undefined;
    // A server that stopped answering may never close its side: the socket is destroyed after the try.
    void xmpp
      ?.stop()
      .catch(() => undefined)
      .finally(() => (xmpp as unknown as { socket?: { destroy(): void } }).socket?.destroy());
    const delay = reconnectDelay(this.attempt++);
    this.log.info(`${this.established ? 'reconnecting' : 'connecting again'} in ${delay} ms`);
    if (this.established) this.emit('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Sends the brewery presence when the status changed (or always, on join). */
  async sendPresence(join = false): Promise<void> {
    const status = this.opts.status();
    const key = `${status.busy}/${status.healthy}`;
    if (!join && key === this.lastPresence) return;
    const xmpp = this.xmpp;
    if (!xmpp || (!join && !this.online)) return;
    this.lastPresence = key;
    const presence = xml('presence', { to: this.occupantJid }, ...(join ? [xml('x', { xmlns: NS_MUC })] : []), jibriStatus(status));
    await xmpp.send(presence).catch((err: Error) => this.log.warn(`could not send presence: ${err.message}`));
  }

  /** An IQ set from us to Jicofo (status updates); Jicofo's answer, even an error, is not our concern. */
  async sendIq(to: string, child: Element): Promise<void> {
    const xmpp = this.xmpp;
    if (!xmpp || !this.online) {
      this.log.warn(`not connected; status IQ to ${to} dropped`);
      return;
    }
    await xmpp.iqCaller.set(child, to).catch((err: Error) => this.log.debug(`status IQ to ${to} answered with ${err.message}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const xmpp = this.xmpp;
    this.xmpp = undefined;
    this.online = false;
    if (!xmpp) return;
    await xmpp.send(xml('presence', { to: this.occupantJid, type: 'unavailable' })).catch(() => undefined);
    await xmpp.stop().catch(() => undefined);
  }
}
