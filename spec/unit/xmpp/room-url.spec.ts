import { callTargetFromRoomJid } from '../../../lib/xmpp/room-url';

describe("room JID → call URL (Jibri's getCallUrlInfoFromJid)", () => {
  const url = (room: string, strip: string, xmppDomain: string, baseUrl?: string): string => {
    const r = callTargetFromRoomJid(room, { stripFromRoomDomain: strip, xmppDomain, ...(baseUrl !== undefined ? { baseUrl } : {}) });
    return r.ok ? `${r.baseUrl}/${r.callName}` : `ERROR ${r.error}`;
  };
  it.each([
    ['roomName@brian.jitsi.net', '', 'brian.jitsi.net', undefined, 'https://brian.jitsi.net/roomName'],
    ['roomName@brian.jitsi.net', '', 'brian.jitsi.net', 'http://brian.jitsi.net', 'http://brian.jitsi.net/roomName'],
    ['roomName@brian.jitsi.net', '', 'brian.jitsi.net', '', 'https://brian.jitsi.net/roomName'],
    ['roomName@mucdomain.brian.jitsi.net', 'mucdomain.', 'brian.jitsi.net', undefined, 'https://brian.jitsi.net/roomName'],
    ['roomName@mucdomain.subdomain.brian.jitsi.net', 'mucdomain.', 'brian.jitsi.net', undefined, 'https://brian.jitsi.net/subdomain/roomName'],
    ['roomName@conference.conference.brian.jitsi.net', 'conference', 'conference.brian.jitsi.net', undefined, 'https://conference.brian.jitsi.net/roomName'],
    ['room@conference.example.com', 'conference.', 'example.com', undefined, 'https://example.com/room'],
    ['room@conference.tenant.example.com', 'conference.', 'example.com', undefined, 'https://example.com/tenant/room'],
    ['room@muc.meet.jitsi', 'muc.', 'meet.jitsi', 'https://meet.example.com', 'https://meet.example.com/room'],
  ])('%s (strip %j, domain %s, base %j) → %s', (room, strip, domain, base, expected) => {
    expect(url(room, strip, domain, base)).toBe(expected);
  });
  it.each([[undefined], ['no-at-sign'], ['a@b/c'], ['a b@c'], ['@c'], ['r@conference.elsewhere.org']])('refuses %j with an error value', (room) => {
    const r = callTargetFromRoomJid(room, { stripFromRoomDomain: 'conference.', xmppDomain: 'example.com' });
    expect(r.ok).toBe(false);
  });
  it.each([['a?b@conference.example.com'], ['a#b@conference.example.com'], ['x?config.p2p.enabled=true@conference.example.com']])('refuses %j by the call-name rules, as a bad name', (room) => {
    const r = callTargetFromRoomJid(room, { stripFromRoomDomain: 'conference.', xmppDomain: 'example.com' });
    expect(r).toEqual({ ok: false, badName: true, error: expect.stringMatching(/must not contain spaces, "#" or "\?"/) });
  });
});
