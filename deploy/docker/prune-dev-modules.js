#!/usr/bin/env node
/**
 * Used by the Dockerfile's first stage: takes the development packages out of <root>/node_modules, using
 * package-lock.json as the only source of truth (lockfile v2/v3 mark them "dev": true), so the image gets
 * exactly the locked production packages without running npm (and without the network).
 * Fails when a production package is missing or has another version than the lock says.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] || '.');
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
if (!lock.packages) {
  console.error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 is needed)');
  process.exit(1);
}

const problems = [];
let removed = 0;
let kept = 0;
// Deepest paths first, so a nested dev package is removed before (or regardless of) its parent.
const entries = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/'));
entries.sort(([a], [b]) => b.length - a.length);
for (const [rel, meta] of entries) {
  const dir = path.join(root, rel);
  const devOnly = meta.dev === true || meta.devOptional === true;
  if (devOnly) {
    if (fs.existsSync(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    }
    continue;
  }
  if (meta.optional === true && !fs.existsSync(dir)) continue; // an optional package of another platform
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    problems.push(`${rel} is missing (run npm ci)`);
    continue;
  }
  const version = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version;
  if (meta.version && version !== meta.version) problems.push(`${rel} is ${version}, the lock says ${meta.version} (run npm ci)`);
  kept++;
}
// Links of removed packages' binaries; the service runs no package binary.
fs.rmSync(path.join(root, 'node_modules/.bin'), { recursive: true, force: true });
fs.rmSync(path.join(root, 'node_modules/.cache'), { recursive: true, force: true });
// Scopes left empty by the removal.
for (const name of fs.readdirSync(path.join(root, 'node_modules'))) {
  const dir = path.join(root, 'node_modules', name);
  if (name.startsWith('@') && fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

if (problems.length) {
  console.error(`node_modules does not match package-lock.json:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`production packages: ${kept} kept, ${removed} development packages removed`);
