/**
 * The stand-in meeting with real video, on the real stack: in real Chromium the page shows one tile per
 * participant, each decoding and playing its own clip (VP8 and H.264), and a recording of that meeting by
 * the service has the tiles, moving, and every participant's sound.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { probeMedia } from '../../lib/output/probe';
import { ensurePulseAudio } from '../../lib/pipeline/audio';
import { decodeAudio, grabFrame, toneLevelDb, type Frame } from '../../testkit/media';
import { clipToneHz } from '../../testkit/jitsi-standin/media';
import { meetingParticipants, tileRects, type Rect } from '../../testkit/jitsi-standin/meeting';
import { startStandIn, type StandIn, type StandInParticipant } from '../../testkit/jitsi-standin/server';
import { post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

// The clips are made once per machine (about 10 s for these four), then read from the cache.
jest.setTimeout(90_000);

const W = 1280;
const H = 720;

interface TileState {
  id: string;
  rect: Rect;
  video: { paused: boolean; readyState: number; currentTime: number; videoWidth: number; error: string | null; totalFrames: number | null } | null;
}

/**
 * Per channel, the mean absolute difference between the middle halves of two tiles, pixel by pixel (both
 * tiles are the same size): two participants' clips differ by tens, one clip shown twice by its grain.
 * (Their mean colours are no test: each clip's drifting gradient averages to a similar grey-ish colour,
 * and two of them came within 6 of each other once.)
 */
function tileDifference(f: Frame, r: Rect, s: Rect): number {
  const sum = [0, 0, 0];
  let n = 0;
  for (let dy = Math.round(r.height / 4); dy < (3 * r.height) / 4; dy += 4) {
    for (let dx = Math.round(r.width / 4); dx < (3 * r.width) / 4; dx += 4) {
      const p = f.pixel(r.x + dx, r.y + dy);
      const q = f.pixel(s.x + dx, s.y + dy);
      for (let c = 0; c < 3; c++) sum[c]! += Math.abs(p[c]! - q[c]!);
      n++;
    }
  }
  return Math.max(...sum.map((v) => v / n));
}

/** Mean absolute difference of two frames inside a rectangle, per channel value. */
function regionDiff(a: Frame, b: Frame, r: Rect): number {
  let d = 0;
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y += 2) {
    for (let x = r.x; x < r.x + r.width; x += 2) {
      const p = a.pixel(x, y);
      const q = b.pixel(x, y);
      d += Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]);
      n += 3;
    }
  }
  return d / n;
}

function expectDistinctTiles(f: Frame, rects: Rect[]): void {
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      expect({ tiles: [i, j], differ: tileDifference(f, rects[i]!, rects[j]!) > 20 }).toEqual({ tiles: [i, j], differ: true });
    }
  }
}

function expectMovingTiles(a: Frame, b: Frame, rects: Rect[]): void {
  rects.forEach((r, i) => expect({ tile: i, moves: regionDiff(a, b, r) > 1 }).toEqual({ tile: i, moves: true }));
}

