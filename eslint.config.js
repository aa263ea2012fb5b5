// ESLint flat config for every package of the repository: the globs are not tied to one folder, so a
// workspace added under packages/ is linted with the same rules (`npm run lint`, part of `npm test`).
// Base: ESLint's recommended rules and typescript-eslint's type-checked recommended ones (floating
// promises, misused promises, unsafe `any` flows). Each departure from them below says why.
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');
const { defineConfig, globalIgnores } = require('eslint/config');

module.exports = defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', 'deploy/docker/cache/', 'recordings/', 'coverage/']),
  {
    // A disable comment that no longer silences anything is an error, so every one left stays meaningful.
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      // Jibri compares some page values loosely on purpose; everything else uses ===.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `_`-prefixed names are deliberate: Express needs the 4-argument error handler, rest destructuring drops keys.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A `let` read by a closure before its one assignment (compose's stop() closing a server that may not
      // be listening yet) would be in the temporal dead zone as a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An async method that satisfies a Promise-returning interface without awaiting is fine.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The settings readers turn HOCON and environment scalars (typed unknown, then narrowed) into strings on
    // purpose; String() of a value the rule can only see as `{}` is that conversion, not a bug.
    files: ['lib/config.ts', 'lib/config/**/*.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    // Specs, the bench and their kit (testkit/) read the real service's JSON answers (`any` from
    // res.json()) and check them with expect(): typing each body would restate the types under test.
    // jest's mock assertions take methods unbound by design. Explicit `any` stays an error here too.
    files: ['spec/**/*.ts', 'bench/**/*.ts', 'testkit/**/*.ts', 'packages/*/spec/**/*.ts', 'packages/*/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022, globals: globals.node },
  },
);
