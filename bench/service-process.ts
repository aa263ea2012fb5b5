/**
 * The service as operators run it, as its own process (`node dist/lib/main.js serve`, configured by its
 * environment alone): its resident memory while one session records the demo page, and how long a start
 * takes, read from the recording itself.
 *
 * The start is measured from the content: the page draws its own wall clock, every frame, as a band of
 * black and white blocks across its top (the frame clock's code, lib/pipeline/frame-clock/clock-code.ts).
 * The first frame of the finished file shows when the page drew it; that instant minus the moment the
 * start request was sent is the start: request to the first frame of the meeting that is kept. The
 * service's own figure (its log line "first frame N ms after the request", with the stages' times) is
 * reported beside it.
 *
 * With a baseline (BENCH_SERVICE_BASELINE: the root of another built checkout, or `self`, with its own
 * node arguments after commas) or node arguments to try (BENCH_SERVICE_ARGS), rounds alternate a session
 * of each in the same run: on a busy machine only such ratios mean something. The services run at once,
 * each with its warm spare.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { demoPageHtml } from '../lib/demo/page';
import { startDemoServer } from '../lib/demo/server';
import { CLOCK_BLOCKS, CLOCK_LAYOUT, latencyMs, readClockRow } from '../lib/pipeline/frame-clock/clock-code';
import { runFfmpeg } from '../testkit/media';
import { findRecordings, freePort, ROOT, SERVICE_NODE_ARGS, tempDir } from '../testkit/service';
import { median, treeCpuSeconds, treePssMb } from './proc-stats';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rows of the page's clock band; the file is read in its middle row. */
const BAND_ROWS = 16;

/** The demo page with its wall clock drawn across its top at every frame. */
export function clockedDemoPageHtml(width: number): string {
  const band = `<canvas id="band" width="${width}" height="${BAND_ROWS}" style="position:fixed;left:0;top:0;z-index:9"></canvas>
<script>
  (() => {
    const L = ${JSON.stringify(CLOCK_LAYOUT)};
    const ctx = document.getElementById('band').getContext('2d');
    const w = Math.floor(${width} / ${CLOCK_BLOCKS});
    function draw(now) {
      const units = Math.round((performance.timeOrigin + now) * L.unitsPerMs) % 2 ** L.bits;
      ctx.fillStyle = '#000'; ctx.fillRect(0, 0, ${width}, ${BAND_ROWS});
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, ${BAND_ROWS});
      for (let i = 0; i < L.bits; i++) {
        const bit = Math.floor(units / 2 ** (L.bits - 1 - i)) % 2;
        ctx.fillRect((bit ? 2 + i : 2 + L.bits + i) * w, 0, w, ${BAND_ROWS});
      }
      requestAnimationFrame(draw);
    }
    requestAnimationFrame(draw);
  })();
</script>`;
  return demoPageHtml().replace('</body>', `${band}\n</body>`);
}

/** The wall-clock time (ms) the first frame with a readable clock band shows, and that frame's index. */
export async function firstFrameClock(file: string, width: number, requestedAt: number): Promise<{ pageMs: number; frame: number } | undefined> {
  const frames = 10;
  const { stdout } = await runFfmpeg(['-v', 'error', '-i', file, '-frames:v', String(frames), '-vf', `format=gray,crop=${width}:1:0:${BAND_ROWS / 2}`, '-f', 'rawvideo', '-']);
  for (let i = 0; i * width < stdout.length; i++) {
    const units = readClockRow(stdout.subarray(i * width, (i + 1) * width), width);
    // The value is modulo about six days: its distance from the request, not the value itself.
    if (units !== undefined) return { pageMs: requestedAt - latencyMs(requestedAt, units), frame: i };
  }
  return undefined;
}

export interface ServiceVariant {
  label: string;
  /** A built checkout whose dist/lib/main.js is run. */
  root: string;
  nodeArgs: string[];
}

