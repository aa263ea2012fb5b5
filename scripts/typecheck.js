#!/usr/bin/env node
/**
 * `npm run typecheck`: `tsc --noEmit` for every package of the repository, the root one and each npm
 * workspace (package.json "workspaces") that has a tsconfig.json, and each workspace's specs (their own
 * spec/tsconfig.json), one after the other; fails when any fails.
 *
 * `--after-build` (npm test, after scripts/setup.sh): leaves out the projects that `npm run build`
 * compiles when that build already checked these very sources, so that no project is checked twice:
 *  - the build is `tsc -p <project>` commands joined by `&&` (read from package.json here; a command with
 *    any other option is not counted as a check), and tsc exits non-zero on any type error, emitting or
 *    not, so a build that exited 0 found none; a declaration emit reports more than --noEmit, never less;
 *  - setup.sh writes dist/.build-stamp only after the build exited 0, with the fingerprint of every file
 *    that build could read (scripts/build-inputs.js: by content and path, node_modules through npm's
 *    record of it) taken before it began and found the same after it ended, and removes it before a
 *    build starts;
 *  - here the fingerprint is taken again: only when it equals the stamp's were the sources there are now
 *    exactly those that passed. Otherwise (an edit since, a build that failed or never ran, a stamp of an
 *    older setup) every project is checked here, as by `npm run typecheck`.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildInputsFingerprint, lastBuildFingerprint } = require('./build-inputs');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
const afterBuild = process.argv.includes('--after-build');

// Workspace patterns as npm writes them: a folder, or a folder of folders ending in "/*".
const dirs = ['.'];
for (const p of patterns) {
  if (p.endsWith('/*')) {
    const parent = path.join(root, p.slice(0, -2));
    if (fs.existsSync(parent)) for (const d of fs.readdirSync(parent).sort()) dirs.push(path.join(p.slice(0, -2), d));
  } else {
    dirs.push(p);
  }
}

/** The tsconfig.json files that the build script's plain `tsc -p <project>` commands compile. */
function builtProjects() {
  const out = new Set();
  for (const command of String(pkg.scripts?.build ?? '').split('&&')) {
    const m = /^\s*tsc -p (\S+)\s*$/.exec(command);
    if (!m) continue;
    const p = path.resolve(root, m[1]);
    out.add(fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, 'tsconfig.json') : p);
  }
  return out;
}

let checkedByBuild = new Set();
if (afterBuild) {
  if (buildInputsFingerprint() === lastBuildFingerprint()) {
    checkedByBuild = builtProjects();
  } else {
    process.stderr.write('typecheck: the sources are not those of the last successful build (dist/.build-stamp): checking every project\n');
  }
}

const tsc = require.resolve('typescript/bin/tsc');
let failed = 0;
const projects = dirs.flatMap((dir) => [dir, path.join(dir, 'spec')]);
for (const dir of projects) {
  const project = path.join(root, dir, 'tsconfig.json');
  if (!fs.existsSync(project)) continue;
  const name = dir === '.' ? 'the root package' : dir;
  if (checkedByBuild.has(project)) {
    process.stderr.write(`typecheck: ${name} checked by the build of these very sources\n`);
    continue;
  }
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: 'inherit' });
  const ok = r.status === 0;
  if (!ok) failed++;
  process.stderr.write(`typecheck: ${name} ${ok ? 'OK' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
process.exit(failed ? 1 : 0);
