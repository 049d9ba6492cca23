// Type-aware linting: a floating promise in a Lambda is a lost write, so the promise rules are errors.
import js from '@eslint/js';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

/**
 * The files room (lambdas/core/files: the format table, readers and planners) sits below both pipelines, the HTTP
 * adapter and the AWS adapters, so it imports none of them (docs/architecture.md). Its own rule name, so that another
 * boundary's no-restricted-imports on lambdas/core/** does not replace it for these files.
 */
const FILES_ROOM_MESSAGE =
  'lambdas/core/files imports nothing from core/batches, core/streaming, lambdas/http or lambdas/adapters: they import it';
const filesRoom = {
  name: 'boundaries/files-room',
  files: ['lambdas/core/files/**'],
  plugins: { 'files-room': { rules: { 'no-outward-imports': builtinRules.get('no-restricted-imports') } } },
  rules: {
    'files-room/no-outward-imports': [
      'error',
      {
        patterns: [
          { regex: '^(\\.\\./)+(.*/)?(batches|streaming|adapters)(/|$)', message: FILES_ROOM_MESSAGE },
          // http/input.ts (pointers) and http/problem.ts (Violation) until the core owns them (issue 15, move 1).
          { regex: '^(\\.\\./)+(.*/)?http(/(?!(input|problem)$)|$)', message: FILES_ROOM_MESSAGE },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules', 'cdk.out', '.tributary', 'coverage', '**/*.asl.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['local/**', 'bench/**', 'bin/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  filesRoom,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
