/**
 * Pure address rules and the one check of every connection a customer aims, shared by the fleet (its
 * callbacks and XMPP checks, packages/fleet/lib/outbound-guard.ts) and the recorder (its browser's
 * filtering proxy, and RTMP destinations when the operator asks): the host is resolved once; every address
 * it resolves to is classified with ipaddr.js, and anything but a public unicast address is refused:
 * loopback, private, link-local, CGNAT, unique-local, multicast, unspecified, reserved, and IPv4
 * addresses dressed as IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64, 6to4, Teredo). Numeric
 * spellings (2130706433, 127.1, 0x7f.1, 0177.0.0.1) are read as the address they spell. The caller then
 * connects to exactly the address that was checked (`pinnedLookup`: no second DNS answer can move it).
 * The operator opens exceptions per host (an AllowedHost list).
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import ipaddr from 'ipaddr.js';

/** An operator's exception: a host (name or address), on any port or on one port. */
export interface AllowedHost {
  host: string;
  port?: number;
}

/** Why an address is refused, in words an error message can carry. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  reserved: 'reserved',
  ipv4Compatible: 'IPv4-compatible IPv6',
  rfc6052: 'NAT64',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
};

export type AddressVerdict = { ok: true; address: string } | { ok: false; address: string; range: string };

/** Pure: a host as written (URL host, XMPP_SERVER entry) to its canonical form: a numeric spelling becomes the address it spells. */
export function canonicalHost(host: string): string {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  // Every numeric IPv4 spelling inet_aton accepts (one to four parts, decimal, octal, hex) is an address, not a name.
  if (ipaddr.IPv4.isValid(bare) || (bare.includes(':') && ipaddr.IPv6.isValid(bare))) return ipaddr.process(bare).toString();
  return bare.replace(/\.$/, '');
}

/** Pure: whether an address may be connected to for a customer; IPv4 hidden in IPv6 is judged as IPv4. */
export function classifyAddress(address: string): AddressVerdict {
  if (!ipaddr.isValid(address)) return { ok: false, address, range: 'unspecified' };
  const a = ipaddr.process(address);
  const canonical = a.toString();
  if (a.kind() === 'ipv6') {
    const parts = (a as ipaddr.IPv6).parts;
    // ::a.b.c.d (deprecated IPv4-compatible form): ipaddr.js calls it unicast, a socket reaches a.b.c.d.
    if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1)) return { ok: false, address: canonical, range: 'ipv4Compatible' };
  }
  const range = a.range();
  return range === 'unicast' ? { ok: true, address: canonical } : { ok: false, address: canonical, range };
}

export function describeRange(range: string): string {
  return RANGE_WORDS[range] ?? range;
}

/** Pure: `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address, comma-separated. */
export function parseAllowedHosts(raw: string): { ok: true; hosts: AllowedHost[] } | { ok: false; entry: string } {
  const hosts: AllowedHost[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    let host: string;
    let port: string | undefined;
    const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) [, host = '', port] = bracketed;
    else if ((entry.match(/:/g) ?? []).length > 1) host = entry;
    else [host = '', port] = entry.split(':');
    const p = port === undefined ? undefined : Number(port);
    const validName = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(host);
    if ((!validName && !ipaddr.isValid(host)) || (p !== undefined && (!/^\d{1,5}$/.test(port ?? '') || p < 1 || p > 65535))) return { ok: false, entry };
    hosts.push({ host: canonicalHost(host), ...(p !== undefined ? { port: p } : {}) });
  }
  return { ok: true, hosts };
}

/** Pure: whether the operator allowed this host (as written, canonicalized) on this port. */
export function isAllowedHost(allowed: readonly AllowedHost[], host: string, port: number): boolean {
  const h = canonicalHost(host);
  return allowed.some((a) => a.host === h && (a.port === undefined || a.port === port));
}

/**
 * A customer-aimed connection that must not be made: the address is not public, or the URL is not
 * http(s). `message` is for the customer and never says what a name resolves to (that would map the
 * operator's internal network for them); `detail` says it, for the operator's log.
 */
export class OutboundRefused extends Error {
  constructor(message: string, readonly detail: string = message) {
    super(message);
  }
}

/** The host has no address now (a later attempt may find one). */
export class OutboundUnresolved extends Error {}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
  /** The operator allowed the host: its addresses were not classified. */
  allowedByOperator: boolean;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Resolves `host` once and checks every address it resolves to; the first one is the address to
 * connect to. `field` names what the customer set (callback_url, XMPP_SERVER) in the error.
 */
export async function resolveChecked(field: string, host: string, port: number, allowed: readonly AllowedHost[], resolve: Resolver = systemResolver, timeoutMs = 5000): Promise<CheckedAddress> {
  const name = canonicalHost(host);
  const byOperator = isAllowedHost(allowed, name, port);
  let answers: Array<{ address: string; family: number }>;
  if (net.isIP(name)) answers = [{ address: name, family: net.isIP(name) }];
  else {
    let timer: NodeJS.Timeout | undefined;
    try {
      answers = await Promise.race([
        resolve(name),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'ETIMEOUT' })), timeoutMs))),
      ]);
    } catch (err) {
      throw new OutboundUnresolved(`${field}: cannot resolve ${name} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
    if (!answers.length) throw new OutboundUnresolved(`${field}: ${name} has no address`);
  }
  if (!byOperator) {
    for (const a of answers) {
      const verdict = classifyAddress(a.address);
      if (!verdict.ok) {
        const how = net.isIP(name) ? 'is' : 'resolves to';
        throw new OutboundRefused(`${field}: ${name} is not a public address, and only public addresses are reached for a customer; use a public host`, `${field}: ${name} ${how} ${verdict.address} (${describeRange(verdict.range)})`);
      }
    }
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4, allowedByOperator: byOperator };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;

/** A `lookup` for net/tls/http that answers the checked address and nothing else: no second DNS query. */
export function pinnedLookup(checked: CheckedAddress): (hostname: string, options: { all?: boolean }, callback: LookupCallback) => void {
  return (_hostname, options, callback) => {
    if (options?.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
}

/** The code of the error a connection refused by `checkingLookup` fails with. */
export const OUTBOUND_REFUSED_CODE = 'ERR_OUTBOUND_REFUSED';

/**
 * A `lookup` for an http(s) agent whose every connection a customer aims (an S3 endpoint the customer
 * configured): each new connection resolves the name once, checks every address with the rules above, and
 * connects to the checked one, so neither a DNS answer that changes nor a redirect to another name can
 * reach a refused address. A refusal fails that connection with the OutboundRefused (its `code` is
 * OUTBOUND_REFUSED_CODE; its message never says what the name resolved to) after `onRefused` got it, for
 * the operator's log. `port` is the one the agent connects to (the operator's exceptions may name one).
 */
export function checkingLookup(
  field: string,
  port: number,
  allowed: readonly AllowedHost[],
  onRefused: (err: OutboundRefused) => void = () => undefined,
  resolve: Resolver = systemResolver,
): (hostname: string, options: { all?: boolean }, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    resolveChecked(field, hostname, port, allowed, resolve).then(
      (checked) => pinnedLookup(checked)(hostname, options, callback),
      (err: unknown) => {
        if (err instanceof OutboundRefused) onRefused(err);
        const code = err instanceof OutboundRefused ? OUTBOUND_REFUSED_CODE : 'ENOTFOUND';
        callback(Object.assign(err as Error, { code }), '', 4);
      },
    );
  };
}
