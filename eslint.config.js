// Lint configuration. The restricted-import block enforces the architecture: the pure core never does I/O.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'fastify',
  'kysely',
  'better-sqlite3',
  'pg',
  'undici',
  '@nats-io/*',
  'node:fs',
  'node:net',
  'node:http',
  'node:https',
  'node:dns',
  'node:child_process',
  'fs',
  'net',
  'http',
  'https',
  'dns',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/rules/**/*.ts', 'src/transform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: IO_MODULES, message: 'core, rules and transform are pure: no I/O imports (STYLE §5).' },
            {
              group: [
                '**/store/**',
                '**/bus/**',
                '**/api/**',
                '**/engine/**',
                '**/delivery/**',
                '**/ingest/**',
              ],
              message: 'dependencies point inward: core, rules and transform import only core.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read arbitrary JSON answers; typing every response shape would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The web console runs in the browser, as plain modules (no build step).
    files: ['console/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
