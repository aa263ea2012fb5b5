/**
 * The recorder program, and the Node.js that runs it, for the fleet specs' local backend. A root fleet
 * runs each local recorder under a uid of its own, which must be able to reach both; a checkout in a
 * folder closed to other users (a `mktemp -d` folder, /root), or a Node.js unpacked into one (setup's
 * `.node/`), is not reachable, and the fleet refuses it. Then the run uses a copy in an open temp folder
 * (hard links where the file system allows: it costs no space), made once per run by jest's global setup
 * and named in JIBRI_TS_FLEET_RECORDER_MAIN and JIBRI_TS_FLEET_RECORDER_NODE (the folder in
 * JIBRI_TS_FLEET_RECORDER_COPY, which the global teardown removes).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedAncestor } from '../packages/fleet/lib/backends/local';

const ROOT = path.resolve(__dirname, '..');
const MAIN = 'dist/lib/main.js';
const NODE = 'node/bin/node';
/** The workspace packages the recorder loads at run time: node_modules' links to them point into packages/. */
const RUNTIME_PACKAGES = ['common', 'rtmp'];
/** What the built recorder needs at run time. */
const PARTS = ['package.json', 'dist', 'node_modules', ...RUNTIME_PACKAGES.flatMap((p) => [`packages/${p}/package.json`, `packages/${p}/dist`])];

function copyInto(from: string, toDir: string): void {
  try {
    execFileSync('cp', ['-al', from, toDir], { stdio: 'pipe' });
  } catch {
    execFileSync('cp', ['-a', from, toDir], { stdio: 'pipe' });
  }
}

/**
 * Makes the copy when it is needed (root, and the checkout or the Node.js closed to other users): sets
 * JIBRI_TS_FLEET_RECORDER_COPY, and _MAIN and _NODE for what it copied.
 */
export function prepareFleetRecorder(): void {
  const [main, node] = [path.join(ROOT, MAIN), fs.realpathSync(process.execPath)];
  const [copyMain, copyNode] = [closedAncestor(main) !== undefined, closedAncestor(node) !== undefined];
  if (process.getuid?.() !== 0 || (!copyMain && !copyNode)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-fleet-recorder-'));
  fs.chmodSync(dir, 0o755);
  process.env.JIBRI_TS_FLEET_RECORDER_COPY = dir;
  if (copyMain) {
    for (const p of RUNTIME_PACKAGES) fs.mkdirSync(path.join(dir, 'packages', p), { recursive: true, mode: 0o755 });
    for (const part of PARTS) copyInto(path.join(ROOT, part), path.join(dir, path.dirname(part)));
    process.env.JIBRI_TS_FLEET_RECORDER_MAIN = path.join(dir, MAIN);
  }
  if (copyNode) {
    fs.mkdirSync(path.join(dir, path.dirname(NODE)), { recursive: true, mode: 0o755 });
    copyInto(node, path.join(dir, path.dirname(NODE)));
    fs.renameSync(path.join(dir, path.dirname(NODE), path.basename(node)), path.join(dir, NODE));
    process.env.JIBRI_TS_FLEET_RECORDER_NODE = path.join(dir, NODE);
  }
}

/**
 * A fresh folder for a fleet's data and recordings that the local recorders, each under a uid of its own
 * when the fleet is root, can pass through (0711: they can enter, not list).
 */
export function fleetBaseDir(prefix: string): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(base, 0o711);
  return base;
}

/** JIBRI_FLEET_RECORDER_MAIN and _NODE for a fleet of the specs: the run's copies when there are, else the checkout's and this Node.js. */
export function fleetRecorderEnv(): { JIBRI_FLEET_RECORDER_MAIN: string; JIBRI_FLEET_RECORDER_NODE?: string } {
  const node = process.env.JIBRI_TS_FLEET_RECORDER_NODE;
  return { JIBRI_FLEET_RECORDER_MAIN: process.env.JIBRI_TS_FLEET_RECORDER_MAIN ?? path.join(ROOT, MAIN), ...(node ? { JIBRI_FLEET_RECORDER_NODE: node } : {}) };
}
