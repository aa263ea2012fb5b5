/**
 * A client that plays Jicofo: logs in as focus@auth, joins the brewery as "focus", watches the
 * recorders' presence, sends them `<jibri>` IQs and answers their status IQs with an empty result,
 * as Jicofo does. Everything it sees is recorded for the assertions.
 */
import { client, type Client } from '@xmpp/client';
import xml, { Parser, type Element } from '@xmpp/xml';
import { DOMAINS, type Domains } from './prosody';

export const NS_JIBRI = 'http://jitsi.org/protocol/jibri';
export const BREWERY = `jibribrewery@${DOMAINS.internalMuc}`;

export interface SeenPresence {
  from: string;
  type?: string;
  busy?: string;
  health?: string;
  healthNs?: string;
  at: number;
  stanza: Element;
}

export interface SeenIq {
  from: string;
  jibri: Element;
  at: number;
}

export class FakeJicofo {
  readonly presences: SeenPresence[] = [];
  readonly statusIqs: SeenIq[] = [];
  private xmpp: Client | undefined;
  private idCounter = 0;

  private readonly domains: Domains;
  /** The brewery this Jicofo watches (jibribrewery@<internal MUC domain>). */
  readonly brewery: string;

  constructor(private readonly port: number, private readonly password: string, private readonly nick = 'focus', domains: Domains = DOMAINS) {
    this.domains = domains;
    this.brewery = `jibribrewery@${domains.internalMuc}`;
  }

  async start(): Promise<void> {
    const xmpp = client({ service: `xmpp://127.0.0.1:${this.port}`, domain: this.domains.auth, username: 'focus', password: this.password });
    this.xmpp = xmpp;
    xmpp.on('error', () => undefined);
    xmpp.on('stanza', (s: Element) => {
      if (!s.is('presence')) return;
      const status = s.getChild('jibri-status', NS_JIBRI);
      const health = status?.getChild('health-status');
      this.presences.push({
        from: String(s.attrs.from),
        ...(s.attrs.type ? { type: String(s.attrs.type) } : {}),
        ...(status ? { busy: status.getChild('busy-status', NS_JIBRI)?.attrs.status as string, health: health?.attrs.status as string, healthNs: health?.attrs.xmlns as string } : {}),
        at: Date.now(),
        stanza: s,
      });
    });
    xmpp.iqCallee.set(NS_JIBRI, 'jibri', (ctx: unknown) => {
      const { element, stanza } = ctx as { element: Element; stanza: Element };
      this.statusIqs.push({ from: String(stanza.attrs.from), jibri: element, at: Date.now() });
      return true;
    });
    await xmpp.start();
    await xmpp.send(xml('presence', { to: `${this.brewery}/${this.nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  }

  /** Sends raw IQ markup (as in jicofo-protocol.md section 8) and resolves with the reply stanza. */
  async sendIq(markup: string, timeoutMs = 20000): Promise<{ reply: Element; ms: number }> {
    const xmpp = this.xmpp!;
    const stanza = parseMarkup(markup);
    const id = String(stanza.attrs.id ?? `fj-${++this.idCounter}`);
    stanza.attrs.id = id;
    const t0 = Date.now();
    const reply = await new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        xmpp.off('stanza', onStanza);
        reject(new Error(`no reply to IQ ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onStanza = (s: Element): void => {
        if (s.is('iq') && s.attrs.id === id && (s.attrs.type === 'result' || s.attrs.type === 'error')) {
          clearTimeout(timer);
          xmpp.off('stanza', onStanza);
          resolve(s);
        }
      };
      xmpp.on('stanza', onStanza);
      void xmpp.send(stanza);
    });
    return { reply, ms: Date.now() - t0 };
  }

  /** Sends without waiting (for floods); returns the id. */
  sendRaw(stanza: Element): void {
    void this.xmpp!.send(stanza);
  }

  onStanza(listener: (s: Element) => void): () => void {
    this.xmpp!.on('stanza', listener);
    return () => this.xmpp!.off('stanza', listener);
  }

  lastPresenceOf(occupant: string): SeenPresence | undefined {
    return [...this.presences].reverse().find((p) => p.from.toLowerCase() === occupant.toLowerCase() && p.busy !== undefined);
  }

  async waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`fake Jicofo timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    await this.xmpp?.stop().catch(() => undefined);
  }
}

/** Markup → element, through xmpp.js's own stream parser (so what is sent is what a server would parse). */
export function parseMarkup(markup: string): Element {
  const parser = new Parser();
  let root: Element | undefined;
  let error: Error | undefined;
  parser.on('start', (el: Element) => (root = el));
  parser.on('element', (el: Element) => root?.append(el));
  parser.on('error', (err: Error) => (error = err));
  parser.write(`<stream>${markup.replace(/>\s+</g, '><').trim()}</stream>`);
  if (error) throw error;
  const first = (root?.children ?? []).find((c): c is Element => typeof c !== 'string');
  if (!first) throw new Error(`no element in ${markup}`);
  first.parent = null;
  return first;
}
