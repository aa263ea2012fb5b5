/**
 * Recorders as processes on this host (`node dist/lib/main.js serve`), the built-in default. Each runs
 * detached in its own process group, so a fleet restart does not take its recorders down; each has its
 * own ports and folder (recordings, log, home, secrets) under JIBRI_FLEET_RECORDERS_DIR. Its secrets
 * (the domain's passwords, its own API token) are files, 0400 in a 0700 folder, named by NAME_FILE: its
 * environment, which /proc/<pid>/environ shows, holds no secret. Its APIs are on this host's loopback, in
 * plain HTTP: that traffic never leaves the host.
 *
 * When the fleet runs as root, each recorder also runs under a uid of its own (JIBRI_FLEET_LOCAL_UIDS):
 * its folder, secrets, /proc entries, PulseAudio server and Chromium belong to that uid alone, so one
 * customer's recorder (or a browser exploit in it) cannot read another's secrets, recordings or memory,
 * nor signal its processes. At removal every process of that uid is ended and the folder is given back
 * to the fleet's uid, so a later recorder under the same uid finds nothing of it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { secretFileEnv, type CreatedRecorder, type RecorderBackend, type RecorderHealth, type RecorderSpec } from './backend';
import { fetchHealth, postShutdown, type RecorderAddress } from './recorder-api';
import type { UidRange } from '../config';
import { freePort } from './ports';
import { pidAlive } from '@jibri-ts/common';

interface LocalHandle {
  recorderId: string;
  pid: number;
  port: number;
  internalPort: number;
  dir: string;
  /** The recorder's own uid (and gid), when the fleet runs each under one. */
  uid?: number;
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

