/**
 * What Jicofo sees: for each XMPP environment (a Jitsi deployment), one connection per server and slot,
 * each in that environment's brewery with the slot's status in presence, and `<jibri>` IQs answered as
 * Jibri answers them. A session started from an environment uses that environment's call login, URL
 * rules and usage timeout. A start is answered `pending` as soon as
 * the recorder admitted it (the browser starts afterwards); the requester then gets `on` when frames
 * are written and `off` (with failure_reason and should_retry on error) when the file is closed.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import xml, { type Element } from '@xmpp/xml';
import type { Config, RecorderLogin, XmppEnvironment } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import { registerSecret } from '../redact';
import type { Recorder, SessionChange } from '../recorder/recorder';
import type { HealthDetail as CheckResult } from '../recorder/snapshot';
import { sessionMode } from '../output/outputs';
import { XmppConnection, type BreweryConnection, type ConnectionOptions, type IqContext } from './connection';
import { jibriStatusChild, parseJibriIq, type Failure, type StartIq } from './jibri-iq';
import { startRequestFromIq } from './start-request';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Who asked for a session, so that its status IQs go back the same way. */
interface Requester {
  connection: BreweryConnection;
  jid: string;
  sipAddress?: string;
  /** Set once an explicit stop was answered `off`: no second `off` is sent. */
  answered: boolean;
}

export interface XmppEdgeOptions {
  config: Config;
  environments: readonly XmppEnvironment[];
  recorder: Recorder;
  log: Logger;
  /** Makes one brewery occupant; a real XMPP connection by default (unit specs pass fakes). */
  connect?: (opts: ConnectionOptions) => BreweryConnection;
}

/**
 * One occupant per slot, so that an unmodified Jicofo sees N recorders and spreads sessions over them.
 * A single slot keeps the plain JIBRI_INSTANCE_ID, exactly as Jibri.
 */
export function slotNickname(nickname: string, slot: number, slots: number): string {
  return slots === 1 ? nickname : `${nickname}-${slot}`;
}

const RANDOM_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Jibri's randomize-username: `<username>-<8 characters [a-z0-9]>`, new for each session. */
export function sessionCallLogin(login: RecorderLogin): RecorderLogin {
  if (!login.randomizeUsername) return login;
  const suffix = Array.from({ length: 8 }, () => RANDOM_CHARS[randomInt(RANDOM_CHARS.length)]).join('');
  return { domain: login.domain, username: `${login.username}-${suffix}`, password: login.password };
}

/** What each failure tells Jicofo: only an unusable request (no other recorder would do better) is final. */
export function failureFor(err: RecorderError): Failure {
  if (err.code === 'BUSY') return { reason: 'busy', shouldRetry: true };
  return { reason: 'error', shouldRetry: err.retryable };
}

/** How often the links' health is looked at: the grace is in seconds, so a second is precise enough. */
const LINK_CHECK_MS = 1000;

/**
 * Pure: the health of one XMPP server from its connections (one per slot). HEALTHY while all are in the
 * brewery, or none has been out of it for longer than the grace; then UNHEALTHY with what went wrong.
 */
export function serverLinkCheck(server: string, connections: Array<{ offlineSince: number | undefined; lastProblem: string | undefined }>, graceSec: number, now: number): CheckResult {
  const down = connections.filter((c) => c.offlineSince !== undefined);
  const since = Math.min(...down.map((c) => c.offlineSince!));
  if (!down.length || now - since <= graceSec * 1000) return { healthStatus: 'HEALTHY', detail: down.length ? `connecting to ${server}` : `in the brewery on ${server}` };
  const why = down.find((c) => c.lastProblem)?.lastProblem ?? `cannot reach ${server}`;
  return {
    healthStatus: 'UNHEALTHY',
    detail: `not in the brewery on ${server} for ${Math.round((now - since) / 1000)} s, so Jicofo there cannot pick this recorder: ${why}`,
  };
}

export interface XmppEdgeEvents {
  /** A session stopped because the connection that started it was lost (its id, the server entry). */
  'stopped-on-close': [sessionId: string, server: string];
}

