/**
 * What the browser's own capture of its tab costs (`BENCH_MEETING_PARTS=tabcapture`, part of the meeting
 * bench): the lever that would skip the X screen's grab and its RGB-to-YUV conversion. The meeting page in
 * Chromium on its own screen and sink, as the recorder runs it, capturing itself with getDisplayMedia
 * (the current tab, auto-accepted) and encoding with MediaRecorder at the recording's size and rate; and
 * the same page with no capture at all (what the page alone costs). Rounds alternate them with our
 * session (the service's whole tree); medians. The tab capture's CPU is Chromium's and the screen's only:
 * no encoder process and no service, which favours it. Its file is checked for the frames it holds.
 * A measure of where the encode could run, not a pipeline: no sound sync, no frame clock, no crash safety.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright';
import type { Config } from '../lib/config';
import { chromiumArgs } from '../lib/pipeline/browser/browser';
import { startDisplay } from '../lib/pipeline/display';
import { runToEnd } from '../lib/proc/runner';
import type { StandIn } from '../testkit/jitsi-standin/server';
import { treeCoresWithoutRoot, type PartCores } from './proc-parts';
import { median } from './proc-stats';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What each round measures: the page alone, or the page recording its own tab with this codec. */
type Mode = 'page alone' | 'tab capture, VP8' | 'tab capture, H.264';
const MIME: Record<Exclude<Mode, 'page alone'>, string> = { 'tab capture, VP8': 'video/webm;codecs=vp8,opus', 'tab capture, H.264': 'video/webm;codecs=h264,opus' };

export interface TabCaptureResult {
  name: string;
  cores: PartCores[];
  medianCores: number;
  /** Frames per second the tab capture's file holds, per round. */
  fps: number[];
  kbps: number[];
}

export interface TabCaptureReport {
  tiles: number;
  height: number;
  rounds: number;
  results: TabCaptureResult[];
}

export interface TabCaptureOptions {
  tiles: number;
  width: number;
  height: number;
  seconds: number;
  rounds: number;
  config: Config;
  setMeeting: (room: string) => Promise<void>;
  /** Our session of the same meeting: the service's tree, per round. */
  ours: () => Promise<PartCores>;
}

async function startCapture(o: { mime: string; fps: number }): Promise<void> {
  const md = navigator.mediaDevices as MediaDevices & { getDisplayMedia(c: unknown): Promise<MediaStream> };
  // The tab's own size (the recording's: the window is sized for it), at the recording's frame rate.
  const stream = await md.getDisplayMedia({ video: { frameRate: o.fps }, audio: true, preferCurrentTab: true });
  const recorder = new MediaRecorder(stream, { mimeType: o.mime, videoBitsPerSecond: 2_500_000, audioBitsPerSecond: 128_000 });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  recorder.start(1000);
  (window as unknown as { tabCapture: unknown }).tabCapture = { recorder, stream, chunks };
}

