/**
 * The second S3 implementation of the specs, beside Ceph RGW (testkit/s3.ts): s3rver, from npm, in a
 * process of its own (testkit/s3rver-server.js) on loopback, on a port the system picks. Started once per
 * run by the first spec that asks for it, shared by the others through the folder the global setup names,
 * stopped by the global teardown (and by itself when the run's process is gone). Its one key pair is
 * S3RVER/S3RVER: the access key id equals the secret, as with MinIO's minioadmin/minioadmin.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { S3Server } from './s3';
import { pidAlive } from '@jibri-ts/common';

/** The variable that names the run's s3rver folder; set by the global setup, read by every spec file. */
export const S3RVER_DIR_VAR = 'JIBRI_TS_S3RVER_DIR';
const SERVER = path.join(__dirname, 's3rver-server.js');

interface Info extends Omit<S3Server, 'startMs'> {
  pid: number;
}

function readInfo(dir: string): Info | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 's3rver.json'), 'utf8')) as Info;
  } catch {
    return undefined;
  }
}

export async function sharedS3rver(): Promise<S3Server> {
  let dir = process.env[S3RVER_DIR_VAR];
  let parent = process.env.JIBRI_TS_S3_PARENT ?? String(process.pid);
  if (!dir) {
    // No global setup (a script): a server of our own, gone when this process is.
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-s3rver-')), 'server');
    process.env[S3RVER_DIR_VAR] = dir;
    parent = String(process.pid);
  }
  const running = readInfo(dir);
  if (running && pidAlive(running.pid)) return { ...running, startMs: 0 };
  const t0 = Date.now();
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, 's3rver.json'), { force: true });
  const log = fs.openSync(path.join(dir, 's3rver.log'), 'a');
  const child = spawn(process.execPath, [SERVER, dir, parent], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  for (let waited = 0; waited < 30000; waited += 100) {
    const info = readInfo(dir);
    if (info) return { ...info, startMs: Date.now() - t0 };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`s3rver did not start: ${fs.readFileSync(path.join(dir, 's3rver.log'), 'utf8').slice(-2000)}`);
}

/** Stops the run's s3rver and removes its temp folder. */
export async function stopS3rver(dir = process.env[S3RVER_DIR_VAR]): Promise<void> {
  if (!dir) return;
  const info = readInfo(dir);
  if (info && pidAlive(info.pid)) {
    process.kill(info.pid, 'SIGTERM');
    for (let waited = 0; waited < 10000 && pidAlive(info.pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (pidAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  }
  if (path.basename(path.dirname(dir)).startsWith('jibri-ts-s3rver-')) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}
