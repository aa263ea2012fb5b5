/**
 * The stand-in Jitsi Meet page against the recorder's page scripts, in the real Chromium (headless, no
 * display needed): joining, call samples, the participant tracker, presence fields, leaving, the hidden
 * login, and the failures that become "Chrome hung".
 */
import { chromium, type Browser, type Page } from 'playwright';
import { isScriptError } from '../../lib/meeting/call-status';
import { callUrlWithLogin } from '../../lib/meeting/call-url';
import { installParticipantTracker, isJoined, leave, participants, samplePage, setPresenceFields, type PageSample } from '../../lib/meeting/page-scripts';
import { startStandIn, type StandIn } from '../../testkit/jitsi-standin/server';

jest.setTimeout(20_000);

const LOGIN = { domain: 'recorder.example.com', username: 'recorder', password: 'pa ss&word=%1' };

let standIn: StandIn;
let browser: Browser;

beforeAll(async () => {
  [standIn, browser] = await Promise.all([
    startStandIn(),
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--autoplay-policy=no-user-gesture-required'] }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await standIn?.close();
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

async function open(room: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(callUrlWithLogin({ baseUrl: standIn.baseUrl, callName: room, extraUrlParams: ['config.analytics.rtcstatsEnabled=true'] }, LOGIN, 'jibri'));
  return page;
}

const sample = (page: Page): Promise<PageSample> =>
  page.evaluate(samplePage).then((s) => {
    if (isScriptError(s)) throw new Error(s.error);
    return s;
  });

describe('the stand-in Jitsi Meet page', () => {
  it('joins, follows the state the test sets, tracks participants, takes presence fields and leaves', async () => {
    const room = 'standin-main';
    standIn.setState(room, {
      joinAfterMs: 300,
      downloadBitrate: 750,
      participants: [
        { id: 'alice1', name: 'Alice', identity: { user: { id: 'u-alice', name: 'alice' } } },
        { id: 'jibri2', name: 'other recorder', hidden: true, identity: { user: { id: 'u-jibri' } } },
        { id: 'transc', name: 'transcriber', hiddenFromRecorder: true },
      ],
    });
    const page = await open(room);
    await until('joined', () => page.evaluate(isJoined), (j) => j === true);
    const report = await standIn.waitForReport(room, (r) => r.joinedAt !== null);
    expect(report.joinedAt! - report.loadedAt).toBeGreaterThanOrEqual(250);

    // The hidden login and the hash, read as Jitsi Meet reads them.
    expect(report.hiddenLogin).toEqual({ username: 'recorder@recorder.example.com', password: LOGIN.password });
    expect(report.loginSource).toBe('hash');
    expect(report.localStorageContent).toMatchObject({ displayname: '', email: '', callStatsUserName: 'jibri' });
    expect(report.hashParseErrors).toEqual([]);
    expect(report.hashConfig).toMatchObject({
      'config.iAmRecorder': true,
      'config.startWithAudioMuted': true,
      'config.prejoinConfig.enabled': false,
      'config.externalConnectUrl': null,
      'config.useHostPageLocalStorage': true,
      'config.analytics.rtcstatsEnabled': true,
    });
    expect(report.hashParams['interfaceConfig.APP_NAME']).toBe('Jibri');

    // Hidden participants do not count.
    expect(await sample(page)).toEqual({
      remoteParticipants: 1,
      mutedParticipants: 0,
      jigasiParticipants: 0,
      hiddenParticipants: 2,
      downloadBitrate: 750,
      iceConnected: true,
    });

    // The tracker starts from the members already there (with an identity, not hidden).
    expect(await page.evaluate(installParticipantTracker)).toBe(true);
    expect(await page.evaluate(installParticipantTracker)).toBe(true);
    expect(await page.evaluate(participants)).toEqual([{ id: 'alice1', name: 'Alice', identity: { user: { id: 'u-alice', name: 'alice' } } }]);

    // People join (one muted, one by phone, one without a token), Alice renames herself.
    standIn.setState(room, {
      participants: [
        { id: 'alice1', name: 'Alice L.', identity: { user: { id: 'u-alice', name: 'alice' } } },
        { id: 'bob3', name: 'Bob', audioMuted: true, videoMuted: true, identity: { user: { id: 'u-bob', name: 'bob' } } },
        { id: 'phone4', name: '+1 555', jigasi: true },
        { id: 'guest5', name: 'Guest', audioMuted: true },
      ],
    });
    expect(await until('people joined', () => sample(page), (s) => s.remoteParticipants === 4)).toMatchObject({
      remoteParticipants: 4,
      mutedParticipants: 1,
      jigasiParticipants: 1,
      hiddenParticipants: 0,
    });
    await until('tracker updated', () => page.evaluate(participants), (p) => !isScriptError(p) && p.length === 2 && p[0]?.name === 'Alice L.');
    expect(await page.evaluate(participants)).toEqual([
      { id: 'alice1', name: 'Alice L.', identity: { user: { id: 'u-alice', name: 'alice' } } },
      { id: 'bob3', name: 'Bob', identity: { user: { id: 'u-bob', name: 'bob' } } },
    ]);

    // Media stops, ICE is interrupted.
    standIn.setState(room, { downloadBitrate: 0, connectionState: 'INTERRUPTED' });
    expect(await until('no media', () => sample(page), (s) => s.downloadBitrate === 0)).toMatchObject({ downloadBitrate: 0, iceConnected: false });

    // Everyone leaves; the tracker keeps who took part.
    standIn.setState(room, { participants: [] });
    await until('empty', () => sample(page), (s) => s.remoteParticipants === 0);
    expect(await page.evaluate(participants)).toHaveLength(2);

    // Presence fields, then one sendPresence.
    expect(await page.evaluate(setPresenceFields, { session_id: 'sess-1', mode: 'file' })).toBe(true);
    const withPresence = await standIn.waitForReport(room, (r) => r.sendPresenceCalls === 1);
    expect(withPresence.presence).toEqual({ session_id: 'sess-1', mode: 'file' });
    expect(withPresence.sentPresence).toEqual([{ session_id: 'sess-1', mode: 'file' }]);

    // The page is alive: it draws and its tone plays.
    expect(withPresence.framesDrawn).toBeGreaterThan(0);
    expect(withPresence.audioState).toBe('running');

    expect(await page.evaluate(leave)).toBe(true);
    expect((await standIn.waitForReport(room, (r) => r.leaveCalled)).leftAt).not.toBeNull();
    expect(await page.evaluate(isJoined)).toBe(false);
    await page.close();
  });

  it('never joins when told so', async () => {
    const room = 'standin-never';
    standIn.setState(room, { joinAfterMs: null });
    const page = await open(room);
    await standIn.waitForReport(room, (r) => r.hiddenLogin !== null);
    await new Promise((r) => setTimeout(r, 800));
    expect(await page.evaluate(isJoined)).toBe(false);
    expect(standIn.report(room)?.joinedAt).toBeNull();
    await page.close();
  });

  it('reads the login from localStorage when the hash has none (Jibri before Nov 2025)', async () => {
    const room = 'standin-legacy';
    const page = await browser.newPage();
    await page.goto(`${standIn.baseUrl}/`);
    await page.evaluate(() => {
      localStorage.setItem('xmpp_username_override', 'rec@hidden.example.com');
      localStorage.setItem('xmpp_password_override', 'old-secret');
    });
    await page.goto(`${standIn.baseUrl}/${room}`);
    const report = await standIn.waitForReport(room, (r) => r.loadedAt > 0);
    expect(report.loginSource).toBe('localStorage');
    expect(report.hiddenLogin).toEqual({ username: 'rec@hidden.example.com', password: 'old-secret' });
    await page.close();
  });

  it('the scripts return errors instead of throwing on a page that is not Jitsi Meet', async () => {
    const page = await browser.newPage();
    await page.goto('about:blank');
    for (const script of [isJoined, samplePage, installParticipantTracker] as Array<() => unknown>) {
      const result = await page.evaluate(script);
      expect(isScriptError(result) && result.error).toMatch(/conference/);
    }
    expect(await page.evaluate(participants)).toEqual([]);
    expect(await page.evaluate(setPresenceFields, { mode: 'file' })).toMatch(/conference/);
    expect(await page.evaluate(leave)).toEqual({ error: expect.stringMatching(/conference/) });
    await page.close();
  });

  it('a page told to crash stops answering (scripts time out)', async () => {
    const room = 'standin-crash';
    const page = await open(room);
    await until('joined', () => page.evaluate(isJoined), (j) => j === true);
    standIn.setState(room, { crash: true });
    await standIn.waitForReport(room, (r) => r.crashing === true);
    await new Promise((r) => setTimeout(r, 300));
    const answer = await Promise.race([
      page.evaluate(samplePage).then(() => 'answered'),
      new Promise<string>((r) => setTimeout(() => r('timed out'), 1000)),
    ]);
    expect(answer).toBe('timed out');
    await page.context().close();
  });

  it('a renderer crash caused through CDP makes every evaluate reject', async () => {
    const room = 'standin-cdp-crash';
    const page = await open(room);
    await until('joined', () => page.evaluate(isJoined), (j) => j === true);
    // A hung renderer ignores Page.crash: crash a responsive one.
    const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
    const cdp = await page.context().newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined);
    await crashed;
    await expect(page.evaluate(isJoined)).rejects.toThrow();
    await page.context().close();
  });
});
