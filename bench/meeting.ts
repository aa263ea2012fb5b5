/**
 * What a real meeting costs (`BENCH_ONLY=meeting npm run bench`): the stand-in Jitsi Meet page in tile
 * view with 1, 4 and 9 participants, each a decoded video with its sound (testkit/jitsi-standin),
 * recorded by the service at 720p30 and 1080p30.
 *
 *  cost      one session per meeting size and resolution: CPU cores of its whole tree and of each part
 *            (Chromium, ffmpeg, Xvfb, the service; PulseAudio, the shared daemon, beside), memory (PSS above
 *            the idle service) and the frames the encoder dropped or duplicated;
 *  capacity  then 2, 3... such sessions at once (starting from what the cost predicts) until one has 1 % or
 *            more bad frames: the most simultaneous sessions this host carries;
 *  versus    rounds that alternate our session (the service) with Jibri's own pipeline on the same page
 *            (Chromium with Jibri's flags, Jibri's ffmpeg recording command with PulseAudio for ALSA),
 *            each's tree CPU, medians; then each one's quality: SSIM against a lossless capture of the
 *            same screen taken at the same time (same wall-clock timestamps);
 *  tune      the same alternation for candidate settings (BENCH_MEETING_CANDIDATES) against the current
 *            ones, CPU and SSIM, so a change is kept only if it wins in the same run;
 *  tracks    the same meeting with a file alone and with a file and a tracks output (bench/meeting-tracks.ts);
 *  admission the same meetings started one by one with admission as shipped, until it refuses one
 *            (bench/meeting-admission.ts);
 *  tabcapture (named only) the page capturing its own tab with MediaRecorder, against the page alone and
 *            our session (bench/meeting-tab-capture.ts).
 *
 * Subsets, to keep one invocation short on a shared machine: BENCH_MEETING_PARTS (cost,capacity,versus,
 * tune,tracks,admission,tabcapture), BENCH_MEETING_TILES (1,4,9), BENCH_MEETING_RES (720,1080), BENCH_MEETING_CODECS (vp8 | h264 |
 * vp8,h264 in turn), BENCH_SECONDS per measurement, BENCH_ROUNDS for versus/tune/tracks; their meeting
 * is BENCH_MEETING_VERSUS (e.g. 4@720).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig, type Config } from '../lib/config';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { createLogger } from '../lib/log';
import { chromiumArgs, DEFAULT_CHROMIUM_FLAGS } from '../lib/pipeline/browser/browser';
import { startDisplay } from '../lib/pipeline/display';
import { CLOCK_ROWS } from '../lib/pipeline/frame-clock/clock-code';
import { encodeSpec, toArgv } from '../lib/pipeline/encoder/ffmpeg-args';
import { fileMuxer } from '../lib/output/file/file-output';
import { runToEnd } from '../lib/proc/runner';
import { meetingClips, meetingParticipants } from '../testkit/jitsi-standin/meeting';
import type { ClipCodec } from '../testkit/jitsi-standin/media';
import { startStandIn, type StandIn } from '../testkit/jitsi-standin/server';
import { coresBetween, PARTS, snapshot, treeCoresWithoutRoot, type PartCores } from './proc-parts';
import { median, treePssMb } from './proc-stats';
import { admissionRamp, describeAdmission, type AdmissionRun } from './meeting-admission';
import { benchTabCapture, describeTabCapture, type TabCaptureReport } from './meeting-tab-capture';
import { benchTracksCost, describeTracksCost, type TracksCost } from './meeting-tracks';
import { frameCounts, frameDeltas, waitForAllRecording, type SessionFrames } from './sessions';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MAX_SESSIONS = 8;
const CORES = os.cpus().length;

export interface MeetingOptions {
  parts: Set<string>;
  tiles: number[];
  heights: number[];
  codecs: ClipCodec[];
  seconds: number;
  rounds: number;
  versus: { tiles: number; height: number };
}

export function meetingOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MeetingOptions {
  const list = (name: string, dflt: string): string[] => (env[name] ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
  const [vt, vh] = (env.BENCH_MEETING_VERSUS ?? '4@720').split('@');
  return {
    parts: new Set(list('BENCH_MEETING_PARTS', 'cost,capacity,versus,tracks,admission')),
    tiles: list('BENCH_MEETING_TILES', '1,4,9').map(Number),
    heights: list('BENCH_MEETING_RES', '720,1080').map(Number),
    codecs: list('BENCH_MEETING_CODECS', 'vp8') as ClipCodec[],
    seconds: Number(env.BENCH_SECONDS ?? 12),
    rounds: Number(env.BENCH_ROUNDS ?? 3),
    versus: { tiles: Number(vt), height: Number(vh ?? 720) },
  };
}

const widthOf = (height: number): number => Math.round((height * 16) / 9 / 2) * 2;

/** Settings under test: env for the service's config, and flags added to Chromium's own list. */
export interface Settings {
  name: string;
  env?: Record<string, string>;
  extraChromiumFlags?: string[];
  /** A folder put first on PATH while these settings record: a stand-in for a program the pipeline runs. */
  pathPrefix?: string;
  /** Compared only when BENCH_MEETING_CANDIDATES names it (it needs programs the test setup does not install). */
  optIn?: boolean;
}