async function stopCapture(): Promise<string> {
  const t = (window as unknown as { tabCapture: { recorder: MediaRecorder; stream: MediaStream; chunks: Blob[] } }).tabCapture;
  await new Promise((resolve) => {
    t.recorder.onstop = resolve;
    t.recorder.stop();
  });
  for (const track of t.stream.getTracks()) track.stop();
  const bytes = new Uint8Array(await new Blob(t.chunks).arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Frames and bit rate of a recorded file, from ffprobe. */
async function probe(file: string, seconds: number): Promise<{ fps: number; kbps: number }> {
  const r = await runToEnd('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  const frames = Number(r.stdout.trim().split(/\s+/)[0] ?? NaN);
  return { fps: frames / seconds, kbps: (fs.statSync(file).size * 8) / 1000 / seconds };
}

async function oneRound(standIn: StandIn, o: TabCaptureOptions, mode: Mode): Promise<{ cores: PartCores; fps?: number; kbps?: number }> {
  const room = `tab-${mode.replace(/\W+/g, '-')}-${Date.now() % 100000}`;
  await o.setMeeting(room);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-tab-'));
  const display = await startDisplay(o.width, o.height);
  const sinkName = `bench_tab_${process.pid}_${Date.now() % 100000}`;
  const moduleId = (await runToEnd('pactl', ['load-module', 'module-null-sink', `sink_name=${sinkName}`, 'rate=48000', 'channels=2'])).stdout.trim();
  // The recorder's flags, less the fake media UI: it answers getDisplayMedia with a screen, which fails
  // here ("Could not start video source"), where --auto-accept-this-tab-capture answers with the tab.
  const ours = chromiumArgs({ config: o.config.browser, display: display.name, sinkName, width: o.width, height: o.height });
  const args = [...ours.filter((f) => f !== '--use-fake-ui-for-media-stream'), '--auto-accept-this-tab-capture'];
  const context = await chromium.launchPersistentContext(path.join(work, 'chromium'), {
    executablePath: o.config.browser.chromiumPath,
    headless: false,
    viewport: null,
    args,
    ignoreDefaultArgs: ['--enable-automation'],
    env: { ...process.env, DISPLAY: display.name, PULSE_SINK: sinkName },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${standIn.baseUrl}/${room}`);
    await sleep(4000);
    if (mode !== 'page alone') {
      // getDisplayMedia needs a user's gesture.
      await page.mouse.click(2, 2);
      await page.evaluate(startCapture, { mime: MIME[mode], fps: o.config.encoding.framerate });
    }
    await sleep(1000);
    // The bench's own Node process is not part of the browser's capture.
    const cores = await treeCoresWithoutRoot(process.pid, o.seconds);
    if (mode === 'page alone') return { cores };
    const file = path.join(work, 'tab.webm');
    fs.writeFileSync(file, Buffer.from(await page.evaluate(stopCapture), 'base64'));
    return { cores, ...(await probe(file, o.seconds + 1)) };
  } finally {
    await context.close();
    if (/^\d+$/.test(moduleId)) await runToEnd('pactl', ['unload-module', moduleId]);
    await display.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function benchTabCapture(standIn: StandIn, o: TabCaptureOptions): Promise<TabCaptureReport> {
  const modes: Mode[] = ['page alone', 'tab capture, VP8', 'tab capture, H.264'];
  const results: TabCaptureResult[] = ['jibri-ts (the service)', ...modes].map((name) => ({ name, cores: [], medianCores: 0, fps: [], kbps: [] }));
  for (let round = 0; round < o.rounds; round++) {
    process.stderr.write(`  tab capture round ${round + 1}/${o.rounds}...\n`);
    results[0]!.cores.push(await o.ours());
    for (const [i, mode] of modes.entries()) {
      const r = await oneRound(standIn, o, mode);
      const into = results[i + 1]!;
      into.cores.push(r.cores);
      if (r.fps !== undefined) into.fps.push(r.fps);
      if (r.kbps !== undefined) into.kbps.push(r.kbps);
    }
  }
  for (const r of results) r.medianCores = median(r.cores.map((c) => c.total));
  return { tiles: o.tiles, height: o.height, rounds: o.rounds, results };
}

export function describeTabCapture(r: TabCaptureReport): string[] {
  const f2 = (n: number): string => n.toFixed(2);
  const lines = [`tab capture: ${r.tiles} tiles at ${r.height}p, medians of ${r.rounds} alternating rounds (cores: whole tree; Chromium; ffmpeg; screen)`];
  for (const x of r.results) {
    const part = (k: 'chromium' | 'ffmpeg' | 'xvfb'): string => f2(median(x.cores.map((c) => c[k])));
    const file = x.fps.length ? `   file: ${x.fps.map((v) => v.toFixed(1)).join(' ')} fps, ${x.kbps.map((v) => v.toFixed(0)).join(' ')} kbps` : '';
    lines.push(`  ${x.name.padEnd(24)} ${f2(x.medianCores)}  (Chromium ${part('chromium')}, ffmpeg ${part('ffmpeg')}, screen ${part('xvfb')})   rounds: ${x.cores.map((c) => f2(c.total)).join(' ')}${file}`);
  }
  return lines;
}
