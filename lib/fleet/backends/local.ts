/**
 * Recorders as processes on this host (`node dist/lib/main.js serve`), the built-in default. Each runs
 * detached in its own process group, so a fleet restart does not take its recorders down; each has its
 * own ports and recordings folder under the fleet's data folder.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fetchHealth, postGracefulShutdown, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import { freePort } from './ports';
import { pidAlive } from '../../proc/pid';

interface LocalHandle {
  recorderId: string;
  pid: number;
  port: number;
  internalPort: number;
  dir: string;
}

/**
 * Whether `pid` is still this recorder: pids are reused, so a restarted fleet checks the process's
 * environment for the recorder's own id before it signals anything.
 */
function isRecorder(h: LocalHandle): boolean {
  try {
    return fs.readFileSync(`/proc/${h.pid}/environ`, 'utf8').split('\0').includes(`JIBRI_INSTANCE_ID=${h.recorderId}`);
  } catch {
    return false;
  }
}


export interface LocalBackendOptions {
  recorderMain: string;
  dataDir: string;
  capacity: number;
  /** Variables the recorders get from the fleet's own environment (PATH and what PulseAudio needs). */
  inherit?: string[];
}

export class LocalBackend implements RecorderBackend {
  readonly kind = 'local';
  private readonly live = new Set<number>();

  constructor(private readonly opts: LocalBackendOptions) {}

  async freeCapacity(): Promise<number> {
    for (const pid of this.live) if (!pidAlive(pid)) this.live.delete(pid);
    return Math.max(0, this.opts.capacity - this.live.size);
  }

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const dir = path.join(this.opts.dataDir, 'recorders', spec.recorderId);
    fs.mkdirSync(path.join(dir, 'recordings'), { recursive: true });
    const [port, internalPort] = [await freePort(), await freePort()];
    const inherited: Record<string, string> = {};
    for (const name of this.opts.inherit ?? ['PATH', 'HOME', 'XDG_RUNTIME_DIR', 'PULSE_SERVER', 'TMPDIR', 'LANG', 'TZ']) {
      const v = process.env[name];
      if (v !== undefined) inherited[name] = v;
    }
    const log = fs.openSync(path.join(dir, 'recorder.log'), 'a');
    // Only what the recorder needs: the fleet's own secrets (admin token, callback secret) stay here.
    const child = spawn(process.execPath, [this.opts.recorderMain, 'serve'], {
      cwd: dir,
      env: {
        ...inherited,
        ...spec.env,
        JIBRI_HTTP_API_EXTERNAL_HOST: '127.0.0.1',
        JIBRI_HTTP_API_EXTERNAL_PORT: String(port),
        JIBRI_HTTP_API_INTERNAL_PORT: String(internalPort),
        JIBRI_RECORDING_DIR: path.join(dir, 'recordings'),
      },
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    child.unref();
    if (!child.pid) throw new Error('the recorder process did not start');
    this.live.add(child.pid);
    const handle: LocalHandle = { recorderId: spec.recorderId, pid: child.pid, port, internalPort, dir };
    return { handle: JSON.stringify(handle), ip: '127.0.0.1' };
  }

  health(handle: string): Promise<RecorderHealth | undefined> {
    const h = JSON.parse(handle) as LocalHandle;
    return fetchHealth(`http://127.0.0.1:${h.port}/jibri/api/v1.0/health`);
  }

  async running(handle: string): Promise<boolean> {
    const h = JSON.parse(handle) as LocalHandle;
    return pidAlive(h.pid) && isRecorder(h);
  }

  async drain(handle: string): Promise<void> {
    const h = JSON.parse(handle) as LocalHandle;
    await postGracefulShutdown(`http://127.0.0.1:${h.internalPort}`);
  }

  async remove(handle: string): Promise<void> {
    const h = JSON.parse(handle) as LocalHandle;
    if (pidAlive(h.pid) && isRecorder(h)) {
      // SIGINT: stop and finalize whatever still records, then exit.
      process.kill(h.pid, 'SIGINT');
      const until = Date.now() + 60000;
      while (pidAlive(h.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      if (pidAlive(h.pid)) process.kill(h.pid, 'SIGKILL');
    }
    this.live.delete(h.pid);
  }
}