/** The processes of this host by real uid (from /proc). */
function processesByUid(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      out.set(uid, [...(out.get(uid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else fs.lchownSync(p, uid, gid);
  }
}

function runtimeDirPath(uid: number): string {
  return `/tmp/jibri-ts-run-${uid}`;
}

/**
 * A recorder's XDG_RUNTIME_DIR (PulseAudio's socket): short, because a unix socket's path has at most
 * 107 bytes and a recorder's own folder can be deep; 0700 and the uid's. Whatever stood at that name
 * (a leftover, or something another user put there) is removed first: lstat, so a link is not followed.
 */
function runtimeDir(uid: number): string {
  const dir = runtimeDirPath(uid);
  if (fs.lstatSync(dir, { throwIfNoEntry: false })) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, uid, uid);
  return dir;
}

/** The first existing folder above `dir` that other users cannot pass through (no o+x), if any. */
export function closedAncestor(dir: string): string | undefined {
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if (fs.existsSync(d) && (fs.statSync(d).mode & 0o001) === 0) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

export interface LocalBackendOptions {
  recorderMain: string;
  /** The Node.js that runs the recorders; unset: the fleet's own. */
  node?: string;
  /** Where each recorder gets its folder. */
  dir: string;
  /** Run each recorder under its own uid from this range (the fleet must be root); unset: under the fleet's uid. */
  uids?: UidRange;
  /** Variables the recorders get from the fleet's own environment (PATH and what PulseAudio needs). */
  inherit?: string[];
}

export class LocalBackend implements RecorderBackend {
  readonly kind = 'local';
  /** Uids handed out by this process and not yet given back (a restarted fleet sees the others in /proc). */
  private readonly claimed = new Set<number>();
  private get node(): string {
    return this.opts.node ?? process.execPath;
  }

  constructor(private readonly opts: LocalBackendOptions) {
    const closed = opts.uids ? closedAncestor(opts.dir) : undefined;
    if (closed) {
      throw new Error(
        `JIBRI_FLEET_RECORDERS_DIR: ${closed} is closed to other users, so recorders under their own uids (JIBRI_FLEET_LOCAL_UIDS) cannot reach their folders in ${opts.dir}; give it o+x (chmod o+x), choose a folder whose parents have it, or set JIBRI_FLEET_LOCAL_UIDS=off`,
      );
    }
    // The same for the recorder's program and the Node.js that runs it (a checkout in /root or in a mktemp -d
    // folder, a Node.js unpacked into one): without this every recorder would die at start with EACCES and
    // each deploy would wait out its timeout.
    const closedProgram = opts.uids ? closedAncestor(opts.recorderMain) : undefined;
    if (closedProgram) {
      throw new Error(
        `JIBRI_FLEET_RECORDER_MAIN: ${closedProgram} is closed to other users, so recorders under their own uids (JIBRI_FLEET_LOCAL_UIDS) cannot run ${opts.recorderMain}; give it o+x (chmod o+x), install jibri-ts where other users can read it, or set JIBRI_FLEET_LOCAL_UIDS=off`,
      );
    }
    const closedNode = opts.uids ? closedAncestor(this.node) : undefined;
    if (closedNode) {
      throw new Error(
        `JIBRI_FLEET_RECORDER_NODE: ${closedNode} is closed to other users, so recorders under their own uids (JIBRI_FLEET_LOCAL_UIDS) cannot run the Node.js at ${this.node}; give it o+x (chmod o+x), set JIBRI_FLEET_RECORDER_NODE to a Node.js ${process.versions.node.split('.')[0]} other users can run, or set JIBRI_FLEET_LOCAL_UIDS=off`,
      );
    }
    // Traversable, not listable, by the recorders' uids; the fleet's alone without them.
    fs.mkdirSync(opts.dir, { recursive: true, mode: opts.uids ? 0o711 : 0o700 });
    fs.chmodSync(opts.dir, opts.uids ? 0o711 : 0o700);
  }

  /** The first uid of the range that no recorder holds and that owns no process. */
  private claimUid(range: UidRange): number {
    const busy = processesByUid();
    for (let uid = range.first; uid <= range.last; uid++) {
      if (this.claimed.has(uid) || busy.has(uid)) continue;
      this.claimed.add(uid);
      return uid;
    }
    throw new Error(`no free uid left in JIBRI_FLEET_LOCAL_UIDS (${range.first}-${range.last})`);
  }

  async create(spec: RecorderSpec): Promise<CreatedRecorder> {
    const uid = this.opts.uids ? this.claimUid(this.opts.uids) : undefined;
    const dir = path.join(this.opts.dir, spec.recorderId);
    const sub = (name: string): string => path.join(dir, name);
    for (const d of [dir, sub('recordings'), sub('secrets'), sub('home')]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    for (const [name, value] of Object.entries(spec.secrets)) fs.writeFileSync(path.join(sub('secrets'), name), value, { mode: 0o400, flag: 'wx' });
    const log = fs.openSync(sub('recorder.log'), 'a', 0o600);
    if (uid !== undefined) chownTree(dir, uid, uid);
    const runtime = uid !== undefined ? runtimeDir(uid) : undefined;
    const [port, internalPort] = [await freePort(), await freePort()];
    const inherited: Record<string, string> = {};
    // Under its own uid a recorder has its own home, runtime folder and PulseAudio server: nothing of the fleet's.
    // Its temporary files go to /tmp (os.tmpdir()'s default), each made 0700 by the uid that makes it.
    const names = this.opts.inherit ?? (uid !== undefined ? ['PATH', 'LANG', 'TZ'] : ['PATH', 'HOME', 'XDG_RUNTIME_DIR', 'PULSE_SERVER', 'TMPDIR', 'LANG', 'TZ']);
    for (const name of names) {
      const v = process.env[name];
      if (v !== undefined) inherited[name] = v;
    }
    // Only what the recorder needs: the fleet's own secrets (admin token, callback secret, key) stay here.
    // With the recorder image's and package's Node.js flag (its memory: docs/MEETING-COST.md).
    const child = spawn(this.node, ['--max-semi-space-size=2', this.opts.recorderMain, 'serve'], {
      cwd: dir,
      env: {
        ...inherited,
        ...(runtime ? { HOME: sub('home'), XDG_RUNTIME_DIR: runtime } : {}),
        ...spec.env,
        ...secretFileEnv(spec.secrets, sub('secrets')),
        JIBRI_HTTP_API_EXTERNAL_HOST: '127.0.0.1',
        JIBRI_HTTP_API_EXTERNAL_PORT: String(port),
        JIBRI_HTTP_API_INTERNAL_PORT: String(internalPort),
        JIBRI_RECORDING_DIR: sub('recordings'),
      },
      ...(uid !== undefined ? { uid, gid: uid } : {}),
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    child.unref();
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (err) => reject(new Error(`the recorder process did not start: ${err.message}`)));
    }).catch((err: Error) => {
      if (uid !== undefined) this.claimed.delete(uid);
      throw err;
    });
    const handle: LocalHandle = { recorderId: spec.recorderId, pid, port, internalPort, dir, ...(uid !== undefined ? { uid } : {}) };
    return { handle: JSON.stringify(handle), ip: '127.0.0.1' };
  }

  async apiAddress(handle: string): Promise<RecorderAddress> {
    return { host: '127.0.0.1', port: (JSON.parse(handle) as LocalHandle).port };
  }

  async health(handle: string, token: string): Promise<RecorderHealth | undefined> {
    return fetchHealth(await this.apiAddress(handle), token);
  }

  async running(handle: string): Promise<boolean> {
    const h = JSON.parse(handle) as LocalHandle;
    return pidAlive(h.pid) && isRecorder(h);
  }

  async shutdown(handle: string, token: string): Promise<void> {
    const h = JSON.parse(handle) as LocalHandle;
    await postShutdown({ host: '127.0.0.1', port: h.internalPort }, token);
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
    fs.rmSync(path.join(h.dir, 'secrets'), { recursive: true, force: true });
    if (h.uid === undefined) return;
    // What the recorder left running under its uid (its PulseAudio server outlives it on purpose) ends with it.
    for (let round = 0; round < 3; round++) {
      const left = processesByUid().get(h.uid) ?? [];
      if (!left.length) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (fs.existsSync(h.dir)) chownTree(h.dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    fs.rmSync(runtimeDirPath(h.uid), { recursive: true, force: true });
    this.claimed.delete(h.uid);
  }
}
