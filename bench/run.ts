/**
 * `npm run bench`: a report, not a test. On this machine it measures
 *  1. start latency: startService request sent → first encoded frame, over several runs (median), and for a
 *     live stream also → the ingest's first video frame (bench/stream-latency.ts);
 *  2. CPU of the whole process tree per recorded second, the service against the bare pipeline (the same
 *     page in Chromium and the same ffmpeg command, started by hand), alternated in the same run;
 *  3. peak memory of the service process and of its whole tree;
 *  4. XMPP and A/V sync (bench/xmpp.ts, bench/av-sync.ts);
 *  5. how many simultaneous recordings the host carries, with CPU and memory per session (bench/concurrency.ts);
 *  6. the fleet server: deploy request to callback for 1 and 4 recorders on the local, docker and swarm
 *     backends, and its memory (bench/fleet.ts);
 *  7. delivery to a real S3 server: upload throughput and stop → "recording ready" (bench/delivery.ts);
 *  8. the container images' sizes (recorder, fleet, fleet-local), when Docker and the images are there (bench/image.ts);
 *  9. many outputs from one encode: a file alone against a file + two RTMP destinations (bench/outputs.ts);
 * 10. what a real meeting costs: the stand-in Jitsi Meet page with 1, 4 and 9 participants' videos at 720p
 *     and 1080p, per part of the tree, the host's capacity, and against Jibri's pipeline (bench/meeting.ts).
 * Everything runs on loopback and is cleaned up, also on error. BENCH_ONLY=latency runs part 1 alone,
 * BENCH_ONLY=delivery part 7, BENCH_ONLY=fleet part 6, BENCH_ONLY=outputs part 9, BENCH_ONLY=meeting part 10
 * (its subsets: bench/meeting.ts), BENCH_ONLY=audio-only the cost of an audio-only session against a full
 * one (bench/audio-only.ts; also part of the full run), BENCH_ONLY=sync the A/V sync part under load (bench/av-sync.ts),
 * BENCH_ONLY=service the service as its own process: its memory while recording and its start read from the
 * recorded picture, against a baseline build when BENCH_SERVICE_BASELINE names one (bench/service-process.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose, type Service } from '../lib/compose';
import { loadConfig, type Config } from '../lib/config';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { startDemoServer, type DemoServer } from '../lib/demo/server';
import { createLogger } from '../lib/log';
import { runToEnd } from '../lib/proc/runner';
import { chromiumArgs } from '../lib/pipeline/browser/browser';
import { startDisplay } from '../lib/pipeline/display';
import { CLOCK_ROWS } from '../lib/pipeline/frame-clock/clock-code';
import { fileMuxer } from '../lib/output/file/file-output';
import { encodeSpec, toArgv } from '../lib/pipeline/encoder/ffmpeg-args';
import { median, memorySampler, treeCpuSeconds } from './proc-stats';
import { waitForRecording } from './sessions';
import { benchXmpp, describeXmpp } from './xmpp';
import { benchAvSync, describeAvSync } from './av-sync';
import { benchConcurrency, describeConcurrency } from './concurrency';
import { benchFleet, describeFleet } from './fleet';
import { benchAvDrift, describeAvDrift } from './av-drift';
import { benchImages, describeImage } from './image';
import { benchStreamLatency, describeStreamLatency } from './stream-latency';
import { benchDelivery, describeDelivery } from './delivery';
import { benchAudioOnly, describeAudioOnly } from './audio-only';
import { benchOutputsCpu, describeOutputsCpu } from './outputs';
import { benchServiceProcess, describeServiceProcess, serviceVariantsFromEnv } from './service-process';
import { benchMeeting, describeMeeting, meetingOptionsFromEnv, type MeetingReport } from './meeting';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SYNC_SESSIONS = Number(process.env.BENCH_SYNC_SESSIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** One long recording for A/V drift; off unless set, as it takes that many minutes. */
const DRIFT_MINUTES = Number(process.env.BENCH_DRIFT_MINUTES ?? 0);
/** `latency`: only the start latencies (file and stream), for before/after comparisons of a change; `delivery`: only part 7. */
const ONLY = process.env.BENCH_ONLY;
/** Length of the synthesized recording whose delivery is measured. */
const DELIVERY_MINUTES = Number(process.env.BENCH_DELIVERY_MINUTES ?? 10);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startSession(service: Service, page: DemoServer, sessionId: string): Promise<{ requestedAt: number; recordingAt: number }> {
  const recording = waitForRecording(service, sessionId);
  const requestedAt = Date.now();
  await startFileRecording(`${service.http.url}/jibri/api/v1.0`, sessionId, page.baseUrl, 'bench');
  return { requestedAt, recordingAt: await recording };
}

