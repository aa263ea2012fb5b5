/** Every spec lives under spec/ and mirrors lib/; integration specs start the real stack themselves. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  // Real Chromium, Xvfb, PulseAudio and ffmpeg share two cores: running files one at a time keeps
  // recordings from dropping frames because of each other.
  maxWorkers: 1,
  testTimeout: 120000,
  // One S3 server (Ceph RGW) per run, shared by the specs that upload; started on first use.
  globalSetup: '<rootDir>/spec/support/global-setup.ts',
  globalTeardown: '<rootDir>/spec/support/global-teardown.ts',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // xmpp.js ships ES modules only; Node 20 loads them with require(), jest's runtime needs them as CommonJS.
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true }, diagnostics: false }],
  },
  // The workspace packages' dist is CommonJS from tsc already; without this, jest follows the
  // @jibri-ts/* links to packages/*/dist (outside node_modules) and ts-jest warns on every file.
  transformIgnorePatterns: ['/node_modules/(?!(@xmpp|ltx)/)', '/packages/[^/]+/dist/'],
};
