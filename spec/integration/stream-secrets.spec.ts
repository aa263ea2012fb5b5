/**
 * A stream's key and the ingest's credentials never leave the service process (issue 16): during a real
 * stream with a key, a username and a password, the command line and the environment of the service and
 * of every process under it (Xvfb, Chromium and its helpers, ffmpeg, the wrappers) are read from /proc
 * and searched for them. ffmpeg writes to the service's private channel, never to an rtmp:// URL; and
 * the ingest still receives a playable stream.
 */
import * as fs from 'node:fs';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import { processTree, readProcessTable } from '../../lib/system/host-load';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { health, post, startBody, startTestService, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const KEY = 'live-key-SECRET-5e1d';
const USER = 'ingest-user-SECRET-a7';
const PASSWORD = 'ingest-pw-SECRET-c3';

function readProc(pid: number, what: 'cmdline' | 'environ'): string | undefined {
  try {
    // NUL-separated: argv entries, NAME=value pairs.
    return fs.readFileSync(`/proc/${pid}/${what}`).toString('latin1').split('\0').join(' ');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

describe('stream secrets stay in the service', () => {
  let page: DemoServer;
  let rtmp: RtmpServer;
  let svc: TestService;

  beforeAll(async () => {
    page = await startDemoServer();
    rtmp = await startRtmpServer();
    svc = await startTestService({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmps?://127\\.0\\.0\\.1:\\d+/.*' });
  });

  afterAll(async () => {
    await svc?.stop();
    await rtmp?.stop();
    await page?.close();
  });

  it('no key, username or password in any argv or environment under the service; the ingest gets H.264 and AAC', async () => {
    const sessionId = 'stream-secrets';
    const body = startBody(page.baseUrl, sessionId, { sinkType: 'stream', rtmpUrl: rtmp.appUrl(), youTubeStreamKey: KEY, username: USER, password: PASSWORD });
    expect((await post(`${svc.api}/startService`, body)).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    await waitFor('the publish', () => (rtmp.publishes().includes(KEY) ? true : undefined), 10000);
    await new Promise((r) => setTimeout(r, 3000));

    const tree = processTree(process.pid, readProcessTable());
    const seen: Array<{ pid: number; cmdline: string; environ: string }> = [];
    for (const p of tree) {
      const cmdline = readProc(p.pid, 'cmdline');
      const environ = readProc(p.pid, 'environ');
      if (cmdline !== undefined && environ !== undefined) seen.push({ pid: p.pid, cmdline, environ });
    }
    const ffmpeg = seen.filter((p) => /(^|\/)ffmpeg /.test(p.cmdline) && p.cmdline.includes('x11grab'));
    expect(ffmpeg.length).toBeGreaterThanOrEqual(1);
    for (const p of ffmpeg) {
      expect(p.cmdline).toMatch(/\]unix:\/\S+\/encoder\.sock/);
      expect(p.cmdline).not.toMatch(/rtmps?:/);
    }
    expect(seen.some((p) => /chrom/i.test(p.cmdline))).toBe(true);
    expect(seen.some((p) => /Xvfb/.test(p.cmdline))).toBe(true);
    for (const p of seen) {
      for (const secret of [KEY, USER, PASSWORD]) {
        expect({ pid: p.pid, where: 'cmdline', found: p.cmdline.includes(secret) }).toEqual({ pid: p.pid, where: 'cmdline', found: false });
        expect({ pid: p.pid, where: 'environ', found: p.environ.includes(secret) }).toEqual({ pid: p.pid, where: 'environ', found: false });
      }
    }

    expect((await post(`${svc.api}/stopService`)).status).toBe(200);
    await svc.service.recorder.whenIdle();
    expect((await health(svc.api)).status.health.details.lastSession.state).toBe('finished');
    const [flv] = rtmp.recordings(KEY);
    const got = await probeMedia(flv!);
    expect(got.video?.codec).toBe('h264');
    expect(got.audio?.codec).toBe('aac');
    expect(got.durationSec).toBeGreaterThan(3);
  });
});