async function stopSession(service: Service): Promise<void> {
  await stopRecording(`${service.http.url}/jibri/api/v1.0`);
  await service.recorder.whenIdle();
}

async function benchStartLatency(service: Service, page: DemoServer): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Steady state: the recorder has had time to prepare its spare capture source since the last session.
    await sleep(3000);
    const { requestedAt, recordingAt } = await startSession(service, page, `latency-${i}`);
    latencies.push(recordingAt - requestedAt);
    await sleep(1000);
    await stopSession(service);
  }
  return latencies;
}

interface CpuRun {
  cpuPerSec: number;
  serviceMb?: number;
  treeMb?: number;
}

async function benchServiceCpu(service: Service, page: DemoServer, round: number): Promise<CpuRun> {
  await sleep(3000);
  await startSession(service, page, `cpu-${round}`);
  const mem = memorySampler(process.pid);
  const c0 = treeCpuSeconds(process.pid);
  const t0 = Date.now();
  await sleep(SECONDS * 1000);
  const cpu = treeCpuSeconds(process.pid) - c0;
  const secs = (Date.now() - t0) / 1000;
  const peaks = mem.stop();
  await stopSession(service);
  return { cpuPerSec: cpu / secs, serviceMb: peaks.serviceMb, treeMb: peaks.treeMb };
}

