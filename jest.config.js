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
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
};
