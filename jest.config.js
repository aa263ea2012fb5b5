/**
 * Every spec lives under spec/ and mirrors lib/; integration specs start the real stack themselves.
 *
 * Two projects. `shared`: the specs that may run beside another spec file (npm test gives it two
 * workers). `alone`: the files whose first docblock says `@runAlone <why>`, run one at a time after it:
 * those that measure timing or media quality under a load they set up themselves (A/V sync, gaps,
 * admission by measured CPU), those that use the Docker engine (one Swarm, one set of images), and those
 * that stop or pause the run's shared S3 server.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOTS = ['spec'];

function specFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return specFiles(p);
    return e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** The pragma in the file's first docblock (jest-docblock's syntax; jest itself ignores unknown ones). */
function runsAlone(file) {
  const docblock = /^\s*\/\*\*([\s\S]*?)\*\//.exec(fs.readFileSync(file, 'utf8'));
  return docblock !== null && /^\s*\*\s*@runAlone\s+\S/m.test(docblock[1]);
}

const alone = ROOTS.flatMap((r) => specFiles(path.join(__dirname, r))).filter(runsAlone);

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
  // One worker unless asked (npm test asks for two in the shared project): real Chromium, Xvfb,
  // PulseAudio and ffmpeg share two cores.
  maxWorkers: 1,
  testTimeout: 120000,
  // The run's S3 servers (Ceph RGW, s3rver), shared by the specs that upload; each started on first use.
  globalSetup: '<rootDir>/spec/support/global-setup.ts',
  globalTeardown: '<rootDir>/spec/support/global-teardown.ts',
  projects: [
    { ...common, displayName: 'shared', testMatch: ['**/*.spec.ts'], testPathIgnorePatterns: ['/node_modules/', ...alone.map(escapeRegExp)] },
    { ...common, displayName: 'alone', testMatch: alone.length > 0 ? alone : ['<rootDir>/no-spec-runs-alone'] },
  ],
};

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
