#!/usr/bin/env node
/**
 * Helper of scripts/container-check.sh: plays Jicofo's part just far enough to see a recorder in the
 * brewery. Logs in to a Prosody on loopback as focus@<auth domain>, joins <brewery>@<internal MUC> and
 * waits for the presence of the nickname given, carrying <jibri-status> with busy-status idle and
 * health-status healthy. Prints what it saw; exit 0 when seen, 1 on timeout.
 *
 * usage: node scripts/container-check-brewery.js <port> <authDomain> <password> <breweryJid> <nick> [timeoutSec]
 * Uses the project's own @xmpp/client (node_modules), nothing else.
 */
'use strict';
const path = require('node:path');
const { client } = require(path.join(__dirname, '../node_modules/@xmpp/client'));
const xmlModule = require(path.join(__dirname, '../node_modules/@xmpp/xml'));
const xml = xmlModule.default ?? xmlModule;

const [port, authDomain, password, breweryJid, nick, timeoutSec = '60'] = process.argv.slice(2);
if (!nick) {
  console.error('usage: container-check-brewery.js <port> <authDomain> <password> <breweryJid> <nick> [timeoutSec]');
  process.exit(2);
}
const NS_JIBRI = 'http://jitsi.org/protocol/jibri';

const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: authDomain, username: 'focus', password });
xmpp.reconnect.stop();
xmpp.on('error', (err) => console.error(`focus: XMPP error: ${err.message}`));

const done = (code, message) => {
  console.log(message);
  xmpp.stop().catch(() => undefined).finally(() => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
};
setTimeout(() => done(1, `no presence of ${breweryJid}/${nick} with an idle, healthy jibri-status within ${timeoutSec} s`), Number(timeoutSec) * 1000);

xmpp.on('stanza', (stanza) => {
  if (!stanza.is('presence')) return;
  const from = String(stanza.attrs.from || '');
  if (from.toLowerCase() !== `${breweryJid}/${nick}`.toLowerCase()) return;
  const status = stanza.getChild('jibri-status', NS_JIBRI);
  const busy = status?.getChild('busy-status')?.attrs.status;
  const health = status?.getChild('health-status')?.attrs.status;
  console.log(`brewery presence from ${from}: busy-status=${busy ?? '(none)'} health-status=${health ?? '(none)'}`);
  if (busy === 'idle' && health === 'healthy') done(0, 'the recorder is in the brewery, idle and healthy');
});

xmpp.on('online', async () => {
  await xmpp.send(xml('presence', { to: `${breweryJid}/focus` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
});
xmpp.start().catch((err) => done(1, `focus could not log in: ${err.message}`));
