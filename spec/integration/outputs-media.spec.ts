/**
 * HLS, thumbnails and audio-only recordings on the real stack (Xvfb, PulseAudio, Chromium, ffmpeg), one
 * service for the whole file. The HLS is played by the bundled viewer page (hls.js served by the service)
 * in a second, headless Chromium; its picture is read back from the <video> element, a screenshot is
 * kept for people to look at. Its sound and picture are measured by the A/V sync spec, under load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium, type Browser } from 'playwright';
import winston from 'winston';
import { DEFAULT_DEMO } from '../../lib/demo/page';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { SEGMENT_SEC } from '../../lib/output/hls/hls-files';
import { probeMedia } from '../../lib/output/probe';
import { colourNear, decodeAudio, runFfmpeg, runFfprobe, toneStats } from '../../testkit/media';
import { post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const TOKEN = 'outputs-media-api-token';
const SHOTS = process.env.JIBRI_TS_SHOTS_DIR ?? tempDir('jibri-ts-hls-shots-');

describe('HLS, thumbnails and audio-only recordings', () => {
  let page: DemoServer;
  let svc: TestService;
  let viewerBrowser: Browser;
  const logLines: string[] = [];

  beforeAll(async () => {
    page = await startDemoServer();
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const log = winston.createLogger({ level: 'info', format: winston.format.simple(), transports: [new winston.transports.Stream({ stream: sink })] });
    svc = await startTestService({ JIBRI_HTTP_API_TOKEN: TOKEN }, { log });
    viewerBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
  });

  afterAll(async () => {
    await viewerBrowser?.close();
    await svc?.stop();
    await page?.close();
  });

  const auth = { authorization: `Bearer ${TOKEN}` };

  async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; type: string }> {
    const res = await fetch(url, { headers });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
  }

  async function stop(sessionId: string): Promise<void> {
    expect((await post(`${svc.api}/stopService`, { sessionId }, auth)).status).toBe(200);
    await svc.service.recorder.whenIdle();
  }

  describe('a recording with HLS and thumbnails', () => {
    const sessionId = 'hls-and-thumbs';
    let sessionDir = '';
    let hls: { playlist: string; viewer: string; token: string };

    it('answers the start with the HLS links and a viewer token', async () => {
      const start = await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId, { sinkType: undefined, outputs: [{ type: 'file' }, { type: 'hls' }, { type: 'thumbnails', intervalSeconds: 2 }] }), auth);
      expect(start.status).toBe(200);
      hls = start.json.hls;
      expect(hls.playlist).toBe(`/jibri/api/v1.0/sessions/${sessionId}/hls/index.m3u8`);
      expect(hls.token.length).toBeGreaterThanOrEqual(32);
      expect(hls.viewer).toContain(`#token=${encodeURIComponent(hls.token)}`);
      await waitForSessionState(svc.service, sessionId, 'recording');
      sessionDir = svc.service.recorder.getSession(sessionId)!.paths.sessionDir;
      // The session's status gives the same links to the API token.
      const access = await get(`${svc.api}/sessions/${sessionId}/hls/access`, auth);
      expect(access.status).toBe(200);
      expect(JSON.parse(access.body.toString()).token).toBe(hls.token);
      expect((await get(`${svc.api}/sessions/${sessionId}/hls/access`, { authorization: `Bearer ${hls.token}` })).status).toBe(401);
    });

    it('serves the live playlist to the API token and the viewer token only', async () => {
      const origin = new URL(svc.api).origin;
      const playlistUrl = `${origin}${hls.playlist}`;
      const live = await waitFor('the first segments', async () => {
        const r = await get(playlistUrl, auth);
        return r.status === 200 && (r.body.toString().match(/\.ts/g) ?? []).length >= 2 ? r : undefined;
      }, 30000, 250);
      expect(live.type).toContain('mpegurl');
      expect(live.body.toString()).not.toContain('#EXT-X-ENDLIST');
      expect((await get(playlistUrl, { authorization: `Bearer ${hls.token}` })).status).toBe(200);
      expect((await get(playlistUrl)).status).toBe(401);
      expect((await get(playlistUrl, { authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
      // With ?token= the segments in the playlist carry it too (players that cannot set a header).
      const byQuery = await get(`${playlistUrl}?token=${encodeURIComponent(hls.token)}`);
      expect(byQuery.status).toBe(200);
      const first = byQuery.body.toString().split('\n').find((l) => l.startsWith('index'))!;
      expect(first).toMatch(/^index\d+\.ts\?token=/);
      const segment = await get(`${origin}/jibri/api/v1.0/sessions/${sessionId}/hls/${first}`);
      expect(segment.status).toBe(200);
      expect(segment.type).toContain('video/mp2t');
      // Nothing but the playlist and its segments is served from the folder.
      expect((await get(`${origin}/jibri/api/v1.0/sessions/${sessionId}/hls/..%2fmetadata.json`, auth)).status).toBe(404);
    });

    it('plays in Chromium through the bundled hls.js viewer: playback advances, 1280x720 with the page corners', async () => {
      const origin = new URL(svc.api).origin;
      const viewer = await viewerBrowser.newPage({ viewport: { width: 1280, height: 760 } });
      const outside: string[] = [];
      viewer.on('request', (r) => {
        if (!r.url().startsWith(origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url());
      });
      try {
        await viewer.goto(`${origin}${hls.viewer}`);
        await viewer.waitForFunction(() => {
          const v = document.querySelector('video');
          return v !== null && v.currentTime > 0.5 && v.videoWidth > 0;
        }, undefined, { timeout: 30000 });
        const t1 = await viewer.evaluate(() => document.querySelector('video')!.currentTime);
        await viewer.waitForTimeout(2500);
        const t2 = await viewer.evaluate(() => document.querySelector('video')!.currentTime);
        expect(t2 - t1).toBeGreaterThan(1.5);
        const picture = await viewer.evaluate(() => {
          const v = document.querySelector('video')!;
          const c = document.createElement('canvas');
          c.width = v.videoWidth;
          c.height = v.videoHeight;
          const ctx = c.getContext('2d')!;
          ctx.drawImage(v, 0, 0);
          const at = (x: number, y: number): number[] => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
          const i = 3;
          return { width: v.videoWidth, height: v.videoHeight, corners: [at(i, i), at(c.width - 1 - i, i), at(i, c.height - 1 - i), at(c.width - 1 - i, c.height - 1 - i)] };
        });
        expect(picture.width).toBe(1280);
        expect(picture.height).toBe(720);
        picture.corners.forEach((rgb, i) => expect(colourNear(rgb as [number, number, number], DEFAULT_DEMO.corners[i]!)).toBe(true));
        const shot = path.join(SHOTS, 'hls-viewer.png');
        await viewer.screenshot({ path: shot });
        process.stderr.write(`HLS viewer screenshot: ${shot}\n`);
        expect(outside).toEqual([]);
      } finally {
        await viewer.close();
      }
    });

    it('serves the latest thumbnail: a JPEG of the page', async () => {
      const url = `${svc.api}/sessions/${sessionId}/thumbnail.jpg`;
      expect((await get(url)).status).toBe(401);
      const r = await get(url, auth);
      expect(r.status).toBe(200);
      expect(r.type).toBe('image/jpeg');
      expect(r.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const file = path.join(tempDir(), 'latest.jpg');
      fs.writeFileSync(file, r.body);
      const { stdout } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', file]);
      expect(stdout.trim()).toBe('mjpeg,640,360');
      // Decoded whole (a still has no timeline to seek in): top-left and bottom-right corners of the page.
      const { stdout: rgb } = await runFfmpeg(['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      expect(rgb.length).toBe(640 * 360 * 3);
      const pixel = (x: number, y: number): [number, number, number] => {
        const i = (y * 640 + x) * 3;
        return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
      };
      expect(colourNear(pixel(2, 2), DEFAULT_DEMO.corners[0])).toBe(true);
      expect(colourNear(pixel(637, 2), DEFAULT_DEMO.corners[1])).toBe(true);
      expect(colourNear(pixel(2, 357), DEFAULT_DEMO.corners[2])).toBe(true);
      expect(colourNear(pixel(637, 357), DEFAULT_DEMO.corners[3])).toBe(true);
    });

    it('keeps the full playlist and the thumbnails with the recording at the end', async () => {
      await new Promise((r) => setTimeout(r, 3000));
      await stop(sessionId);
      const playlist = fs.readFileSync(path.join(sessionDir, 'hls', 'index.m3u8'), 'utf8');
      expect(playlist).toContain('#EXT-X-ENDLIST');
      expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
      const durations = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
      const segments = playlist.split('\n').filter((l) => /^index\d+\.ts$/.test(l));
      expect(segments[0]).toBe('index0.ts');
      expect(segments.length).toBeGreaterThanOrEqual(4);
      for (const s of segments) expect(fs.existsSync(path.join(sessionDir, 'hls', s))).toBe(true);
      // Each segment is cut at the first frame at or after its 2 s mark of the session's clock, so it starts
      // within one frame gap of that mark (a frame grabbed late on a busy host moves a cut, and the next
      // cut is back on its mark); the recording's frame gaps stay under 0.5 s, as the live outputs' spec
      // checks. The last one ends with the session and may be shorter.
      let start = 0;
      for (const [i, d] of durations.slice(0, -1).entries()) {
        expect({ segment: i, start, offMark: Math.abs(start - i * SEGMENT_SEC) < 0.5 }).toEqual({ segment: i, start, offMark: true });
        expect(d).toBeLessThan(SEGMENT_SEC + 0.5);
        start += d;
      }
      const thumbs = fs.readdirSync(path.join(sessionDir, 'thumbnails')).filter((n) => /^thumb-\d+\.jpg$/.test(n));
      expect(thumbs.length).toBeGreaterThanOrEqual(3);
      const files = fs.readdirSync(sessionDir);
      const mp4 = files.find((f) => f.endsWith('.mp4'));
      expect(mp4).toBeDefined();
      // The sound runs to the end with the picture: thumbnails in the same ffmpeg once held it back, and
      // its last seconds (two intervals) were lost at the stop.
      const { stdout: streamDurations } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0', path.join(sessionDir, mp4!)]);
      const held = Object.fromEntries(streamDurations.trim().split('\n').map((l) => l.split(',')).map(([kind, sec]) => [kind, Number(sec)]));
      expect(Math.abs(held.audio! - held.video!)).toBeLessThan(0.2);
      expect(files).toContain('metadata.json');
      // Once the session is over, nothing is served any more.
      expect((await get(`${new URL(svc.api).origin}${hls.playlist}`, auth)).status).toBe(404);
    });

    it('never logs the viewer token', () => {
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('\n')).not.toContain(hls.token);
    });
  });

  it("records audio only: an .m4a with the page's tone, no video stream, no screen captured", async () => {
    const sessionId = 'audio-only';
    logLines.length = 0;
    const start = await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId, { sinkType: undefined, outputs: [{ type: 'file', audioOnly: true }] }), auth);
    expect(start.status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    const file = svc.service.recorder.getSession(sessionId)!.mediaFile!;
    expect(file).toMatch(/\.m4a$/);
    await new Promise((r) => setTimeout(r, 4000));
    await stop(sessionId);
    const m = await probeMedia(file);
    expect(m.video).toBeUndefined();
    expect(m.audio?.codec).toBe('aac');
    expect(m.durationSec).toBeGreaterThan(3);
    // The sound is never stretched towards the input's jittery stamps: the tone's pitch is the page's.
    const stats = toneStats(await decodeAudio(file, { startSec: 1, durationSec: 2 }), 44100);
    expect(Math.abs(stats.dominantHz - DEFAULT_DEMO.toneHz)).toBeLessThan(1);
    expect(stats.rmsDb).toBeGreaterThan(-20);
    const started = logLines.find((l) => l.includes('ffmpeg started'));
    expect(started).toBeDefined();
    expect(started).not.toContain('x11grab');
    expect(started).toContain('-f pulse');
  });

  it('keeps an audio-only file audio only beside thumbnails: the .m4a holds the sound alone, the thumbnails are pictures of the page', async () => {
    const sessionId = 'audio-only-thumbs';
    const start = await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId, { sinkType: undefined, outputs: [{ type: 'file', audioOnly: true }, { type: 'thumbnails', intervalSeconds: 2 }] }), auth);
    expect(start.status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    const session = svc.service.recorder.getSession(sessionId)!;
    const file = session.mediaFile!;
    const thumbDir = path.join(session.paths.sessionDir, 'thumbnails');
    expect(file).toMatch(/\.m4a$/);
    const recordingAt = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const recordedMs = Date.now() - recordingAt;
    await stop(sessionId);
    const { stdout: streams } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', file]);
    expect(streams.trim().split('\n')).toEqual(['aac,audio']);
    // The sound runs to the stop: with the thumbnails in the same ffmpeg its last seconds were lost.
    const m = await probeMedia(file);
    expect(m.durationSec * 1000).toBeGreaterThan(recordedMs - 1000 / 30);
    const stats = toneStats(await decodeAudio(file, { startSec: 1, durationSec: 2 }), 44100);
    expect(Math.abs(stats.dominantHz - DEFAULT_DEMO.toneHz)).toBeLessThan(1);
    const thumbs = fs.readdirSync(thumbDir).filter((n) => /^thumb-\d+\.jpg$/.test(n)).sort();
    expect(thumbs.length).toBeGreaterThanOrEqual(2);
    const last = path.join(thumbDir, thumbs[thumbs.length - 1]!);
    const { stdout: kind } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', last]);
    expect(kind.trim()).toBe('mjpeg,640,360');
    const { stdout: rgb } = await runFfmpeg(['-v', 'error', '-i', last, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(rgb.length).toBe(640 * 360 * 3);
    const at = (x: number, y: number): [number, number, number] => [rgb[(y * 640 + x) * 3]!, rgb[(y * 640 + x) * 3 + 1]!, rgb[(y * 640 + x) * 3 + 2]!];
    expect(colourNear(at(2, 2), DEFAULT_DEMO.corners[0])).toBe(true);
    expect(colourNear(at(637, 357), DEFAULT_DEMO.corners[3])).toBe(true);
  });
});