/** The same page and the same ffmpeg command, started by hand: what the recording costs without us. */
async function benchBareCpu(config: Config, page: DemoServer): Promise<CpuRun> {
  const { encoding } = config;
  // The encoder grabs the frame clock's rows below the picture too (as startSource's screen).
  const screenHeight = encoding.height + CLOCK_ROWS;
  const display = await startDisplay(encoding.width, screenHeight);
  const sinkName = `bench_bare_${process.pid}`;
  const load = await runToEnd('pactl', ['load-module', 'module-null-sink', `sink_name=${sinkName}`, 'rate=48000', 'channels=2']);
  const moduleId = load.stdout.trim();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-chromium-'));
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
  const children: ChildProcess[] = [];
  try {
    const args = [...chromiumArgs({ config: config.browser, display: display.name, sinkName, width: encoding.width, height: screenHeight }), `--user-data-dir=${userDataDir}`, `${page.baseUrl}/bench`];
    children.push(spawn(config.browser.chromiumPath, args, { env: { ...process.env, DISPLAY: display.name, PULSE_SINK: sinkName }, stdio: 'ignore' }));
    await sleep(3000);
    const argv = toArgv(encodeSpec(encoding, { display: display.name, audioSource: `${sinkName}.monitor`, originMs: Date.now() }, [fileMuxer(path.join(outDir, 'bare.mp4'))]));
    const ffmpeg = spawn(config.ffmpegPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(ffmpeg);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare ffmpeg did not start')), 20000);
      ffmpeg.stderr?.on('data', (d: Buffer) => {
        if (/frame=\s*[1-9]/.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const c0 = treeCpuSeconds(process.pid);
    const t0 = Date.now();
    await sleep(SECONDS * 1000);
    const cpu = treeCpuSeconds(process.pid) - c0;
    return { cpuPerSec: cpu / ((Date.now() - t0) / 1000) };
  } finally {
    for (const c of children.reverse()) {
      c.kill('SIGINT');
      await new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('exit', r)));
    }
    if (/^\d+$/.test(moduleId)) await runToEnd('pactl', ['unload-module', moduleId]);
    await display.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function meeting(): Promise<MeetingReport> {
  const report = await benchMeeting(meetingOptionsFromEnv());
  fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-meeting.json'), JSON.stringify(report, null, 2));
  return report;
}

async function main(): Promise<void> {
  if (ONLY === 'meeting') {
    const report = await meeting();
    process.stdout.write(`${describeMeeting(report).join('\n')}\n\nnumbers: ${path.join(os.tmpdir(), 'jibri-ts-bench-meeting.json')}\n`);
    return;
  }
  if (ONLY === 'service') {
    const variants = serviceVariantsFromEnv();
    process.stderr.write(`the service's own process: ${ROUNDS} rounds of ${variants.map((v) => v.label).join(' and ')}, ${SECONDS} s each...\n`);
    const report = await benchServiceProcess(variants, ROUNDS, SECONDS);
    fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-service.json'), JSON.stringify(report, null, 2));
    process.stdout.write(`${describeServiceProcess(report).join('\n')}\n`);
    return;
  }
  if (ONLY === 'sync') {
    process.stderr.write(`A/V sync: ${SYNC_SESSIONS} sessions of the sync page, two others recording beside each...\n`);
    const sync = await benchAvSync(SYNC_SESSIONS);
    fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-sync.json'), JSON.stringify(sync, null, 2));
    process.stdout.write(`${describeAvSync(sync)}\n`);
    return;
  }
  if (ONLY === 'fleet') {
    const f = await benchFleet();
    fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-fleet.json'), JSON.stringify(f, null, 2));
    process.stdout.write(`${describeFleet(f)}\n`);
    return;
  }
  if (ONLY === 'delivery') {
    process.stderr.write(`delivery: a ${DELIVERY_MINUTES}-minute file and a ${SECONDS}-second recording to Ceph RGW...\n`);
    const d = await benchDelivery(DELIVERY_MINUTES, SECONDS);
    fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-delivery.json'), JSON.stringify(d, null, 2));
    process.stdout.write(`${describeDelivery(d).join('\n')}\n`);
    return;
  }
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-'));
  const config = loadConfig(
    // Streams go to the bench's own ingest on loopback only.
    { JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings, JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1:\\d+/.*' },
    'bench',
  );
  const page = await startDemoServer();
  const service = await compose(config, createLogger('error'));
  try {
    if (ONLY === 'audio-only') {
      process.stderr.write(`audio-only against full sessions: ${ROUNDS} rounds of ${SECONDS} s each...\n`);
      const a = await benchAudioOnly(service, page, ROUNDS, SECONDS);
      fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-audio-only.json'), JSON.stringify(a, null, 2));
      process.stdout.write(`${describeAudioOnly(a)}\n`);
      return;
    }
    if (ONLY === 'outputs') {
      process.stderr.write(`outputs: ${ROUNDS} rounds of a file alone, one RTMP alone, a file + two RTMP and a file + two RTMP + HLS, ${SECONDS} s each...\n`);
      const outputs = await benchOutputsCpu(service, page, ROUNDS, SECONDS);
      fs.writeFileSync(path.join(os.tmpdir(), 'jibri-ts-bench-outputs.json'), JSON.stringify(outputs, null, 2));
      process.stdout.write(`${describeOutputsCpu(outputs)}\n`);
      return;
    }
    process.stderr.write(`start latency: ${RUNS} runs...\n`);
    const latencies = await benchStartLatency(service, page);
    process.stderr.write(`stream start latency: ${RUNS} runs...\n`);
    const streamLatency = await benchStreamLatency(service, page, RUNS);
    if (ONLY === 'latency') {
      const m = median(latencies);
      process.stdout.write(`${JSON.stringify({ startLatencyMs: latencies, streamLatency }, null, 2)}\n`);
      process.stdout.write(`start latency (request → first encoded frame), median of ${RUNS}: ${fmt(m / 1000)} s\n${describeStreamLatency(streamLatency)}\n`);
      return;
    }
    const bare: CpuRun[] = [];
    const ours: CpuRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`CPU round ${round + 1}/${ROUNDS}: bare pipeline, then the service, ${SECONDS} s each...\n`);
      bare.push(await benchBareCpu(config, page));
      ours.push(await benchServiceCpu(service, page, round));
    }
    process.stderr.write(`XMPP: ${RUNS} sessions through Prosody...\n`);
    const xmpp = await benchXmpp(page, RUNS);
    process.stderr.write(`A/V sync: ${SYNC_SESSIONS} sessions of the sync page, two others recording beside each...\n`);
    const sync = await benchAvSync(SYNC_SESSIONS);
    process.stderr.write('simultaneous recordings:\n');
    const concurrency = await benchConcurrency(SECONDS);
    process.stderr.write('audio-only against full sessions...\n');
    const audioOnly = await benchAudioOnly(service, page, ROUNDS, SECONDS);
    const fleet = await benchFleet();
    if (DRIFT_MINUTES > 0) process.stderr.write(`A/V drift: one ${DRIFT_MINUTES}-minute recording...\n`);
    const drift = DRIFT_MINUTES > 0 ? await benchAvDrift(DRIFT_MINUTES) : undefined;
    process.stderr.write(`delivery: a ${DELIVERY_MINUTES}-minute file and a ${SECONDS}-second recording to Ceph RGW...\n`);
    const delivery = await benchDelivery(DELIVERY_MINUTES, SECONDS);
    const images = await benchImages();
    process.stderr.write(`outputs: ${ROUNDS} rounds of a file alone, one RTMP alone, a file + two RTMP and a file + two RTMP + HLS, ${SECONDS} s each...\n`);
    const outputs = await benchOutputsCpu(service, page, ROUNDS, SECONDS);
    process.stderr.write('a real meeting: the stand-in page with participants\' videos...\n');
    const meetingReport = await meeting();
    const bareCpu = median(bare.map((r) => r.cpuPerSec));
    const ourCpu = median(ours.map((r) => r.cpuPerSec));
    const overhead = (ourCpu / bareCpu - 1) * 100;
    const serviceMb = Math.max(...ours.map((r) => r.serviceMb ?? 0));
    const treeMb = Math.max(...ours.map((r) => r.treeMb ?? 0));
    const latency = median(latencies);
    const report = {
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '?', node: process.version },
      startLatencyMs: { median: latency, min: Math.min(...latencies), max: Math.max(...latencies), runs: latencies },
      streamLatency,
      cpuSecondsPerRecordedSecond: { service: ourCpu, bare: bareCpu, overheadPercent: overhead, rounds: { service: ours.map((r) => r.cpuPerSec), bare: bare.map((r) => r.cpuPerSec) } },
      peakMemoryMb: { serviceProcess: serviceMb, wholeTree: treeMb },
      xmppMs: xmpp,
      avSync: sync,
      concurrency,
      audioOnly,
      fleet,
      delivery,
      ...(drift ? { drift } : {}),
      images,
      outputs,
      settings: { runs: RUNS, seconds: SECONDS, rounds: ROUNDS, resolution: `${config.encoding.width}x${config.encoding.height}`, framerate: config.encoding.framerate },
    };
    const out = path.join(os.tmpdir(), 'jibri-ts-bench.json');
    fs.writeFileSync(out, JSON.stringify(report, null, 2));
    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
    const lines = [
      `jibri-ts benchmark — ${report.machine.cpus} × ${report.machine.model}, Node ${process.version}, ${report.settings.resolution} at ${report.settings.framerate} fps`,
      '',
      `start latency (request → first encoded frame), median of ${RUNS}: ${fmt(latency / 1000)} s  (min ${fmt(report.startLatencyMs.min / 1000)}, max ${fmt(report.startLatencyMs.max / 1000)})   target ≤ 1.50 s   ${verdict(latency <= 1500)}`,
      describeStreamLatency(streamLatency),
      `CPU per recorded second, median of ${ROUNDS} rounds: service ${fmt(ourCpu, 3)} s/s, bare pipeline ${fmt(bareCpu, 3)} s/s → ${overhead >= 0 ? '+' : ''}${fmt(overhead, 1)} %   target ≤ +5 %   ${verdict(overhead <= 5)}`,
      ...describeXmpp(xmpp),
      describeAvSync(sync),
      ...describeConcurrency(concurrency),
      describeAudioOnly(audioOnly),
      describeFleet(fleet),
      ...describeDelivery(delivery),
      ...(drift ? [describeAvDrift(drift)] : ['A/V drift: set BENCH_DRIFT_MINUTES=10 to measure it over one long recording']),
      ...images.map(describeImage),
      describeOutputsCpu(outputs),
      ...describeMeeting(meetingReport),
      `peak memory: service process ${fmt(serviceMb, 0)} MB (target ≤ 120 MB ${verdict(serviceMb <= 120)}), whole tree ${fmt(treeMb, 0)} MB`,
      '',
      `numbers: ${out}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await service.stop();
    await page.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
