// Lint: typescript-eslint's strict type-checked rules over every workspace.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'examples/**',
      'php-image/**',
      'bench/results/**',
      'tmp/**',
      'eslint.config.js',
      'scripts/**',
      '.ci/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Bitwise and byte-level code is common in the framing and shared-memory layers.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  {
    files: ['sidecar/src/**/*.ts'],
    rules: {
      // The sidecar allocates per request: V8 gives every object literal with an accessor its
      // own map in old space, which keeps everything the accessor reaches alive through
      // young-generation GCs (measured: the whole request graph promoted, 20 µs per request).
      'no-restricted-syntax': ['error', {
        selector: 'ObjectExpression > Property[kind=/^(get|set)$/]',
        message: 'Use a class with the accessor on its prototype: object literals with accessors get a map each (see eslint.config.js).',
      }],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
    },
  },
);
