/**
 * A Debian user's jibri.conf on the real stack: two XMPP environments on two Prosody servers with
 * different domains and credentials. In each brewery a Jicofo stand-in sees the recorder's occupant and
 * records through it; a session started from an environment uses that environment's call login, URL
 * rules and usage timeout, read as Jibri reads it (whole minutes; `usage-timeout = 3600`, what
 * docker-jitsi-meet writes for JIBRI_USAGE_TIMEOUT=3600, is 3.6 s: no limit). HTTP-started sessions are
 * bounded only by JIBRI_HTTP_USAGE_TIMEOUT. Unknown and unsupported keys are named in one warning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Transport from 'winston-transport';
import { createLogger } from '../../lib/log';
import { probeMedia } from '../../lib/output/probe';
import { startBreweryStack, type BreweryStack } from '../../testkit/brewery';
import { NS_JIBRI } from '../../testkit/fake-jicofo';
import { domainsFor } from '../../testkit/prosody';
import { findRecordings, health, post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

const A = { domains: domainsFor('meet.test'), pw: { jibri: 'prod-control-pw', focus: 'prod-focus-pw', recorder: 'prod-call-pw' }, users: { jibri: 'jibri', recorder: 'recorder' } };
const B = { domains: domainsFor('lab.test'), pw: { jibri: 'lab-control-pw', focus: 'lab-focus-pw', recorder: 'lab-call-pw' }, users: { jibri: 'jibri-lab', recorder: 'rec-lab' } };

function environment(name: string, nick: string, stack: BreweryStack, d: typeof A, usageTimeout: string, tenantBase: string): string {
  return `{
      name = "${name}"
      xmpp-server-hosts = [ "127.0.0.1:${stack.prosody.port}" ]
      xmpp-domain = "${d.domains.xmpp}"
      base-url = "${tenantBase}"
      control-login { domain = "${d.domains.auth}", username = "${d.users.jibri}", password = "${d.pw.jibri}" }
      control-muc { domain = "${d.domains.internalMuc}", room-name = "JibriBrewery", nickname = "${nick}" }
      call-login { domain = "${d.domains.hidden}", username = "${d.users.recorder}", password = "${d.pw.recorder}" }
      strip-from-room-domain = "conference."
      usage-timeout = ${usageTimeout}
      trust-all-xmpp-certs = true
      sip-control-muc { domain = "internal.${d.domains.xmpp}", room-name = "sip", nickname = "x" }
    }`;
}

/** The call login the browser was handed, from the page URL's hash (Jibri's double-encoded localStorage). */
function callLoginOf(url: string): { user: string; password: string } {
  const param = url.split('#')[1]?.split('&').find((p) => p.startsWith('appData.localStorageContent='));
  const json = JSON.parse(JSON.parse(decodeURIComponent(param?.slice('appData.localStorageContent='.length) ?? '""')) as string) as Record<string, string>;
  return { user: json.xmpp_username_override ?? '', password: json.xmpp_password_override ?? '' };
}