export interface ServiceSession {
  /** Median resident memory of the service's own process while recording. */
  rssMb: number;
  /** CPU of the service's own process while recording, in cores. */
  cores: number;
  /** CPU of the service and everything it runs (browsers, Xvfb, PulseAudio, media workers, ffmpeg), in cores. */
  treeCores: number;
  /** Proportional memory of that whole tree while recording (median), shared pages counted once. */
  treePssMb: number;
  /** Request sent to the instant the first kept frame's page was drawn (its clock band). */
  startMs?: number;
  /** Index of that frame in the file (0: the very first frame showed the clock). */
  clockFrame?: number;
  /** What the service logged: request to first encoded frame, and its stages (ms; older builds count them from the pipeline's start). */
  reported?: { firstFrameMs: number; stages: Record<string, number> };
}

interface RunningService {
  variant: ServiceVariant;
  child: ChildProcess;
  api: string;
  recordings: string;
  output: () => string;
}

async function startService(variant: ServiceVariant): Promise<RunningService> {
  const [port, internal] = [await freePort(), await freePort()];
  const recordings = tempDir('jibri-ts-bench-service-');
  let output = '';
  const child = spawn(process.execPath, [...variant.nodeArgs, path.join(variant.root, 'dist/lib/main.js'), 'serve'], {
    cwd: variant.root,
    env: { ...process.env, JIBRI_HTTP_API_EXTERNAL_PORT: String(port), JIBRI_HTTP_API_INTERNAL_PORT: String(internal), JIBRI_RECORDING_DIR: recordings, JIBRI_LOG_LEVEL: 'info', ENABLE_STATS_D: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const api = `http://127.0.0.1:${port}/jibri/api/v1.0`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`the service (${variant.label}) did not start:\n${output}`);
    if (await fetch(`${api}/health`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  return { variant, child, api, recordings, output: () => output };
}

async function busy(api: string, want: boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const h = (await (await fetch(`${api}/health`)).json()) as { status?: { busyStatus?: string } };
    if ((h.status?.busyStatus === 'BUSY') === want) return;
    await sleep(50);
  }
  throw new Error(`the service never became ${want ? 'busy' : 'idle'}`);
}

/** CPU seconds the process itself has used (not its children). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** The service's log line at the first frame: the total and each stage it names ("page loaded at 412 ms", ...). */
function reportedTimes(log: string, sessionId: string): ServiceSession['reported'] {
  const line = log.split('\n').find((l) => l.includes(`session=${sessionId}`) && l.includes('first frame'));
  const total = /first frame (\d+) ms after the request/.exec(line ?? '');
  if (!line || !total) return undefined;
  const stages: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z][a-z ]*?) at (\d+) ms/g)) stages[m[1]!.trim()] = Number(m[2]);
  return { firstFrameMs: Number(total[1]), stages };
}

async function oneSession(s: RunningService, pageUrl: string, sessionId: string, seconds: number, width: number): Promise<ServiceSession> {
  const requestedAt = Date.now();
  await startFileRecording(s.api, sessionId, pageUrl, 'bench');
  await busy(s.api, true);
  // Past the next session's spare, launched a few seconds into a session (older builds launched it at once):
  // the window then holds the steady recording and an idle spare in every build.
  await sleep(6000);
  const samples: number[] = [];
  const treeSamples: number[] = [];
  const pid = s.child.pid!;
  const [c0, tree0, t0] = [cpuSeconds(pid), treeCpuSeconds(pid), Date.now()];
  for (let i = 0; i < seconds * 4; i++) {
    samples.push(rssMb(pid));
    if (i % 4 === 0) treeSamples.push(treePssMb(pid));
    await sleep(250);
  }
  const window = (Date.now() - t0) / 1000;
  const cores = (cpuSeconds(pid) - c0) / window;
  const treeCores = (treeCpuSeconds(pid) - tree0) / window;
  await stopRecording(s.api);
  await busy(s.api, false);
  const file = findRecordings(s.recordings).find((f) => f.includes(sessionId));
  const clock = file ? await firstFrameClock(file, width, requestedAt) : undefined;
  const reported = reportedTimes(s.output(), sessionId);
  return {
    rssMb: median(samples),
    cores,
    treeCores,
    treePssMb: median(treeSamples),
    ...(clock ? { startMs: clock.pageMs - requestedAt, clockFrame: clock.frame } : {}),
    ...(reported ? { reported } : {}),
  };
}

