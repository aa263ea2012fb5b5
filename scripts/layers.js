#!/usr/bin/env node
// The one rule of docs/ARCHITECTURE.md, checked: imports only go down the layers named below, and the
// parts of one layer do not import each other (each is its own unit: the XMPP edge does not reach into
// the HTTP edge). The recorder (lib/) has its layers, and so has each workspace package inside its own
// lib/ (PACKAGE_LAYERS). Also: nothing under lib/ imports spec/ or bench/, and bench/ does not import spec/
// (shared fixtures and harness live in testkit/); lib/ and the workspace packages (packages/*) import each
// other only by package name, and a package's specs may use testkit/ (and lib/, the recorder the fleet's
// specs deploy) but not spec/ or bench/.
// Plain Node, no dependencies: it reads each file's import/export-from/require/import() specifiers,
// resolves the relative ones, and names every import that breaks the rule. `node scripts/layers.js`
// (part of `npm test`) exits 1 on any.
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

/**
 * Each workspace package's own layers, top to bottom, by the same rule; units are paths inside the
 * package's lib/. Every file of a package that has an entry here must be in one of its layers.
 */
const PACKAGE_LAYERS = {
  'packages/common': [
    { name: 'entry', units: ['index.ts'] },
    // The settings reader builds on the settings' declaration, the file tree, durations and the address rules.
    { name: 'settings reader', units: ['settings-reader.ts'] },
    { name: 'logging', units: ['log.ts'] },
    {
      name: 'leaves',
      units: ['settings.ts', 'settings-tree.ts', 'duration.ts', 'redact.ts', 'token.ts', 'pid.ts', 'version.ts', 'xmpp/', 'net/'],
    },
  ],
  'packages/fleet': [
    { name: 'entry', units: ['main.ts', 'index.ts'] },
    { name: 'program', units: ['cli.ts'] },
    { name: 'wiring', units: ['server.ts'] },
    // The HTTP server, and the dashboard's pages: side by side.
    { name: 'edges', units: ['http.ts', 'dashboard/'] },
    // The customers' API (JOD's) and the operator's admin API, each a router of its own.
    { name: 'APIs', units: ['customer-api.ts', 'admin-api.ts'] },
    { name: 'API bodies', units: ['delivery-api.ts', 'recordings-api.ts'] },
    { name: 'delivery admin', units: ['delivery-admin.ts'] },
    { name: 'admin', units: ['admin.ts', 'metrics.ts'] },
    { name: 'deployer', units: ['deployer.ts'] },
    { name: 'watchers', units: ['recording-watch.ts', 'delivery-test.ts', 'brewery-watch.ts'] },
    { name: 'outbound', units: ['callbacks.ts', 'recording-links.ts', 'recorder-recordings.ts', 'recording-view.ts'] },
    { name: 'backends', units: ['backends/'] },
    // The one connection to the database, how it is opened and migrated, and what /metrics reads of it.
    { name: 'store', units: [['store.ts', 'store-open.ts', 'store-migrations.ts', 'store-totals.ts']] },
    // The tables the store hands to their own owners.
    { name: 'table owners', units: ['users-store.ts', 'delivery-store.ts', 'recordings-store.ts', 'instance-lock.ts'] },
    { name: 'storage targets', units: ['s3-target.ts'] },
    { name: 'delivery rules', units: ['delivery-config.ts'] },
    { name: 'requests', units: ['deploy-request.ts'] },
    { name: 'configuration', units: ['config.ts'] },
    {
      name: 'leaves',
      units: ['outbound-guard.ts', 'secret-box.ts', 'keys.ts', 'recorder-ca.ts', 'sqlite.ts', 'domain-config.ts', 'money.ts', 'envelope.ts'],
    },
  ],
  'packages/rtmp': [
    { name: 'entry', units: ['index.ts'] },
    { name: 'publisher', units: ['publisher.ts'] },
    // What a publishing connection answers by itself: pings, acknowledgements, the peer's chunk size.
    { name: 'control', units: ['control.ts'] },
    { name: 'messages', units: ['messages.ts'] },
    // Pure codecs and rules: AMF0, chunks, the handshake, authentication, URLs, FLV.
    { name: 'codecs', units: ['amf0.ts', 'chunk.ts', 'handshake.ts', 'auth.ts', 'url.ts', 'flv.ts'] },
  ],
};

/** The workspace package a path is in (`packages/<name>`), if any. */
function packageOf(file) {
  const m = /^packages\/[^/]+/.exec(file);
  return m ? m[0] : undefined;
}

/** Why `file` may not import `target` at all, whatever the layers say; undefined when it may. */
function forbidden(file, target) {
  const rules = [
    { from: 'lib/', to: ['spec/', 'bench/', 'testkit/'], why: 'the product never imports its tests, bench or their kit' },
    { from: 'lib/', to: ['packages/'], why: 'the recorder uses the workspace packages by name (@jibri-ts/common), never by path' },
    { from: 'bench/', to: ['spec/'], why: 'the bench shares fixtures and harness with the specs through testkit/, not spec/' },
    { from: 'testkit/', to: ['spec/', 'bench/'], why: 'testkit/ is below both its users' },
  ];
  const rule = rules.find((f) => file.startsWith(f.from) && f.to.some((t) => target.startsWith(t)));
  if (rule) return rule.why;
  const pkg = packageOf(file);
  if (!pkg) return undefined;
  const inLib = file.startsWith(`${pkg}/lib/`);
  if (inLib && !target.startsWith(`${pkg}/`)) return 'a workspace package stands alone: what it shares with the recorder is @jibri-ts/common';
  // The fleet's real-stack specs deploy the recorder itself (lib/): that, and the test kit, they may use.
  if (!inLib && ['spec/', 'bench/'].some((t) => target.startsWith(t))) return "a package's specs use testkit/ (and the recorder they run), never the recorder's specs or bench";
  const other = packageOf(target);
  if (other && other !== pkg) return 'workspace packages use each other by package name, never by path';
  return undefined;
}

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

