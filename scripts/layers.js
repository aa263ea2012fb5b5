#!/usr/bin/env node
// The one rule of docs/ARCHITECTURE.md, checked: imports only go down the layers named below, and the
// parts of one layer do not import each other (each is its own unit: the XMPP edge does not reach into
// the HTTP edge). Also: nothing under lib/ imports spec/ or bench/, and bench/ does not import spec/
// (shared fixtures and harness live in testkit/); lib/ and the workspace packages (packages/*) import each
// other only by package name. Plain Node, no dependencies: it reads each file's
// import/export-from/require/import() specifiers, resolves the relative ones, and names every import
// that breaks the rule. `node scripts/layers.js` (part of `npm test`) exits 1 on any.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Top to bottom. A file may import a file of a lower layer, or of its own unit. A unit is a folder, a
 * file, or a list of them; the units of one layer are side by side and never import each other.
 */
const LAYERS = [
  // The service, and the program each session's media worker runs (lib/pipeline/worker/).
  { name: 'entry', units: ['lib/main.ts', 'lib/media-worker.ts'] },
  // The fleet is a workspace package of its own (packages/fleet), outside these layers.
  { name: 'programs', units: ['lib/demo/', 'lib/cli/'] },
  { name: 'wiring', units: ['lib/compose.ts'] },
  // The edges. HTTP serves some of the outbound status edge's views (health body, SSE, /metrics) as
  // routes; the status edge counts the XMPP edge's connection events for metrics.
  { name: 'http edge', units: ['lib/http/'] },
  { name: 'status edge', units: ['lib/status/'] },
  { name: 'xmpp edge', units: ['lib/xmpp/'] },
  // Beside the recorder: they read its events and drive it, nothing below calls them.
  { name: 'beside the recorder', units: ['lib/delivery/', 'lib/lifecycle.ts'] },
  { name: 'recorder', units: ['lib/recorder/'] },
  { name: 'machine', units: ['lib/system/'] },
  { name: 'pipeline', units: ['lib/pipeline/', 'lib/meeting/'] },
  { name: 'outputs', units: ['lib/output/'] },
  // Leaves that any module may import; the redaction function is below all of them.
  { name: 'leaves', units: [['lib/config.ts', 'lib/config/'], 'lib/errors.ts', 'lib/log.ts', 'lib/proc/'] },
  { name: 'redaction', units: ['lib/redact.ts'] },
];

/** Where files of a tree may not import from at all, whatever the layers say. */
const FORBIDDEN = [
  { from: 'lib/', to: ['spec/', 'bench/', 'testkit/'], why: 'the product never imports its tests, bench or their kit' },
  { from: 'lib/', to: ['packages/'], why: 'the recorder uses the workspace packages by name (@jibri-ts/common), never by path' },
  { from: 'packages/', to: ['lib/', 'spec/', 'bench/', 'testkit/'], why: 'a workspace package stands alone: what it shares with the recorder is @jibri-ts/common' },
  { from: 'bench/', to: ['spec/'], why: 'the bench shares fixtures and harness with the specs through testkit/, not spec/' },
  { from: 'testkit/', to: ['spec/', 'bench/'], why: 'testkit/ is below both its users' },
];

const SPECIFIER = /(?:^|[^.\w])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

function listFiles(root, dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  const out = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') out.push(...listFiles(root, rel));
    } else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function importsOf(text) {
  // Comments may quote import lines; they are not imports.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1');
  const out = [];
  for (const m of code.matchAll(SPECIFIER)) out.push(m[1] ?? m[2]);
  return out;
}

function resolve(root, from, spec) {
  if (!spec.startsWith('.')) return undefined; // a package
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const cand of [base, `${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`]) {
    const abs = path.join(root, cand);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile()) return cand;
  }
  return base;
}

function unitOf(file) {
  for (let i = 0; i < LAYERS.length; i++) {
    for (const unit of LAYERS[i].units) {
      const parts = Array.isArray(unit) ? unit : [unit];
      if (parts.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p))) return { layer: i, unit: parts.join('+') };
    }
  }
  return undefined;
}

/** Every import under root that breaks the rule, as `file -> target: why`; files outside lib/ layers are only checked against FORBIDDEN. */
function checkTree(root) {
  const problems = [];
  const files = ['lib', 'bench', 'testkit', 'packages'].flatMap((d) => listFiles(root, d));
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const spec of importsOf(text)) {
      const target = resolve(root, file, spec);
      if (!target) continue;
      const forbidden = FORBIDDEN.find((f) => file.startsWith(f.from) && f.to.some((t) => target.startsWith(t)));
      if (forbidden) {
        problems.push(`${file} -> ${target}: ${forbidden.why}`);
        continue;
      }
      const a = unitOf(file);
      const b = unitOf(target);
      if (!a || !b || a.unit === b.unit) continue;
      if (b.layer < a.layer) problems.push(`${file} -> ${target}: ${LAYERS[a.layer].name} imports from ${LAYERS[b.layer].name}, a layer above it`);
      else if (b.layer === a.layer) problems.push(`${file} -> ${target}: ${a.unit} and ${b.unit} are side by side in ${LAYERS[a.layer].name}; neither imports the other`);
    }
    const own = file.startsWith('lib/') ? unitOf(file) : undefined;
    if (file.startsWith('lib/') && !own) problems.push(`${file}: in no layer; add it to LAYERS in scripts/layers.js and to docs/ARCHITECTURE.md`);
  }
  problems.push(...undocumented(root));
  return problems;
}

/** Every unit of LAYERS must be named (in backticks, without `lib/`) in docs/ARCHITECTURE.md, when there is one. */
function undocumented(root) {
  const doc = path.join(root, 'docs/ARCHITECTURE.md');
  if (!fs.existsSync(doc)) return [];
  const text = fs.readFileSync(doc, 'utf8');
  const names = LAYERS.flatMap((l) => l.units.flat()).map((u) => u.replace(/^lib\//, ''));
  return names.filter((n) => !text.includes(`\`${n}\``)).map((n) => `docs/ARCHITECTURE.md: does not name \`${n}\` (a unit of scripts/layers.js)`);
}

module.exports = { LAYERS, checkTree, importsOf };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const problems = checkTree(root);
  if (problems.length) {
    console.error(`layers: ${problems.length} import(s) against docs/ARCHITECTURE.md's rule:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.error('layers: every import goes down the layers of docs/ARCHITECTURE.md');
}
