/** The outbound guard: what a customer-aimed connection may reach, resolved once and connected there. */
import { checkingLookup, OUTBOUND_REFUSED_CODE } from '@jibri-ts/common';
import { canonicalHost, classifyAddress, isAllowedHost, OutboundRefused, parseAllowedHosts, pinnedLookup, resolveChecked } from '../../lib/outbound-guard';

describe('fleet: the outbound guard classifies addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'], ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'], ['fd00::1', 'uniqueLocal'], ['fc00::abcd', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'], ['192.0.2.1', 'reserved'], ['240.0.0.1', 'reserved'],
    // IPv4 dressed as IPv6: judged as the IPv4 address a socket would reach.
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.0.0.1', 'private'],
    // ipaddr.js reads the dotted compatible form as mapped; URLs write it ::7f00:1. Refused either way.
    ['::127.0.0.1', 'loopback'], ['::7f00:1', 'ipv4Compatible'], ['64:ff9b::7f00:1', 'rfc6052'], ['2002:7f00:1::', '6to4'], ['2001::1', 'teredo'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ ok: false, range });
  });

  it.each([['8.8.8.8'], ['93.184.216.34'], ['2001:4860:4860::8888'], ['::ffff:8.8.8.8']])('lets %s through', (address) => {
    expect(classifyAddress(address).ok).toBe(true);
  });

  it('reads numeric spellings as the address they spell', () => {
    for (const spelling of ['2130706433', '127.1', '0x7f.1', '0x7f000001', '0177.0.0.1', '127.0.1', '[::ffff:127.0.0.1]']) expect(canonicalHost(spelling)).toBe('127.0.0.1');
    expect(canonicalHost('[::1]')).toBe('::1');
    expect(canonicalHost('Example.COM.')).toBe('example.com');
  });
});

describe('fleet: the outbound guard resolves once and connects there', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name when any of its addresses is not public, naming the field', async () => {
    const r = resolver({ 'rebind.example': ['93.184.216.34', '127.0.0.1'], 'ok.example': ['93.184.216.34'] });
    // The customer reads that the host is not public; what it resolves to is for the operator's log only.
    const refused = (await resolveChecked('callback_url', 'rebind.example', 80, [], r).catch((err: unknown) => err)) as OutboundRefused;
    expect(refused).toBeInstanceOf(OutboundRefused);
    expect(refused.message).toBe('callback_url: rebind.example is not a public address, and only public addresses are reached for a customer; use a public host');
    expect(refused.message).not.toMatch(/127|loopback/);
    expect(refused.detail).toBe('callback_url: rebind.example resolves to 127.0.0.1 (loopback)');
    await expect(resolveChecked('callback_url', 'internal.example', 80, [], resolver({ 'internal.example': ['10.9.8.7'] }))).rejects.toThrow(/^callback_url: internal\.example is not a public address/);
    const literal = (await resolveChecked('callback_url', '2130706433', 80, [], r).catch((err: unknown) => err)) as OutboundRefused;
    expect(literal.detail).toBe('callback_url: 127.0.0.1 is 127.0.0.1 (loopback)');
    await expect(resolveChecked('callback_url', 'nowhere.example', 80, [], r)).rejects.toThrow(/cannot resolve|has no address/);
    expect(await resolveChecked('callback_url', 'ok.example', 80, [], r)).toEqual({ address: '93.184.216.34', family: 4, allowedByOperator: false });
  });

  it("lets the operator's exceptions through, on their port only", async () => {
    const allowed = parseAllowedHosts('127.0.0.1:8080, prosody.internal, [::1]:5222') as { ok: true; hosts: never[] };
    expect(allowed.ok).toBe(true);
    const r = resolver({ 'prosody.internal': ['10.0.0.5'] });
    expect(await resolveChecked('XMPP_SERVER', '127.0.0.1', 8080, allowed.hosts, r)).toMatchObject({ address: '127.0.0.1', allowedByOperator: true });
    // The same address spelled otherwise is the same host.
    expect(await resolveChecked('XMPP_SERVER', '127.1', 8080, allowed.hosts, r)).toMatchObject({ allowedByOperator: true });
    await expect(resolveChecked('XMPP_SERVER', '127.0.0.1', 8081, allowed.hosts, r)).rejects.toMatchObject({ detail: expect.stringMatching(/loopback/) });
    expect(await resolveChecked('XMPP_SERVER', 'prosody.internal', 5222, allowed.hosts, r)).toMatchObject({ address: '10.0.0.5', allowedByOperator: true });
    expect(isAllowedHost(allowed.hosts, '[::1]', 5222)).toBe(true);
    expect(isAllowedHost(allowed.hosts, '::1', 5280)).toBe(false);
  });

  it('pins the lookup to the checked address, for both lookup shapes', () => {
    const lookup = pinnedLookup({ address: '93.184.216.34', family: 4, allowedByOperator: false });
    const one: unknown[] = [];
    lookup('anything.example', {}, (...args) => one.push(...args));
    expect(one).toEqual([null, '93.184.216.34', 4]);
    const all: unknown[] = [];
    lookup('anything.example', { all: true }, (...args) => all.push(...args));
    expect(all).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
  });
});