describe('the stand-in meeting with real video', () => {
  let standIn: StandIn;
  let participants: StandInParticipant[];
  const shots = tempDir('jibri-ts-meeting-shots-');

  beforeAll(async () => {
    // This spec's own browser plays the meeting's sound into the server's default sink, kept off the sessions' ones.
    await ensurePulseAudio();
    standIn = await startStandIn();
    // Four tiles: VP8 and H.264 in turn (360p, the layer a 2x2 grid at 720p asks for).
    participants = await meetingParticipants(4, W, H, ['vp8', 'h264']);
  });

  afterAll(async () => {
    await standIn?.close();
  });

  it('shows a tile per participant in real Chromium, each playing its own video', async () => {
    const room = 'tiles-in-chromium';
    standIn.setState(room, { participants });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
      const page = await browser.newPage({ viewport: { width: W, height: H } });
      await page.goto(`${standIn.baseUrl}/${room}`);
      const readTiles = (): Promise<TileState[]> => page.evaluate(() => (window as unknown as { standInTiles(): TileState[] }).standInTiles());
      const deadline = Date.now() + 20_000;
      let tiles = await readTiles();
      while (!(tiles.length === 4 && tiles.every((t) => t.video && t.video.readyState >= 2 && t.video.currentTime > 0.3)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        tiles = await readTiles();
      }
      expect(tiles.map((t) => ({ id: t.id, error: t.video?.error ?? null, paused: t.video?.paused, width: t.video?.videoWidth }))).toEqual(
        participants.map((p) => ({ id: p.id, error: null, paused: false, width: 640 })),
      );
      // The page lays the tiles out where tileRects says (the bench and the checks below rely on it).
      expect(tiles.map((t) => t.rect)).toEqual(tileRects(4, W, H));

      // Each video counts the frames the browser puts on screen (requestVideoFrameCallback). A fixed wait
      // between the screenshots is not enough: on a busy host a headless browser kept showing one tile's
      // frame for 700 ms while its video's clock ran on, and once counted no new frame for as long.
      await page.evaluate(() => {
        for (const v of Array.from(document.querySelectorAll('video'))) {
          const tick: VideoFrameRequestCallback = (_now, frame) => {
            v.dataset.presented = String(frame.presentedFrames);
            v.requestVideoFrameCallback(tick);
          };
          v.requestVideoFrameCallback(tick);
        }
      });
      const presented = (): Promise<number[]> => page.evaluate(() => Array.from(document.querySelectorAll('video')).map((v) => Number(v.dataset.presented ?? 0)));
      // A video's clock runs before its first frames are composited (both VP8 tiles were still black in a
      // screenshot once, on a machine's first run): the first screenshot waits for frames on screen too.
      await waitFor('every video to show its first frames', async () => ((await presented()).every((n) => n >= 3) ? true : undefined), 20_000);
      const first = path.join(shots, 'a.png');
      const second = path.join(shots, 'b.png');
      await page.screenshot({ path: first });
      const before = await readTiles();
      const shownBefore = await presented();
      // Twenty frames on (what 700 ms of play shows), each tile's picture has moved.
      await waitFor('every video to show twenty more frames', async () => ((await presented()).every((n, i) => n >= shownBefore[i]! + 20) ? true : undefined), 20_000);
      await page.screenshot({ path: second });
      const after = await readTiles();
      // Every video advanced meanwhile, and each tile's picture moved between the two screenshots (below).
      after.forEach((t, i) => expect(t.video!.currentTime).not.toBe(before[i]!.video!.currentTime));
      const [a, b] = await Promise.all([grabFrame(first, 0, { width: W, height: H }), grabFrame(second, 0, { width: W, height: H })]);
      const rects = tileRects(4, W, H);
      expectDistinctTiles(a, rects);
      expectMovingTiles(a, b, rects);
      // Between the tiles is Jitsi's dark background.
      expect(Math.max(...a.pixel(2, 2))).toBeLessThan(16);
    } finally {
      await browser?.close();
    }
  });

  describe('recorded by the service', () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService();
    });
    afterAll(async () => {
      await svc?.stop();
      fs.rmSync(shots, { recursive: true, force: true });
    });

    it('makes a recording with the moving tiles and every participant sound', async () => {
      const room = 'tiles-recorded';
      standIn.setState(room, { participants });
      const sessionId = 'meeting-tiles';
      const start = await post(`${svc.api}/startService`, { ...startBody(standIn.baseUrl, sessionId), callParams: { callUrlInfo: { baseUrl: standIn.baseUrl, callName: room } } });
      expect(start.status).toBe(200);
      const session = svc.service.recorder.getSession(sessionId)!;
      await waitForSessionState(svc.service, sessionId, 'recording');
      await new Promise((r) => setTimeout(r, 5000));
      expect((await post(`${svc.api}/stopService`)).status).toBe(200);
      await svc.service.recorder.whenIdle();
      const file = session.mediaFile!;
      const m = await probeMedia(file);
      expect(m.video?.codec).toBe('h264');
      expect(m.audio?.codec).toBe('aac');
      expect(m.durationSec).toBeGreaterThan(4);

      const rects = tileRects(4, W, H);
      const [a, b] = await Promise.all([grabFrame(file, 3), grabFrame(file, 3.7)]);
      expectDistinctTiles(a, rects);
      expectMovingTiles(a, b, rects);

      // Each participant's own tone is in the mix, well above a pitch that nobody plays.
      const samples = await decodeAudio(file, { startSec: 2, durationSec: 2.5, sampleRate: 48000 });
      const absent = toneLevelDb(samples, 48000, 1900);
      for (let i = 0; i < 4; i++) expect({ participant: i, heard: toneLevelDb(samples, 48000, clipToneHz(i)) - absent > 20 }).toEqual({ participant: i, heard: true });
    });
  });
});
