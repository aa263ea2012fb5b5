/**
 * A program's version (`--version`): the one version of the repository's packages, read from the
 * package.json that ships beside the code (a checkout, the images' /app, the Debian package's
 * /usr/lib/jibri-ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The version in the package.json found at or above `from` (the caller's __dirname) named `name`; "unknown" when none. */
export function packageVersion(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // no package.json here, or not ours: go up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** `--version`'s line: the program, its version and the Node.js it runs on. */
export function versionLine(program: string, version: string): string {
  return `${program} ${version} (Node.js ${process.version})\n`;
}
