#!/usr/bin/env node
/**
 * `npm run typecheck`: `tsc --noEmit` for every package of the repository, the root one and each npm
 * workspace (package.json "workspaces") that has a tsconfig.json, and each workspace's specs (their own
 * spec/tsconfig.json), one after the other; fails when any fails.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);

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

const tsc = require.resolve('typescript/bin/tsc');
let failed = 0;
const projects = dirs.flatMap((dir) => [dir, path.join(dir, 'spec')]);
for (const dir of projects) {
  const project = path.join(root, dir, 'tsconfig.json');
  if (!fs.existsSync(project)) continue;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: 'inherit' });
  const ok = r.status === 0;
  if (!ok) failed++;
  process.stderr.write(`typecheck: ${dir === '.' ? 'the root package' : dir} ${ok ? 'OK' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
process.exit(failed ? 1 : 0);
