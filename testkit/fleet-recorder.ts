/**
 * The recorder program the fleet specs' local backend runs. A root fleet runs each local recorder under
 * a uid of its own, which must be able to reach the program; a checkout in a folder closed to other
 * users (a `mktemp -d` folder, /root) is not reachable, and the fleet refuses it. Then the run uses a
 * copy of the built recorder in an open temp folder (hard links where the file system allows: it costs
 * no space), made once per run by jest's global setup and named in JIBRI_TS_FLEET_RECORDER_MAIN.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedAncestor } from '../packages/fleet/lib/backends/local';

const ROOT = path.resolve(__dirname, '..');
const MAIN = 'dist/lib/main.js';
/** The workspace packages the recorder loads at run time: node_modules' links to them point into packages/. */
const RUNTIME_PACKAGES = ['common', 'rtmp'];
/** What the built recorder needs at run time. */
const PARTS = ['package.json', 'dist', 'node_modules', ...RUNTIME_PACKAGES.flatMap((p) => [`packages/${p}/package.json`, `packages/${p}/dist`])];

/** Makes the copy when it is needed (root, and the checkout closed to other users); answers the program to run. */
export function prepareFleetRecorderMain(): string | undefined {
  if (process.getuid?.() !== 0 || !closedAncestor(path.join(ROOT, MAIN))) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-fleet-recorder-'));
  fs.chmodSync(dir, 0o755);
  for (const p of RUNTIME_PACKAGES) fs.mkdirSync(path.join(dir, 'packages', p), { recursive: true, mode: 0o755 });
  for (const part of PARTS) {
    const [from, to] = [path.join(ROOT, part), path.join(dir, path.dirname(part))];
    try {
      execFileSync('cp', ['-al', from, to], { stdio: 'pipe' });
    } catch {
      execFileSync('cp', ['-a', from, to], { stdio: 'pipe' });
    }
  }
  return path.join(dir, MAIN);
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

/** The program for JIBRI_FLEET_RECORDER_MAIN: the run's copy when there is one, else the checkout's. */
export function fleetRecorderMain(): string {
  return process.env.JIBRI_TS_FLEET_RECORDER_MAIN ?? path.join(ROOT, MAIN);
}
