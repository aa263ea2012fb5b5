/**
 * The service's private temp folders (Chromium profiles, the encoder's FLV socket, the ffmpeg wrapper):
 * each is 0700 and named `jibri-ts-<kind>-<pid>-XXXXXX`, so that a folder whose service was killed
 * (SIGKILL, OOM, power loss never runs cleanup code) is recognised and removed by the next service that
 * makes one of that kind, instead of piling up in /tmp. A live neighbour's folders are kept.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pidAlive } from '@jibri-ts/common';

const swept = new Set<string>();

/** A fresh 0700 folder for `kind` (letters and digits); the first call per kind sweeps dead services' ones. */
export function makeTempDir(kind: string): string {
  if (!/^[a-z0-9]+$/.test(kind)) throw new Error(`temp folder kind must be letters and digits: ${kind}`);
  if (!swept.has(kind)) {
    swept.add(kind);
    sweepDeadTempDirs(kind);
  }
  // mkdtemp creates the folder with mode 0700.
  return fs.mkdtempSync(path.join(os.tmpdir(), `jibri-ts-${kind}-${process.pid}-`));
}

/**
 * Removes this user's `kind` folders whose service is gone; returns how many. A folder without a pid in
 * its name (made by an older version, or by someone else) is not ours to judge and is kept.
 */
export function sweepDeadTempDirs(kind: string, tmp = os.tmpdir(), alive: (pid: number) => boolean = pidAlive): number {
  const pattern = new RegExp(`^jibri-ts-${kind}-(\\d+)-[A-Za-z0-9]+$`);
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  let removed = 0;
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Removed meanwhile by a neighbour, or not ours to remove.
    }
  }
  return removed;
}