describe('jibri.conf with two XMPP environments', () => {
  let a: BreweryStack;
  let b: BreweryStack;
  let svc: TestService;
  const capture = new Capture();

  beforeAll(async () => {
    [a, b] = await Promise.all([startBreweryStack(A.pw, undefined, { domains: A.domains, users: A.users }), startBreweryStack(B.pw, undefined, { domains: B.domains, users: B.users })]);
    const dir = tempDir('jibri-ts-conf-');
    const conf = path.join(dir, 'jibri.conf');
    fs.writeFileSync(
      conf,
      `jibri {
  id = "two-envs"
  api.xmpp.environments = [
    ${environment('prod', 'jibri-prod', a, A, '"90 minutes"', a.page.baseUrl)}
    ${environment('lab', 'jibri-lab', b, B, '3600', `${b.page.baseUrl}/lab`)}
  ]
  call-status-checks.default-call-empty-timeout = 30 seconds
  selenium.use-external-api = false
  not-a-jibri-key = 1
}
`,
    );
    const log = createLogger('info');
    log.clear().add(capture);
    svc = await startTestService({ JIBRI_CONFIG_FILE: conf, JIBRI_USAGE_TIMEOUT: '1 hour', JIBRI_HTTP_USAGE_TIMEOUT: '10 seconds' }, { log });
  });

  afterAll(async () => {
    await svc?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('names the unknown and unsupported keys in one warning at start', () => {
    const warnings = capture.lines.filter((l) => / warn .*ignored/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/jibri\.not-a-jibri-key \(unknown\)/);
    expect(warnings[0]).toMatch(/jibri\.selenium\.use-external-api \(not supported/);
    expect(warnings[0]).toMatch(/environments\[1\]\.sip-control-muc \(not supported: no SIP gateway\)/);
    expect(warnings[0]).not.toMatch(/default-call-empty-timeout|prod-control-pw|lab-control-pw/);
  });

  it('says at start that the bare usage-timeout = 3600 is milliseconds, so no limit, and how to write it', () => {
    const warnings = capture.lines.filter((l) => / warn .*usage-timeout = 3600/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/environments\[1\]\.usage-timeout = 3600 is a bare number: Jibri reads it as 3600 milliseconds, under one minute, so no usage limit applies; write it with a unit, e\.g\. "1 hour"/);
  });

  it("joins each environment's brewery with that environment's login and nickname", async () => {
    const occupantA = `${a.jicofo.brewery}/jibri-prod`;
    const occupantB = `${b.jicofo.brewery}/jibri-lab`;
    expect(await a.jicofo.waitFor('the prod occupant', () => a.jicofo.lastPresenceOf(occupantA), 20000)).toMatchObject({ busy: 'idle', health: 'healthy' });
    expect(await b.jicofo.waitFor('the lab occupant', () => b.jicofo.lastPresenceOf(occupantB), 20000)).toMatchObject({ busy: 'idle', health: 'healthy' });
    // Each server has only its own environment's occupant.
    expect(a.jicofo.presences.some((p) => p.from.endsWith('/jibri-lab'))).toBe(false);
    expect(b.jicofo.presences.some((p) => p.from.endsWith('/jibri-prod'))).toBe(false);
  });

  it("records through the lab environment with its call login and URL rules, and its usage-timeout = 3600 sets no limit, as in Jibri", async () => {
    const occupant = `${b.jicofo.brewery}/jibri-lab`;
    const sentAt = Date.now();
    const { reply } = await b.jicofo.sendIq(
      `<iq type="set" id="lab-1" to="${occupant}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="standup@conference.team.${B.domains.xmpp}" session_id="lab-session"/></iq>`,
    );
    expect(reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await b.jicofo.waitFor('on', () => b.jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    const session = svc.service.recorder.getSession('lab-session')!;
    expect(session.summary()).toMatchObject({ origin: { kind: 'xmpp', environment: `lab-127.0.0.1:${b.prosody.port}` }, meetingUrl: `${b.page.baseUrl}/lab/team/standup` });
    expect(session.summary().usageTimeoutSec).toBeUndefined();
    expect(callLoginOf(session.page!.url())).toEqual({ user: `rec-lab@${B.domains.hidden}`, password: B.pw.recorder });
    // One slot serves both environments (as one Jibri does): busy in both breweries.
    await b.jicofo.waitFor('busy', () => (b.jicofo.lastPresenceOf(occupant)?.busy === 'busy' ? true : undefined));
    await a.jicofo.waitFor('busy in the other brewery too', () => (a.jicofo.lastPresenceOf(`${a.jicofo.brewery}/jibri-prod`)?.busy === 'busy' ? true : undefined));

    // Well past 3.6 s it still records; Jicofo's stop ends it.
    await new Promise((r) => setTimeout(r, 6000));
    expect(session.state.name).toBe('recording');
    expect(b.jicofo.statusIqs.some((i) => i.jibri.attrs.status === 'off' && i.at > sentAt)).toBe(false);
    const stop = await b.jicofo.sendIq(`<iq type="set" id="lab-2" to="${occupant}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="lab-session"/></iq>`);
    expect(stop.reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('off');
    await waitForSessionState(svc.service, 'lab-session', 'finished', 60000);
    expect(svc.service.recorder.snapshot().lastSession).toMatchObject({ sessionId: 'lab-session' });
    expect(svc.service.recorder.snapshot().lastSession?.endReason).not.toBe('usage-timeout');
    const [file] = findRecordings(svc.recordingsDir).filter((f) => f.includes('lab-session'));
    const media = await probeMedia(file!);
    expect(media.durationSec).toBeGreaterThan(5);
  });

  it('records through the prod environment with its own call login and its usage-timeout of 90 minutes', async () => {
    const occupant = `${a.jicofo.brewery}/jibri-prod`;
    await a.jicofo.waitFor('idle again', () => (a.jicofo.lastPresenceOf(occupant)?.busy === 'idle' ? true : undefined), 30000);
    const sentAt = Date.now();
    const { reply } = await a.jicofo.sendIq(
      `<iq type="set" id="prod-1" to="${occupant}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="board@conference.${A.domains.xmpp}" session_id="prod-session"/></iq>`,
    );
    expect(reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await a.jicofo.waitFor('on', () => a.jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on' && i.at > sentAt));
    const session = svc.service.recorder.getSession('prod-session')!;
    expect(session.summary()).toMatchObject({ origin: { kind: 'xmpp', environment: `prod-127.0.0.1:${a.prosody.port}` }, meetingUrl: `${a.page.baseUrl}/board` });
    expect(session.summary().usageTimeoutSec).toBe(5400);
    expect(callLoginOf(session.page!.url())).toEqual({ user: `recorder@${A.domains.hidden}`, password: A.pw.recorder });
    const stop = await a.jicofo.sendIq(`<iq type="set" id="prod-2" to="${occupant}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="prod-session"/></iq>`);
    expect(stop.reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('off');
    await svc.service.recorder.whenIdle();
    expect(findRecordings(svc.recordingsDir).some((f) => f.includes('prod-session'))).toBe(true);
  });

  it('bounds an HTTP-started session by JIBRI_HTTP_USAGE_TIMEOUT alone (10 seconds), not by JIBRI_USAGE_TIMEOUT', async () => {
    expect((await post(`${svc.api}/startService`, startBody(a.page.baseUrl, 'http-session'))).status).toBe(200);
    const h = await health(svc.api);
    expect(h.status.health.details['session:http-session']).toMatchObject({ usageTimeoutSec: 10 });
    await waitForSessionState(svc.service, 'http-session', 'recording');
    const file = svc.service.recorder.getSession('http-session')!.mediaFile!;
    // Nobody stops it: the usage timeout (counted from the start, as Jibri; joining takes part of it) does, as a normal end.
    await waitForSessionState(svc.service, 'http-session', 'finished', 60000);
    expect(svc.service.recorder.snapshot().lastSession).toMatchObject({ sessionId: 'http-session', endReason: 'usage-timeout' });
    await svc.service.recorder.whenIdle();
    const media = await probeMedia(file);
    expect(media.durationSec).toBeGreaterThan(1);
    expect(media.durationSec).toBeLessThan(10);
    await waitFor('idle', async () => ((await health(svc.api)).status.busyStatus === 'IDLE' ? true : undefined));
  });
});