export type ServiceReport = Array<{ variant: string; sessions: ServiceSession[] }>;

export async function benchServiceProcess(variants: ServiceVariant[], rounds: number, seconds: number, width = 1280): Promise<ServiceReport> {
  const page = await startDemoServer({ html: clockedDemoPageHtml(width) });
  const services: RunningService[] = [];
  try {
    for (const v of variants) services.push(await startService(v));
    const report: ServiceReport = variants.map((v) => ({ variant: v.label, sessions: [] }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of services.entries()) {
        // Steady state: the spare capture source is ready again since the last session.
        await sleep(4000);
        process.stderr.write(`service process, round ${r + 1}/${rounds}: ${s.variant.label}...\n`);
        report[i]!.sessions.push(await oneSession(s, page.baseUrl, `svc-${r}-${i}`, seconds, width));
      }
    }
    return report;
  } finally {
    for (const s of services) {
      s.child.kill('SIGINT');
      if (s.child.exitCode === null) await new Promise((r) => s.child.once('exit', r));
      fs.rmSync(s.recordings, { recursive: true, force: true });
    }
    await page.close();
  }
}

/**
 * The baseline named by BENCH_SERVICE_BASELINE (`root[,node args...]`; `self` for this checkout), this
 * build with the service's Node.js flags, and this build with the node arguments of BENCH_SERVICE_ARGS
 * (comma-separated) instead, when set.
 */
export function serviceVariantsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceVariant[] {
  const variant = (label: string, spec: string): ServiceVariant => {
    const [root = '', ...nodeArgs] = spec.split(',');
    return { label, root: root === 'self' || root === '' ? ROOT : path.resolve(root), nodeArgs };
  };
  return [
    ...(env.BENCH_SERVICE_BASELINE ? [variant('baseline', env.BENCH_SERVICE_BASELINE)] : []),
    // As the image, the Debian package and the fleet start it.
    { label: 'this build', root: ROOT, nodeArgs: SERVICE_NODE_ARGS },
    ...(env.BENCH_SERVICE_ARGS ? [variant(`this build, node ${env.BENCH_SERVICE_ARGS.replace(/,/g, ' ')}`, `self,${env.BENCH_SERVICE_ARGS}`)] : []),
  ];
}

const fmt = (n: number | undefined, d = 0): string => (n === undefined ? '?' : n.toFixed(d));

export function describeServiceProcess(report: ServiceReport): string[] {
  return report.map(({ variant, sessions }) => {
    const defined = (xs: Array<number | undefined>): number[] => xs.filter((x): x is number => x !== undefined);
    const med = (xs: Array<number | undefined>): string => fmt(defined(xs).length ? median(defined(xs)) : undefined);
    const starts = defined(sessions.map((s) => s.startMs));
    const stageNames = [...new Set(sessions.flatMap((s) => Object.keys(s.reported?.stages ?? {})))];
    const stages = stageNames.map((n) => `${n} ${med(sessions.map((s) => s.reported?.stages[n]))}`).join(', ');
    return (
      `service process (${variant}), ${sessions.length} sessions: memory while recording ${fmt(median(sessions.map((s) => s.rssMb)))} MB median (target ≤ 120 MB), its CPU ${fmt(median(sessions.map((s) => s.cores)), 3)} cores; ` +
      `the whole tree ${fmt(median(sessions.map((s) => s.treeCores)), 3)} cores and ${fmt(median(sessions.map((s) => s.treePssMb)))} MB (PSS), medians; ` +
      `start, request → first kept frame's page clock, ${med(starts)} ms median [${starts.map((x) => fmt(x)).join(', ')}] (target ≤ 1000 ms); ` +
      `the service's own first-frame figure ${med(sessions.map((s) => s.reported?.firstFrameMs))} ms (stages, medians: ${stages})`
    );
  });
}
