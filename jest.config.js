/**
 * The recorder's specs live under spec/ and mirror lib/; each workspace package's beside it, under
 * packages/<name>/spec/. Integration specs start the real stack themselves.
 *
 * The spec files run in three lanes, one jest project each; a file's first docblock names its lane
 * (`@lane <name>: <why>`), and a file that names none is in `shared`. npm test (scripts/test.sh) runs
 * `shared` two files at a time with `serial` beside it, one file at a time, then `alone` by itself:
 *   shared  may run beside any other spec file;
 *   serial  uses something of the host's that two files cannot share at once, but that the shared lane
 *           does not touch: the Docker engine and the Swarm, the fleet's default range of recorder uids
 *           (the other fleet specs take a range of their own), the run's Ceph S3 server (the delivery
 *           specs stop and pause it);
 *   alone   measures timing or media quality under a load it sets up itself (A/V sync, gaps, admission
 *           by measured CPU, how soon a failing stream ends).
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOTS = ['spec', 'packages'];

function specFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : specFiles(p);
    return e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** The lane a file's first docblock names (jest-docblock's syntax; jest ignores pragmas it does not know). */
function laneOf(file) {
  const docblock = /^\s*\/\*\*([\s\S]*?)\*\//.exec(fs.readFileSync(file, 'utf8'));
  return (docblock && /^\s*\*\s*@lane\s+(\w+):/m.exec(docblock[1])?.[1]) ?? 'shared';
}

const LANES = ['shared', 'serial', 'alone'];
const byLane = Object.fromEntries(LANES.map((l) => [l, []]));
for (const file of ROOTS.flatMap((r) => specFiles(path.join(__dirname, r)))) {
  const lane = laneOf(file);
  if (!byLane[lane]) throw new Error(`${file}: unknown @lane ${lane} (one of ${LANES.join(', ')})`);
  byLane[lane].push(file);
}

const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ROOTS.map((r) => `<rootDir>/${r}`),
  transform: {
    // Transpile only: the types are checked once for every file by the typecheck step (scripts/typecheck.js),
    // not again file by file here.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
    // xmpp.js ships ES modules only; Node 20 loads them with require(), jest's runtime needs them as CommonJS.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true, isolatedModules: true }, diagnostics: false }],
  },
  // The workspace packages' dist is CommonJS from tsc already; without this, jest follows the
  // @jibri-ts/* links to packages/*/dist (outside node_modules) and ts-jest warns on every file.
  transformIgnorePatterns: ['/node_modules/(?!(@xmpp|ltx)/)', '/packages/[^/]+/dist/'],
};

module.exports = {
  // One worker unless asked (npm test asks for two in the shared lane): real Chromium, Xvfb,
  // PulseAudio and ffmpeg share two cores.
  maxWorkers: 1,
  testTimeout: 120000,
  // The run's S3 servers (Ceph RGW, s3rver), shared by the specs that upload; each started on first use.
  globalSetup: '<rootDir>/spec/support/global-setup.ts',
  globalTeardown: '<rootDir>/spec/support/global-teardown.ts',
  projects: LANES.map((lane) => ({
    ...common,
    displayName: lane,
    // A lane with no file matches nothing (an empty list would mean jest's default).
    testMatch: byLane[lane].length > 0 ? byLane[lane] : ['<rootDir>/no-spec-in-this-lane'],
  })),
};

