#!/usr/bin/env node
/**
 * The fingerprint of everything `npm run build` reads outside node_modules, and of node_modules as npm
 * installed it: a sha256 over the path and content of every TypeScript, JavaScript and JSON file under
 * lib, bench, spec, testkit and packages (their dist/ and node_modules/ left out), the root's
 * tsconfig.json and package.json (the build command itself), package-lock.json and npm's record of the
 * installed tree (node_modules/.package-lock.json, which npm rewrites at every install).
 *
 * By content and path, not by time: an edit, a new, deleted or renamed file and a file restored with an
 * old modification time all change it, and a `touch` does not. scripts/setup.sh keeps the fingerprint of
 * its last successful build in dist/.build-stamp; scripts/typecheck.js trusts that build's type check only
 * when the fingerprint is the same now.
 *
 * usage: node scripts/build-inputs.js   (prints the fingerprint)
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TREES = ['lib', 'bench', 'spec', 'testkit', 'packages'];
const FILES = ['tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];
// What tsc can read from the trees: TypeScript, JSON (resolveJsonModule) and JavaScript (which decides
// whether an import resolves at all).
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;
/** The build's outputs and installed packages, not its inputs. */
const SKIP_DIRS = new Set(['dist', 'node_modules']);
/** Where setup.sh keeps the fingerprint of its last successful build. */
const STAMP = path.join(ROOT, 'dist', '.build-stamp');

function sourcesUnder(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) sourcesUnder(rel, out);
    } else if (SOURCE.test(e.name)) {
      out.push(rel);
    }
  }
}

function buildInputsFingerprint() {
  const files = [];
  for (const t of TREES) sourcesUnder(t, files);
  files.push(...FILES);
  const hash = crypto.createHash('sha256');
  for (const rel of files.sort()) {
    let content;
    try {
      content = fs.readFileSync(path.join(ROOT, rel));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
      content = null;
    }
    hash.update(`${rel}\0${content === null ? 'missing' : crypto.createHash('sha256').update(content).digest('hex')}\0`);
  }
  return hash.digest('hex');
}

/** The fingerprint in dist/.build-stamp, or null when there is none. */
function lastBuildFingerprint() {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

module.exports = { buildInputsFingerprint, lastBuildFingerprint, STAMP };

if (require.main === module) console.log(buildInputsFingerprint());
