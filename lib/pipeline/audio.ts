/**
 * Sound without a kernel module: a user-land PulseAudio server and one null sink per session. The browser
 * plays into its session's sink (PULSE_SINK), the encoder reads that sink's monitor, so sessions never
 * hear each other. Sinks are named after the owning service's pid, which lets a later start unload the
 * sinks of a service that died without touching those of one still running.
 */
import { RecorderError } from '../errors';
import { runToEnd, startProcess } from '../proc/runner';
import { pidAlive } from '@jibri-ts/common';

export interface AudioSink {
  readonly sinkName: string;
  readonly monitor: string;
  /** Once the encoder reads the monitor it keeps the sink's blocks small itself; the keeper can go. */
  releaseKeeper(): Promise<void>;
  close(): Promise<void>;
}

const SINK_PREFIX = 'jibri_ts_';
let sinkCounter = 0;

export async function pulseIsRunning(): Promise<boolean> {
  const r = await runToEnd('pactl', ['info'], { timeoutMs: 5000 });
  return r.code === 0;
}

/**
 * Starts a PulseAudio server when none answers (it outlives us on purpose: the next start reuses it), and
 * keeps its default sink off the sessions' sinks.
 */
export async function ensurePulseAudio(): Promise<void> {
  if (!(await pulseIsRunning())) await startPulseAudio();
  await keepDefaultSinkOffSessions();
}

async function startPulseAudio(): Promise<void> {
  const r = await runToEnd(
    'pulseaudio',
    ['--daemonize=yes', '--exit-idle-time=-1', '-n', '--load=module-native-protocol-unix'],
    { timeoutMs: 15000 },
  );
  if (r.error || (r.code !== 0 && !(await pulseIsRunning()))) {
    const missing = r.error && /ENOENT/.test(r.error.message);
    throw new RecorderError({
      code: 'AUDIO_FAILED',
      scope: 'system',
      message: missing ? 'PulseAudio is not installed' : `PulseAudio is not running and could not be started: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`,
      hint: 'Install it with apt-get install pulseaudio, or start a PulseAudio server that pactl can reach (PULSE_SERVER)',
    });
  }
  // The daemon forks before it accepts connections.
  for (let i = 0; i < 50 && !(await pulseIsRunning()); i++) await new Promise((res) => setTimeout(res, 100));
}

/** Where a stream that names no sink plays, on a server the recorders run: nobody records it. */
export const NOWHERE_SINK = `${SINK_PREFIX}nowhere`;

/**
 * A server started with no sinks makes the first session's sink its default, and the next one when that
 * goes: anything else on the host that plays sound (a browser without PULSE_SINK, a viewer) then plays
 * into a session's recording, and breaks off when that session ends. So the default is a sink of its own
 * that nothing reads, unless the server has a default of someone else's (a real device): that is left.
 */
async function keepDefaultSinkOffSessions(): Promise<void> {
  const current = (await runToEnd('pactl', ['get-default-sink'], { timeoutMs: 5000 })).stdout.trim();
  if (current === NOWHERE_SINK || (current && current !== 'auto_null' && !current.startsWith(SINK_PREFIX))) return;
  const sinks = await runToEnd('pactl', ['list', 'short', 'sinks'], { timeoutMs: 5000 });
  if (!sinks.stdout.split('\n').some((l) => l.split('\t')[1] === NOWHERE_SINK)) {
    // Two services starting at once may both load it; the second load fails on the name, which is fine.
    await runToEnd('pactl', ['load-module', 'module-null-sink', `sink_name=${NOWHERE_SINK}`, 'sink_properties=device.description=nowhere'], { timeoutMs: 5000 });
  }
  await runToEnd('pactl', ['set-default-sink', NOWHERE_SINK], { timeoutMs: 5000 });
}

export async function createSink(): Promise<AudioSink> {
  const sinkName = `${SINK_PREFIX}${process.pid}_${++sinkCounter}`;
  const r = await runToEnd('pactl', ['load-module', 'module-null-sink', `sink_name=${sinkName}`, 'rate=48000', 'channels=2', `sink_properties=device.description=${sinkName}`]);
  const moduleId = r.stdout.trim();
  if (r.code !== 0 || !/^\d+$/.test(moduleId)) {
    throw new RecorderError({
      code: 'AUDIO_FAILED',
      scope: 'system',
      message: `Could not create a PulseAudio sink: ${(r.stderr || r.error?.message || '').trim()}`,
      hint: 'Check that PulseAudio runs (pactl info) and that module-null-sink is available',
    });
  }
  const monitor = `${sinkName}.monitor`;
  // A null sink with nothing attached renders in 2 s blocks, and a stream that attaches waits for the
  // current block to end: the encoder's audio would open up to 2 s late, at a random phase. A reader
  // that asks for 20 ms keeps the sink in small blocks; a suspend/resume restarts its clock at once.
  const keeper = startProcess('parec', 'parec', ['--latency-msec=20', '--raw', `--device=${monitor}`], { parentDeathSignal: 'TERM', stdout: 'ignore' });
  await waitForReader(monitor, 1000);
  await runToEnd('pactl', ['suspend-sink', sinkName, '1']);
  await runToEnd('pactl', ['suspend-sink', sinkName, '0']);
  let closed = false;
  return {
    sinkName,
    monitor,
    releaseKeeper: async () => {
      await keeper.stop('SIGTERM', 2000);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await keeper.stop('SIGTERM', 2000);
      await runToEnd('pactl', ['unload-module', moduleId]);
    },
  };
}

/** Waits until some stream records from `source` (the keeper has connected), at most `timeoutMs`. */
async function waitForReader(source: string, timeoutMs: number): Promise<void> {
  const sources = await runToEnd('pactl', ['list', 'short', 'sources']);
  const index = sources.stdout.split('\n').find((l) => l.split('\t')[1] === source)?.split('\t')[0];
  if (index === undefined) return;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const outputs = await runToEnd('pactl', ['list', 'short', 'source-outputs']);
    if (outputs.stdout.split('\n').some((l) => l.split('\t')[1] === index)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}


/** Unloads the sinks of services that are gone; returns how many. */
export async function reapOrphanSinks(): Promise<number> {
  const r = await runToEnd('pactl', ['list', 'short', 'modules']);
  if (r.code !== 0) return 0;
  let reaped = 0;
  for (const line of r.stdout.split('\n')) {
    const m = new RegExp(`^(\\d+)\\s+module-null-sink\\s+.*sink_name=${SINK_PREFIX}(\\d+)_\\d+`).exec(line);
    if (!m?.[1] || !m[2]) continue;
    const owner = Number(m[2]);
    if (owner === process.pid || pidAlive(owner)) continue;
    await runToEnd('pactl', ['unload-module', m[1]]);
    reaped++;
  }
  return reaped;
}