/** Runs `fn` with the settings' PATH: the pipeline finds its programs (Xvfb...) on PATH when it starts them. */
async function withSettingsPath<T>(s: Settings | undefined, fn: () => Promise<T>): Promise<T> {
  if (!s?.pathPrefix) return fn();
  const saved = process.env.PATH;
  process.env.PATH = `${s.pathPrefix}:${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

function serviceConfig(height: number, sessions: number, recordings: string, s: Settings): Config {
  const config = loadConfig(
    {
      JIBRI_HTTP_API_EXTERNAL_PORT: '0',
      JIBRI_HTTP_API_INTERNAL_PORT: '0',
      JIBRI_RECORDING_DIR: recordings,
      JIBRI_RECORDING_RESOLUTION: `${widthOf(height)}x${height}`,
      JIBRI_CONCURRENT_SESSIONS: String(sessions),
      // Admission is opened wide: the bench measures what the host does, not what admission would allow.
      JIBRI_SESSION_CPU_ESTIMATE: '0.05',
      JIBRI_CPU_TARGET: '100',
      ...s.env,
    },
    'bench',
  );
  if (!s.extraChromiumFlags?.length) return config;
  // Through the config rather than CHROMIUM_FLAGS, whose commas would split --disable-features=A,B.
  return { ...config, browser: { ...config.browser, flags: [...(config.browser.flags ?? DEFAULT_CHROMIUM_FLAGS), ...s.extraChromiumFlags] } };
}

export interface SessionsRun {
  tiles: number;
  height: number;
  sessions: number;
  /** Cores per session: the whole tree and each part (PulseAudio beside it, shared by all sessions). */
  cores: PartCores;
  /** Proportional memory of the tree while recording, above the idle service, per session. */
  pssMbPerSession: number;
  perSession: SessionFrames[];
  /** Worst session's (dropped + duplicated) / written frames, in percent. */
  worstBadFramePercent: number;
  ok: boolean;
}

async function setMeeting(standIn: StandIn, room: string, tiles: number, height: number, codecs: ClipCodec[]): Promise<void> {
  standIn.setState(room, { participants: await meetingParticipants(tiles, widthOf(height), height, codecs) });
}

/** `sessions` simultaneous recordings of `tiles`-participant meetings (each its own room) by one service. */
export async function recordMeetings(standIn: StandIn, o: { tiles: number; height: number; sessions: number; seconds: number; codecs: ClipCodec[]; settings?: Settings }): Promise<SessionsRun> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-meeting-'));
  const config = serviceConfig(o.height, o.sessions, recordings, o.settings ?? { name: 'current' });
  const service = await compose(config, createLogger('error'), { exit: () => undefined });
  const api = `${service.http.url}/jibri/api/v1.0`;
  const tag = `${o.tiles}p-${o.height}-${o.sessions}-${Date.now() % 100000}`;
  const ids = Array.from({ length: o.sessions }, (_, i) => `m${tag}-${i}`);
  try {
    await sleep(2000);
    const idlePssMb = treePssMb(process.pid);
    for (const [i, id] of ids.entries()) {
      const room = `meeting-${tag}-${i}`;
      await setMeeting(standIn, room, o.tiles, o.height, o.codecs);
      await startFileRecording(api, id, standIn.baseUrl, room);
    }
    await waitForAllRecording(service, ids, 60_000);
    // Past every session's start (Chromium's launch, the videos' first seconds).
    await sleep(3000);
    const before = frameCounts(service, ids);
    const a = snapshot(process.pid);
    await sleep((o.seconds * 1000) / 2);
    const busyPssMb = treePssMb(process.pid);
    await sleep((o.seconds * 1000) / 2);
    const b = snapshot(process.pid);
    const { perSession, worstBadFramePercent: worst } = frameDeltas(service, ids, before);
    await stopRecording(api);
    await service.recorder.whenIdle();
    const total = coresBetween(a, b);
    const cores = { ...total };
    for (const k of [...PARTS, 'total'] as const) cores[k] = total[k] / o.sessions;
    return {
      tiles: o.tiles,
      height: o.height,
      sessions: o.sessions,
      cores,
      pssMbPerSession: (busyPssMb - idlePssMb) / o.sessions,
      perSession,
      worstBadFramePercent: worst,
      ok: worst < 1 && perSession.every((p) => p.frames > o.seconds * config.encoding.framerate * 0.9),
    };
  } finally {
    await service.stop();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
}

// ---- Jibri's pipeline, and the lossless reference ---------------------------------------------

/** Chromium's switches as Jibri starts it through chromedriver: its own list plus what chromedriver adds. */
export function jibriChromiumArgs(w: number, h: number, userDataDir: string): string[] {
  return [
    // jibri.chrome.flags' defaults
    '--use-fake-ui-for-media-stream', '--start-maximized', '--kiosk', '--enabled', '--autoplay-policy=no-user-gesture-required',
    // chromedriver's own
    '--disable-background-networking', '--disable-client-side-phishing-detection', '--disable-default-apps', '--disable-hang-monitor',
    '--disable-popup-blocking', '--disable-prompt-on-repost', '--disable-sync', '--enable-automation', '--no-first-run',
    '--password-store=basic', '--test-type=webdriver', '--use-mock-keychain', '--remote-debugging-port=0',
    // Here: root needs no sandbox; with no window manager the window is placed and sized as ours is.
    '--no-sandbox', '--window-position=0,0', `--window-size=${w + 1},${h + 1}`, `--user-data-dir=${userDataDir}`,
  ];
}

/**
 * Pure: Jibri's recording command (jibri-behaviour.md §5.1) at this size, reading PulseAudio where Jibri
 * reads its ALSA loopback. `originMs` (quality passes only) stamps both inputs with wall-clock time from
 * that instant, as ours are, so its frames line up with the reference's; it changes no encoding setting.
 */
export function jibriFfmpegArgv(w: number, h: number, display: string, audioSource: string, file: string, originMs?: number): string[] {
  const align = originMs === undefined ? [] : ['-itsoffset', (-originMs / 1000).toFixed(3)];
  return [
    '-y', '-v', 'info', ...(originMs === undefined ? [] : ['-copyts']),
    '-f', 'x11grab', '-draw_mouse', '0', '-r', '30', '-s', `${w}x${h}`, '-thread_queue_size', '4096', ...align, '-i', `${display}.0+0,0`,
    '-f', 'pulse', '-thread_queue_size', '4096', ...align, '-i', audioSource,
    '-acodec', 'aac', '-strict', '-2', '-ar', '44100', '-b:a', '128k', '-af', 'aresample=async=1',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-r', '30', '-crf', '25', '-preset', 'ultrafast', '-profile:v', 'main', '-level', '3.1',
    '-timestamp', 'now', '-f', 'mp4', file,
  ];
}

/** Pure: a lossless capture of the screen (x264 at qp 0, 4:2:0 as the recordings), wall-clock stamped. */
export function referenceArgv(w: number, h: number, display: string, originMs: number, file: string): string[] {
  return [
    '-v', 'error', '-nostdin', '-y', '-copyts',
    '-f', 'x11grab', '-draw_mouse', '0', '-framerate', '30', '-video_size', `${w}x${h}`, '-thread_queue_size', '4096', '-itsoffset', (-originMs / 1000).toFixed(3), '-i', `${display}.0+0,0`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-fps_mode', 'passthrough', '-f', 'matroska', file,
  ];
}

/**
 * The candidate's frame times are shifted by up to two page frames (16.7 ms each) either way and the best
 * shift is taken: Jibri's `-r 30` restamps every frame onto a 30 fps grid, a constant shift of up to a
 * frame from when it was grabbed that no viewer sees but that would pair its frames with the wrong
 * reference frames. Ours keep their grab times, so their best shift is 0.
 */
export const SSIM_SHIFTS_SEC = [-2 / 60, -1 / 60, 0, 1 / 60, 2 / 60];

/**
 * Pure: ffmpeg's arguments for the SSIM of `file` against `reference` at each shift, over [from, to]:
 * one output per shift (a null sink each), so the shifts run side by side instead of buffering the clip.
 */
export function ssimArgv(file: string, reference: string, fromSec: number, toSec: number, shifts: readonly number[] = SSIM_SHIFTS_SEC): string[] {
  const n = shifts.length;
  const split = (input: number, tag: string): string => `[${input}:v]split=${n}${shifts.map((_, i) => `[${tag}${i}]`).join('')}`;
  const pairs = shifts.map((sh, i) => {
    const us = Math.round(sh * 1e6);
    const shift = `setpts=PTS${us < 0 ? '-' : '+'}${Math.abs(us)}/1000000/TB`;
    return `[c${i}]${shift},trim=start=${fromSec.toFixed(3)}:end=${toSec.toFixed(3)}[s${i}];[s${i}][r${i}]ssim=shortest=1[o${i}]`;
  });
  return [
    '-v', 'info', '-nostdin', '-i', file, '-i', reference,
    '-filter_complex', [split(0, 'c'), split(1, 'r'), ...pairs].join(';'),
    ...shifts.flatMap((_, i) => ['-map', `[o${i}]`, '-f', 'null', '-']),
  ];
}

/** Mean SSIM (all planes) of `file` against `reference` over [fromSec, toSec] of their shared timeline, at the best shift. */
export async function ssim(file: string, reference: string, fromSec: number, toSec: number): Promise<number> {
  const r = await runToEnd('ffmpeg', ssimArgv(file, reference, fromSec, toSec), { timeoutMs: 180_000 });
  const all = [...r.stderr.matchAll(/SSIM .*All:([\d.]+)/g)].map((m) => Number(m[1]));
  if (all.length !== SSIM_SHIFTS_SEC.length) throw new Error(`no SSIM from ffmpeg: ${r.stderr.slice(-300)}`);
  return Math.max(...all);
}

type Pipeline = 'ours' | 'jibri';

interface BareRun {
  cores?: PartCores;
  ssim?: number;
  frames?: number;
}

function waitForFrames(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 20000);
    child.stderr?.on('data', (d: Buffer) => {
      if (/frame=\s*[1-9]/.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGINT');
  const t = setTimeout(() => c.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(t);
}

/**
 * One pipeline started by hand on its own screen and sink, playing the meeting: its tree CPU over
 * `seconds`, or (with `quality`) its SSIM against a lossless capture of the same screen at the same time.
 */
async function bare(standIn: StandIn, o: { pipeline: Pipeline; tiles: number; height: number; seconds: number; codecs: ClipCodec[]; settings?: Settings; quality: boolean }): Promise<BareRun> {
  const h = o.height;
  const w = widthOf(h);
  const room = `bare-${o.pipeline}-${o.tiles}-${h}-${Date.now() % 100000}`;
  await setMeeting(standIn, room, o.tiles, h, o.codecs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-bare-'));
  // Our encoder grabs the frame clock's rows below the picture too (as startSource's screen).
  const screenHeight = o.pipeline === 'ours' ? h + CLOCK_ROWS : h;
  const display = await startDisplay(w, screenHeight);
  const sinkName = `bench_meeting_${process.pid}_${Date.now() % 100000}`;
  const moduleId = (await runToEnd('pactl', ['load-module', 'module-null-sink', `sink_name=${sinkName}`, 'rate=48000', 'channels=2'])).stdout.trim();
  const children: ChildProcess[] = [];
  try {
    const config = serviceConfig(h, 1, work, o.settings ?? { name: 'current' });
    const userDataDir = path.join(work, 'chromium');
    const args =
      o.pipeline === 'jibri'
        ? jibriChromiumArgs(w, h, userDataDir)
        : [...chromiumArgs({ config: config.browser, display: display.name, sinkName, width: w, height: screenHeight }), `--user-data-dir=${userDataDir}`];
    children.push(spawn(config.browser.chromiumPath, [...args, `${standIn.baseUrl}/${room}`], { env: { ...process.env, DISPLAY: display.name, PULSE_SINK: sinkName }, stdio: 'ignore' }));
    await sleep(4000);
    const originMs = Date.now();
    let reference: ChildProcess | undefined;
    const refFile = path.join(work, 'reference.mkv');
    if (o.quality) {
      reference = spawn(config.ffmpegPath, referenceArgv(w, h, display.name, originMs, refFile), { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(reference);
      await sleep(1000);
    }
    const file = path.join(work, `${o.pipeline}.mp4`);
    const align = o.quality ? originMs : undefined;
    const argv =
      o.pipeline === 'jibri'
        ? jibriFfmpegArgv(w, h, display.name, `${sinkName}.monitor`, file, align)
        : toArgv(encodeSpec(config.encoding, { display: display.name, audioSource: `${sinkName}.monitor`, originMs }, [fileMuxer(file)]));
    const ffmpeg = spawn(config.ffmpegPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(ffmpeg);
    await waitForFrames(ffmpeg, `${o.pipeline} ffmpeg`);
    const startedSec = (Date.now() - originMs) / 1000;
    if (o.quality) {
      await sleep(o.seconds * 1000);
      const stoppedSec = (Date.now() - originMs) / 1000;
      await stopChild(ffmpeg);
      await stopChild(reference!);
      return { ssim: await ssim(file, refFile, startedSec + 1, stoppedSec - 0.5) };
    }
    await sleep(1000);
    // The bench's own Node process is not part of a bare pipeline.
    return { cores: await treeCoresWithoutRoot(process.pid, o.seconds) };
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    if (/^\d+$/.test(moduleId)) await runToEnd('pactl', ['unload-module', moduleId]);
    await display.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---- The parts -------------------------------------------------------------------------------------

export interface Capacity {
  tiles: number;
  height: number;
  /** Most simultaneous sessions with < 1 % bad frames in every one (0: not even one). */
  sessions: number;
  runs: SessionsRun[];
}

async function capacityOf(standIn: StandIn, tiles: number, height: number, one: SessionsRun, o: MeetingOptions): Promise<Capacity> {
  const runs: SessionsRun[] = [one];
  if (!one.ok) return { tiles, height, sessions: 0, runs };
  // Start where the measured cost says the host's cores run out, then step up or down.
  let n = Math.min(MAX_SESSIONS, Math.max(2, Math.floor((CORES * 0.95) / Math.max(0.05, one.cores.total + one.cores.pulseaudio))));
  const tried = new Map<number, boolean>([[1, true]]);
  for (;;) {
    process.stderr.write(`  ${tiles} tiles at ${height}p: ${n} sessions at once...\n`);
    const run = await recordMeetings(standIn, { tiles, height, sessions: n, seconds: o.seconds, codecs: o.codecs });
    runs.push(run);
    tried.set(n, run.ok);
    const next = run.ok ? n + 1 : n - 1;
    if (next > MAX_SESSIONS || tried.has(next)) break;
    n = next;
  }
  const sessions = Math.max(0, ...[...tried].filter(([, ok]) => ok).map(([k]) => k));
  return { tiles, height, sessions, runs };
}

export interface Comparison {
  tiles: number;
  height: number;
  rounds: number;
  /** Per settings: tree cores per round (medians below) and SSIM per quality pass. */
  results: Array<{ name: string; pipeline: Pipeline; cores: PartCores[]; ssim: number[]; medianCores: number; medianSsim: number }>;
}

/** Rounds that alternate the candidates (the first is the baseline), then a quality pass of each per round. */
async function compare(standIn: StandIn, o: MeetingOptions, candidates: Array<{ pipeline: Pipeline; settings: Settings }>): Promise<Comparison> {
  const { tiles, height } = o.versus;
  const results = candidates.map((c) => ({ name: c.settings.name, pipeline: c.pipeline, cores: [] as PartCores[], ssim: [] as number[], medianCores: 0, medianSsim: 0 }));
  for (let round = 0; round < o.rounds; round++) {
    for (const [i, c] of candidates.entries()) {
      process.stderr.write(`  round ${round + 1}/${o.rounds}: ${c.settings.name}, CPU ${o.seconds} s...\n`);
      if (c.pipeline === 'jibri') {
        results[i]!.cores.push((await bare(standIn, { pipeline: 'jibri', tiles, height, seconds: o.seconds, codecs: o.codecs, quality: false })).cores!);
      } else {
        results[i]!.cores.push((await withSettingsPath(c.settings, () => recordMeetings(standIn, { tiles, height, sessions: 1, seconds: o.seconds, codecs: o.codecs, settings: c.settings }))).cores);
      }
    }
    for (const [i, c] of candidates.entries()) {
      process.stderr.write(`  round ${round + 1}/${o.rounds}: ${c.settings.name}, SSIM...\n`);
      const q = await withSettingsPath(c.settings, () => bare(standIn, { pipeline: c.pipeline, tiles, height, seconds: Math.min(8, o.seconds), codecs: o.codecs, settings: c.settings, quality: true }));
      results[i]!.ssim.push(q.ssim!);
    }
  }
  for (const r of results) Object.assign(r, { medianCores: median(r.cores.map((c) => c.total)), medianSsim: median(r.ssim) });
  return { tiles, height, rounds: o.rounds, results };
}

/** Candidate settings for `tune`, by name (BENCH_MEETING_CANDIDATES); each is compared with the current settings. */
export const CANDIDATES: Record<string, Settings> = {
  'disable-gpu': { name: 'disable-gpu', extraChromiumFlags: ['--disable-gpu'] },
  'crf-27': { name: 'crf-27', env: { JIBRI_RECORDING_CONSTANT_RATE_FACTOR: '27' } },
  'crf-29': { name: 'crf-29', env: { JIBRI_RECORDING_CONSTANT_RATE_FACTOR: '29' } },
  'disable-gpu-compositing': { name: 'disable-gpu-compositing', extraChromiumFlags: ['--disable-gpu-compositing'] },
  'preset-superfast': { name: 'preset-superfast', env: { JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING: 'superfast' } },
  // Xorg's dummy screen at the capture rate and at 60 Hz, in Xvfb's place (bench/xorg-shim); named only.
  'xorg-dummy-30hz': { name: 'xorg-dummy-30hz', pathPrefix: path.resolve('bench/xorg-shim/30hz'), optIn: true },
  'xorg-dummy-60hz': { name: 'xorg-dummy-60hz', pathPrefix: path.resolve('bench/xorg-shim/60hz'), optIn: true },
  'preset-veryfast-crf27': { name: 'preset-veryfast-crf27', env: { JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING: 'veryfast', JIBRI_RECORDING_CONSTANT_RATE_FACTOR: '27' } },
};

export interface MeetingReport {
  machine: { cpus: number; model: string };
  options: Omit<MeetingOptions, 'parts'> & { parts: string[] };
  cost: SessionsRun[];
  capacity: Capacity[];
  versus?: Comparison;
  tune?: Comparison;
  tracks?: TracksCost;
  admission?: AdmissionRun;
  tabCapture?: TabCaptureReport;
}

export async function benchMeeting(o: MeetingOptions): Promise<MeetingReport> {
  const standIn = await startStandIn();
  const report: MeetingReport = {
    machine: { cpus: CORES, model: os.cpus()[0]?.model ?? '?' },
    options: { ...o, parts: [...o.parts] },
    cost: [],
    capacity: [],
  };
  try {
    // The clips first (made once per machine, cached), so that no measurement includes making them.
    for (const height of o.heights) for (const tiles of o.tiles) await meetingParticipants(tiles, widthOf(height), height, o.codecs);
    if (['versus', 'tune', 'tracks', 'admission', 'tabcapture'].some((p) => o.parts.has(p))) await meetingParticipants(o.versus.tiles, widthOf(o.versus.height), o.versus.height, o.codecs);
    if (o.parts.has('cost') || o.parts.has('capacity')) {
      for (const height of o.heights) {
        for (const tiles of o.tiles) {
          const layer = meetingClips(tiles, widthOf(height), height, o.codecs)[0]!.height;
          process.stderr.write(`meeting of ${tiles} (${o.codecs.join('/')} ${layer}p each) at ${height}p30: one session, ${o.seconds} s...\n`);
          const one = await recordMeetings(standIn, { tiles, height, sessions: 1, seconds: o.seconds, codecs: o.codecs });
          report.cost.push(one);
          if (o.parts.has('capacity')) report.capacity.push(await capacityOf(standIn, tiles, height, one, o));
        }
      }
    }
    if (o.parts.has('versus')) {
      process.stderr.write(`versus Jibri: ${o.versus.tiles} tiles at ${o.versus.height}p, ${o.rounds} rounds...\n`);
      report.versus = await compare(standIn, o, [
        { pipeline: 'ours', settings: { name: 'jibri-ts' } },
        { pipeline: 'jibri', settings: { name: "Jibri's pipeline" } },
      ]);
    }
    if (o.parts.has('tune')) {
      const names = (process.env.BENCH_MEETING_CANDIDATES ?? Object.keys(CANDIDATES).filter((n) => !CANDIDATES[n]!.optIn).join(',')).split(',').filter((n) => CANDIDATES[n]);
      process.stderr.write(`tuning: current settings against ${names.join(', ')}, ${o.rounds} rounds...\n`);
      report.tune = await compare(standIn, o, [{ pipeline: 'ours', settings: { name: 'current' } }, ...names.map((n) => ({ pipeline: 'ours' as const, settings: CANDIDATES[n]! }))]);
    }
    if (o.parts.has('tracks')) report.tracks = await benchTracksCost(recordMeetings, { ...o.versus, seconds: o.seconds, rounds: o.rounds, codecs: o.codecs });
    if (o.parts.has('admission')) {
      const { tiles, height } = o.versus;
      process.stderr.write(`admission: ${tiles}-participant meetings at ${height}p started one by one with admission as shipped...\n`);
      report.admission = await admissionRamp(standIn, {
        tiles,
        height,
        seconds: o.seconds,
        maxSessions: MAX_SESSIONS,
        config: (slots, recordings, env) => serviceConfig(height, slots, recordings, { name: 'as shipped', env }),
        setMeeting: (room) => setMeeting(standIn, room, tiles, height, o.codecs),
      });
    }
    if (o.parts.has('tabcapture')) {
      const { tiles, height } = o.versus;
      process.stderr.write(`tab capture: ${tiles} tiles at ${height}p, ${o.rounds} rounds...\n`);
      report.tabCapture = await benchTabCapture(standIn, {
        tiles,
        width: widthOf(height),
        height,
        seconds: o.seconds,
        rounds: o.rounds,
        config: serviceConfig(height, 1, os.tmpdir(), { name: 'current' }),
        setMeeting: (room) => setMeeting(standIn, room, tiles, height, o.codecs),
        ours: async () => (await recordMeetings(standIn, { tiles, height, sessions: 1, seconds: o.seconds, codecs: o.codecs })).cores,
      });
    }
  } finally {
    await standIn.close();
  }
  return report;
}

const f2 = (n: number): string => n.toFixed(2);

export function describeMeeting(r: MeetingReport): string[] {
  const lines: string[] = [];
  if (r.cost.length) {
    lines.push(`meeting (stand-in page, tile view, ${r.options.codecs.join('/')} videos with sound), one session, ${r.options.seconds} s each: cores per session`);
    lines.push('  tiles  res    total  chromium  ffmpeg  xvfb  service | pulse   PSS MB  bad frames  capacity (< 1 % bad)');
    for (const c of r.cost) {
      const cap = r.capacity.find((k) => k.tiles === c.tiles && k.height === c.height);
      lines.push(
        `  ${String(c.tiles).padStart(5)}  ${String(c.height).padStart(4)}p  ${f2(c.cores.total).padStart(5)}  ${f2(c.cores.chromium).padStart(8)}  ${f2(c.cores.ffmpeg).padStart(6)}  ${f2(c.cores.xvfb).padStart(4)}  ${f2(c.cores.service).padStart(7)} | ${f2(c.cores.pulseaudio).padStart(5)}  ${c.pssMbPerSession.toFixed(0).padStart(6)}  ${c.worstBadFramePercent.toFixed(2).padStart(9)} %  ${cap ? String(cap.sessions) : '-'}`,
      );
    }
    for (const k of r.capacity) {
      lines.push(`  capacity ${k.tiles} tiles at ${k.height}p: ${k.sessions}  (${k.runs.map((x) => `${x.sessions}: ${x.worstBadFramePercent.toFixed(1)} % bad, ${f2(x.cores.total)} cores/session`).join('; ')})`);
    }
    const four = r.capacity.find((k) => k.tiles === 4 && k.height === 720);
    if (four) lines.push(`  target: >= 3 simultaneous 4-participant 720p30 meetings with < 1 % bad frames: ${four.sessions}   ${four.sessions >= 3 ? 'PASS' : 'MISS'}`);
  }
  for (const [title, cmp] of [['versus Jibri', r.versus], ['tuning', r.tune]] as const) {
    if (!cmp) continue;
    const base = cmp.results[0]!;
    lines.push(`${title}: ${cmp.tiles} tiles at ${cmp.height}p30, medians of ${cmp.rounds} alternating rounds (tree cores; SSIM against a lossless capture)`);
    for (const x of cmp.results) {
      lines.push(`  ${x.name.padEnd(22)} ${f2(x.medianCores)} cores  SSIM ${x.medianSsim.toFixed(4)}   rounds: ${x.cores.map((c) => f2(c.total)).join(' ')}; SSIM ${x.ssim.map((s) => s.toFixed(4)).join(' ')}`);
    }
    if (title === 'versus Jibri') {
      const jibri = cmp.results[1]!;
      const ratio = base.medianCores / jibri.medianCores;
      const ok = ratio <= 0.8 && base.medianSsim >= jibri.medianSsim - 0.0005;
      lines.push(`  jibri-ts / Jibri: ${f2(ratio)}x the CPU at SSIM ${base.medianSsim.toFixed(4)} vs ${jibri.medianSsim.toFixed(4)}   target <= 0.80x at equal or better SSIM   ${ok ? 'PASS' : 'MISS'}`);
    } else {
      for (const x of cmp.results.slice(1)) {
        lines.push(`  ${x.name}: ${f2(x.medianCores / base.medianCores)}x the CPU of the current settings, SSIM ${(x.medianSsim - base.medianSsim >= 0 ? '+' : '') + (x.medianSsim - base.medianSsim).toFixed(4)}`);
      }
    }
  }
  if (r.tracks) lines.push(...describeTracksCost(r.tracks));
  if (r.admission) lines.push(describeAdmission(r.admission));
  if (r.tabCapture) lines.push(...describeTabCapture(r.tabCapture));
  return lines;
}