describe('the checking lookup of an agent (a store the customer chose)', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const call = (lookup: ReturnType<typeof checkingLookup>, host: string, all = false): Promise<unknown[]> => new Promise((resolve) => lookup(host, { all }, (...args) => resolve(args)));

  it('answers the checked address of every connection, in both lookup shapes', async () => {
    const lookup = checkingLookup('JIBRI_UPLOAD_S3_ENDPOINT', 443, [], undefined, resolver({ 's3.example': ['93.184.216.34'] }));
    expect(await call(lookup, 's3.example')).toEqual([null, '93.184.216.34', 4]);
    expect(await call(lookup, 's3.example', true)).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
  });

  it('fails a connection to an internal address with a code and a message that never says where the name points; the operator hears it', async () => {
    const heard: string[] = [];
    const lookup = checkingLookup('JIBRI_UPLOAD_S3_ENDPOINT', 443, [], (err) => heard.push(err.detail), resolver({ 'bucket.s3.example': ['169.254.169.254'] }));
    const [err] = (await call(lookup, 'bucket.s3.example')) as [NodeJS.ErrnoException & OutboundRefused];
    expect(err).toBeInstanceOf(OutboundRefused);
    expect(err.code).toBe(OUTBOUND_REFUSED_CODE);
    expect(err.message).not.toMatch(/169\.254/);
    expect(heard).toEqual(['JIBRI_UPLOAD_S3_ENDPOINT: bucket.s3.example resolves to 169.254.169.254 (link-local)']);
    const [missing] = (await call(lookup, 'nowhere.example')) as [NodeJS.ErrnoException];
    expect(missing.code).toBe('ENOTFOUND');
    // The operator's exception, on its port.
    const allowed = checkingLookup('JIBRI_UPLOAD_S3_ENDPOINT', 9000, [{ host: '127.0.0.1', port: 9000 }]);
    expect(await call(allowed, '127.0.0.1')).toEqual([null, '127.0.0.1', 4]);
  });
});

describe('fleet: allowed hosts', () => {
  it('parses host, host:port, [v6]:port and bare IPv6, canonicalized', () => {
    expect(parseAllowedHosts(' a.example , b.example:8443,[::1]:5222, fd00::1,127.1:80 ')).toEqual({
      ok: true,
      hosts: [{ host: 'a.example' }, { host: 'b.example', port: 8443 }, { host: '::1', port: 5222 }, { host: 'fd00::1' }, { host: '127.0.0.1', port: 80 }],
    });
    expect(parseAllowedHosts('')).toEqual({ ok: true, hosts: [] });
  });

  it.each([['http://a.example'], ['a.example:0'], ['a.example:70000'], ['a b'], ['a.example:x'], ['[::1]:']])('refuses %j', (raw) => {
    expect(parseAllowedHosts(raw)).toEqual({ ok: false, entry: raw });
  });
});