/** The layers a file is checked against, with the prefix its units are written under. */
function layersFor(file) {
  if (file.startsWith('lib/')) return { layers: LAYERS, prefix: '' };
  const pkg = packageOf(file);
  if (pkg && PACKAGE_LAYERS[pkg] && file.startsWith(`${pkg}/lib/`)) return { layers: PACKAGE_LAYERS[pkg], prefix: `${pkg}/lib/` };
  return undefined;
}

function unitOf(file) {
  const table = layersFor(file);
  if (!table) return undefined;
  const { layers, prefix } = table;
  for (let i = 0; i < layers.length; i++) {
    for (const unit of layers[i].units) {
      const parts = (Array.isArray(unit) ? unit : [unit]).map((p) => prefix + p);
      if (parts.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p))) return { layers, layer: i, unit: parts.join('+') };
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
      const why = forbidden(file, target);
      if (why) {
        problems.push(`${file} -> ${target}: ${why}`);
        continue;
      }
      const a = unitOf(file);
      const b = unitOf(target);
      if (!a || !b || a.unit === b.unit || a.layers !== b.layers) continue;
      const name = (u) => a.layers[u.layer].name;
      if (b.layer < a.layer) problems.push(`${file} -> ${target}: ${name(a)} imports from ${name(b)}, a layer above it`);
      else if (b.layer === a.layer) problems.push(`${file} -> ${target}: ${a.unit} and ${b.unit} are side by side in ${name(a)}; neither imports the other`);
    }
    if (layersFor(file) && !unitOf(file)) {
      problems.push(file.startsWith('lib/') ? `${file}: in no layer; add it to LAYERS in scripts/layers.js and to docs/ARCHITECTURE.md` : `${file}: in no layer; add it to PACKAGE_LAYERS['${packageOf(file)}'] in scripts/layers.js`);
    }
  }
  problems.push(...untabled(root));
  problems.push(...unmirrored(root));
  problems.push(...undocumented(root));
  return problems;
}

/**
 * Unit specs mirror the code: `spec/unit/<path>.spec.ts` is the spec of `lib/<path>.ts` (or of the folder
 * `lib/<path>/`, or of a script or folder at the top: `scripts/layers.js`, `bench/`), and a package's
 * `packages/<name>/spec/unit/<path>.spec.ts` of its `lib/<path>`.
 */
function unmirrored(root) {
  const exists = (p) => fs.existsSync(path.join(root, p));
  const specs = [
    ...listFiles(root, 'spec/unit').map((f) => ({ f, bases: ['lib/', ''] , rel: f.slice('spec/unit/'.length) })),
    ...(exists('packages') ? fs.readdirSync(path.join(root, 'packages')) : []).flatMap((p) =>
      listFiles(root, `packages/${p}/spec/unit`).map((f) => ({ f, bases: [`packages/${p}/lib/`], rel: f.slice(`packages/${p}/spec/unit/`.length) })),
    ),
  ].filter((s) => s.f.endsWith('.spec.ts'));
  return specs
    .filter(({ bases, rel }) => {
      const stem = rel.slice(0, -'.spec.ts'.length);
      return !bases.some((b) => [`${b}${stem}.ts`, `${b}${stem}.js`, `${b}${stem}`].some(exists));
    })
    .map(({ f }) => `${f}: mirrors no module; a unit spec goes where its module is (lib/a/b.ts: spec/unit/a/b.spec.ts)`);
}

/** Every workspace package with a lib/ must have its layers in PACKAGE_LAYERS: each package is checked. */
function untabled(root) {
  const dir = path.join(root, 'packages');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'lib')) && !PACKAGE_LAYERS[`packages/${e.name}`])
    .map((e) => `packages/${e.name}: no layers; add them to PACKAGE_LAYERS in scripts/layers.js`);
}

/** Every unit of LAYERS must be named (in backticks, without `lib/`) in docs/ARCHITECTURE.md, when there is one. */
function undocumented(root) {
  const doc = path.join(root, 'docs/ARCHITECTURE.md');
  if (!fs.existsSync(doc)) return [];
  const text = fs.readFileSync(doc, 'utf8');
  const names = LAYERS.flatMap((l) => l.units.flat()).map((u) => u.replace(/^lib\//, ''));
  return names.filter((n) => !text.includes(`\`${n}\``)).map((n) => `docs/ARCHITECTURE.md: does not name \`${n}\` (a unit of scripts/layers.js)`);
}

module.exports = { LAYERS, PACKAGE_LAYERS, checkTree, importsOf };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const problems = checkTree(root);
  if (problems.length) {
    console.error(`layers: ${problems.length} import(s) against docs/ARCHITECTURE.md's rule:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.error('layers: every import goes down the layers of docs/ARCHITECTURE.md');
}
