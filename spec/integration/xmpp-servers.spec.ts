/**
 * One control connection per XMPP_SERVER entry, each in its own brewery; STARTTLS against a server
 * that requires it, with a self-signed certificate accepted through XMPP_TRUST_ALL_CERTS.
 */
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { BREWERY, FakeJicofo } from '../../testkit/fake-jicofo';
import { DOMAINS, recorderXmppEnv, startProsody, type ProsodyHandle } from '../../testkit/prosody';
import { startTestService, type TestService } from '../../testkit/service';

const OCCUPANT = `${BREWERY}/jibri-multi`;
const PW = { jibri: 'jibri-pw', focus: 'focus-pw', recorder: 'rec-pw' };

describe('several XMPP servers, one of them with TLS', () => {
  let plain: ProsodyHandle;
  let tls: ProsodyHandle;
  let page: DemoServer;
  let svc: TestService;
  const jicofos: FakeJicofo[] = [];

  beforeAll(async () => {
    [plain, tls] = await Promise.all([startProsody(), startProsody({ tls: true })]);
    for (const p of [plain, tls]) {
      p.register('jibri', DOMAINS.auth, PW.jibri);
      p.register('focus', DOMAINS.auth, PW.focus);
    }
    page = await startDemoServer();
    svc = await startTestService({
      ...recorderXmppEnv({ servers: `127.0.0.1:${plain.port},localhost:${tls.port}`, nick: 'jibri-multi', jibriPassword: PW.jibri, recorderPassword: PW.recorder, publicUrl: page.baseUrl }),
      XMPP_TRUST_ALL_CERTS: 'true',
    });
  });

  afterAll(async () => {
    await svc?.stop();
    for (const j of jicofos) await j.stop();
    await Promise.all([plain?.stop(), tls?.stop()]);
    await page?.close();
  });

  it('joins the brewery on each server, over STARTTLS where it is required', async () => {
    expect(svc.service.xmpp?.connections.map((c) => c.id)).toEqual([`127.0.0.1:${plain.port}`, `localhost:${tls.port}`]);
    const plainJicofo = new FakeJicofo(plain.port, PW.focus);
    await plainJicofo.start();
    jicofos.push(plainJicofo);
    await plainJicofo.waitFor('the recorder on the plain server', () => plainJicofo.lastPresenceOf(OCCUPANT));
    // The TLS server refuses unencrypted logins: the recorder's presence there proves STARTTLS worked
    // (this process trusts the self-signed auth domain, so the stand-in gets in the same way).
    const tlsJicofo = new FakeJicofo(tls.port, PW.focus);
    await tlsJicofo.start();
    jicofos.push(tlsJicofo);
    const p = await tlsJicofo.waitFor('the recorder on the TLS server', () => tlsJicofo.lastPresenceOf(OCCUPANT), 20000);
    expect(p.busy).toBe('idle');
  });

  it('a session started through one server shows busy on the others', async () => {
    const plainJicofo = jicofos[0]!;
    const { reply } = await plainJicofo.sendIq(
      `<iq type="set" id="multi-1" to="${OCCUPANT}"><jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="file" room="room@${DOMAINS.muc}" session_id="multi"/></iq>`,
    );
    expect(reply.getChild('jibri')?.attrs.status).toBe('pending');
    expect(svc.service.recorder.snapshot().busyStatus).toBe('BUSY');
    const tlsJicofo = jicofos[1]!;
    await tlsJicofo.waitFor('busy on the other server', () => (tlsJicofo.lastPresenceOf(OCCUPANT)?.busy === 'busy' ? true : undefined));
    await plainJicofo.sendIq(`<iq type="set" id="multi-2" to="${OCCUPANT}"><jibri xmlns="http://jitsi.org/protocol/jibri" action="stop"/></iq>`);
    await svc.service.recorder.whenIdle();
  });
});
