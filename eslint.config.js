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

/**
 * The two pipelines (core/streaming, core/batches) do not import each other: what both write is in the lake room
 * (core/lake: lake and quarantine keys, the Parquet writer, chunk counts, quarantine lines, dataset targets), and
 * the batches API that reads batches of both kinds stands above them (core/batch-catalog). The lake room imports
 * neither pipeline, nor the batch catalog, the HTTP adapter or the AWS adapters (docs/architecture.md). One plugin
 * object for the three entries (a plugin name may be registered twice only as the same object), its own rule name
 * so that another boundary's no-restricted-imports does not replace it for these files.
 */
const PIPELINES_MESSAGE =
  'core/streaming and core/batches do not import each other or core/batch-catalog: what both write is in core/lake';
const LAKE_ROOM_MESSAGE =
  'lambdas/core/lake imports nothing from core/streaming, core/batches, core/batch-catalog, lambdas/http or lambdas/adapters: they import it';
const pipelinesPlugin = { rules: { 'no-crossing-imports': builtinRules.get('no-restricted-imports') } };
const pipelineEntry = (files, regexes, message) => ({
  name: 'boundaries/pipelines',
  files,
  plugins: { pipelines: pipelinesPlugin },
  rules: {
    'pipelines/no-crossing-imports': [
      'error',
      { patterns: regexes.map((pattern) => ({ regex: pattern, message })) },
    ],
  },
});
const pipelines = [
  pipelineEntry(
    ['lambdas/core/streaming/**'],
    ['^(\\.\\./)+(.*/)?(batches|batch-catalog)(/|$)'],
    PIPELINES_MESSAGE,
  ),
  pipelineEntry(
    ['lambdas/core/batches/**'],
    ['^(\\.\\./)+(.*/)?(streaming|batch-catalog)(/|$)'],
    PIPELINES_MESSAGE,
  ),
  pipelineEntry(
    ['lambdas/core/lake/**'],
    [
      '^(\\.\\./)+(.*/)?(batches|streaming|batch-catalog|adapters)(/|$)',
      // http/problem.ts (HttpProblem, Violation) and http/input.ts until the core owns its errors (issue 15, move 1,
      // in a parallel branch).
      '^(\\.\\./)+(.*/)?http(/(?!(input|problem)$)|$)',
    ],
    LAKE_ROOM_MESSAGE,
  ),
];

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
  ...pipelines,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