export class XmppEdge extends EventEmitter<XmppEdgeEvents> {
  readonly connections: BreweryConnection[];
  private readonly requesters = new Map<string, Requester>();
  private linkTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: XmppEdgeOptions) {
    super();
    this.log = opts.log.child({ component: 'xmpp' });
    for (const env of opts.environments) {
      registerSecret(env.password, { pinned: true });
      registerSecret(env.callLogin?.password, { pinned: true });
    }
    // EXPIRED is never on the wire: an expired slot stays busy for Jicofo.
    const status = (slot: number) => (): { busy: boolean; healthy: boolean } => ({
      busy: opts.recorder.slotStatus(slot).busy,
      // The machine's health: this server's Jicofo need not know that another server is out of reach.
      healthy: opts.recorder.canRecord,
    });
    const slots = opts.recorder.slotCount;
    const pingIntervalMs = opts.config.xmppPingIntervalSec * 1000;
    this.connections = opts.environments.flatMap((env) =>
      env.servers.flatMap((server) =>
        Array.from({ length: slots }, (_, i) => {
          const slot = i + 1;
          const nickname = slotNickname(env.nickname, slot, slots);
          const connect = opts.connect ?? ((o: ConnectionOptions) => new XmppConnection(o));
          return connect({ server, config: env, pingIntervalMs, slot, nickname, log: opts.log, status: status(slot), onJibriIq: (el, ctx) => this.onIq(el, ctx) });
        }),
      ),
    );
    for (const c of this.connections) c.on('offline', () => this.onConnectionLost(c));
    opts.recorder.on('status', () => {
      for (const c of this.connections) void c.sendPresence();
    });
    opts.recorder.on('session', (change) => this.onSession(change));
  }

  start(): void {
    for (const c of this.connections) c.start();
    this.checkLinks();
    this.linkTimer = setInterval(() => this.checkLinks(), LINK_CHECK_MS);
    this.linkTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.linkTimer) clearInterval(this.linkTimer);
    await Promise.all(this.connections.map((c) => c.stop()));
  }

  /**
   * Health shows each configured XMPP server (of each environment) as a link: UNHEALTHY once out of
   * reach past JIBRI_XMPP_UNREACHABLE_GRACE. Named as sessions name where they came from.
   */
  private checkLinks(): void {
    const now = Date.now();
    const byServer = new Map<string, BreweryConnection[]>();
    for (const c of this.connections) byServer.set(c.environment, [...(byServer.get(c.environment) ?? []), c]);
    for (const [name, conns] of byServer) this.opts.recorder.setLinkCheck(`xmpp:${name}`, serverLinkCheck(name, conns, this.opts.config.xmppUnreachableGraceSec, now));
  }

  private async onIq(el: Element, ctx: IqContext): Promise<Element> {
    // Only the brewery may drive us (Jicofo's IQs come from its occupant JID there).
    const fromBare = ctx.from.split('/')[0]?.toLowerCase();
    if (fromBare !== ctx.connection.config.breweryJid) {
      this.log.warn(`refused a jibri IQ from ${ctx.from.slice(0, 200)}: not from the brewery`);
      return stanzaError('auth', 'forbidden');
    }
    const parsed = parseJibriIq(el);
    switch (parsed.kind) {
      case 'invalid':
        this.log.warn(`bad jibri IQ from ${ctx.from}: ${parsed.text}`);
        return stanzaError('modify', 'bad-request');
      case 'stop':
        return this.onStop(ctx.connection.slot, parsed.sessionId, parsed.sipAddress);
      case 'start':
        return this.onStart(parsed, ctx);
    }
  }

  private onStart(iq: StartIq, ctx: IqContext): Element {
    const sip = iq.sipAddress !== undefined ? { sipAddress: iq.sipAddress } : {};
    const refuse = (failure: Failure, why: string): Element => {
      this.log.info(`start ${iq.sessionId ?? '(no session_id)'} refused: ${why}`);
      return jibriStatusChild('off', { failure, ...sip });
    };
    const env = ctx.connection.config;
    const parsed = startRequestFromIq(iq, env, ctx.connection.environment, env.callLogin ? sessionCallLogin(env.callLogin) : undefined, { audioOnly: this.opts.config.xmppAudioOnly });
    if (!parsed.ok && parsed.kind === 'bad-request') {
      // Not a status answer: a request no recorder can serve, said in words Jicofo logs.
      this.log.warn(`start ${iq.sessionId ?? '(no session_id)'} refused: ${parsed.text}`);
      return stanzaError('modify', 'bad-request', parsed.text);
    }
    if (!parsed.ok) return refuse(parsed.failure, parsed.why);
    const { request } = parsed;
    const { sessionId } = request;
    // A second start for a running session id is refused and leaves the first requester in place: it
    // still gets its `off` when that session ends.
    if (this.requesters.has(sessionId)) return refuse({ reason: 'error', shouldRetry: false }, `a session with the id ${sessionId} is already running`);
    // Registered before start(): the recorder's first status events must already find their requester.
    this.requesters.set(sessionId, { connection: ctx.connection, jid: ctx.from, ...sip, answered: false });
    try {
      // Admission publishes `busy`, so presence leaves before this answer does.
      this.opts.recorder.start(request, { slot: ctx.connection.slot });
    } catch (err) {
      this.requesters.delete(sessionId);
      if (err instanceof RecorderError) return refuse(failureFor(err), err.message);
      throw err;
    }
    this.log.info(`start ${sessionId} accepted from ${ctx.from}: ${sessionMode(request.outputs) === 'file' ? 'recording' : 'streaming'} ${request.call.baseUrl}/${request.call.callName}`);
    return jibriStatusChild('pending', sip);
  }

  /**
   * Stops what runs in the slot the IQ was sent to (Jibri ignores the session id, and so does this with
   * one slot); answers `off` once the file is closed on disk.
   */
  private async onStop(slot: number, sessionId: string | undefined, sipAddress: string | undefined): Promise<Element> {
    const target = this.opts.recorder.sessionInSlot(slot)?.id;
    const r = target ? this.requesters.get(target) : undefined;
    if (r) r.answered = true;
    if (target) await this.opts.recorder.stop(target);
    else this.log.info(`stop${sessionId ? ` ${sessionId}` : ''} for slot ${slot}: nothing runs there`);
    this.log.info(`stop${sessionId ? ` ${sessionId}` : ''} answered: off`);
    return jibriStatusChild('off', sipAddress !== undefined ? { sipAddress } : {});
  }

  private onSession(change: SessionChange): void {
    const id = change.session.sessionId;
    const r = this.requesters.get(id);
    if (!r) return;
    const sip = r.sipAddress !== undefined ? { sipAddress: r.sipAddress } : {};
    if (change.state.name === 'recording' && change.previous.name === 'starting') {
      void r.connection.sendIq(r.jid, jibriStatusChild('on', sip));
    } else if (change.state.name === 'finalizing' || change.state.name === 'finished' || change.state.name === 'failed') {
      this.requesters.delete(id);
      if (r.answered) return;
      const failure = change.state.error ? failureFor(change.state.error) : undefined;
      void r.connection.sendIq(r.jid, jibriStatusChild('off', { ...sip, ...(failure ? { failure } : {}) }));
    }
  }

  /** Jicofo treats a recorder that left the brewery as failed and restarts the session elsewhere. */
  private onConnectionLost(connection: BreweryConnection): void {
    for (const [id, r] of this.requesters) {
      if (r.connection !== connection) continue;
      this.log.warn(`the XMPP connection that started ${id} was lost; stopping it (Jicofo restarts it on another recorder)`);
      r.answered = true;
      this.emit('stopped-on-close', id, connection.id);
      void this.opts.recorder.stop(id);
    }
  }
}

function stanzaError(type: string, condition: string, text?: string): Element {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }), ...(text ? [xml('text', { xmlns: NS_STANZAS }, text)] : []));
}
