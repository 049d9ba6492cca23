// Type-aware linting: a floating promise in a Lambda is a lost write, so the promise rules are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The rooms of lambdas/ and what each may not import (docs/architecture.md, "Dependency rules"). A boundary is one row:
 * the folder it holds for, the sibling folders it may not reach by a relative path, and why. A file gets the rows of
 * its folder and of every folder above it (ESLint keeps only the last `no-restricted-imports` a file matches).
 */
const BOUNDARIES = [
  {
    folder: 'lambdas/',
    forbidden: ['lib', 'local'],
    why: 'Lambda code is deployed alone: it never imports the CDK app (lib/) or the local runtime (local/).',
  },
  {
    folder: 'lambdas/core/',
    forbidden: ['http', 'adapters', 'composition', 'handlers'],
    why: 'the core is plain TypeScript: it throws DomainErrors and takes its ports as arguments; HTTP, SDK adapters, composition roots and handlers depend on it, never the reverse.',
  },
  {
    folder: 'bench/',
    forbidden: ['test/unit'],
    why: 'benchmarks share fakes and builders with the tests through test/support/, never a unit test folder.',
  },
  {
    folder: 'lambdas/core/files/',
    forbidden: ['batches', 'streaming', 'batch-catalog', 'lake'],
    why: 'the files room (the format table, readers and planners) sits below the pipelines and the lake: they import it.',
  },
  {
    folder: 'lambdas/core/lake/',
    forbidden: ['batches', 'streaming', 'batch-catalog'],
    why: 'the lake room holds what both pipelines write: they and the batch catalog import it, never the reverse.',
  },
  {
    folder: 'lambdas/core/streaming/',
    forbidden: ['batches', 'batch-catalog'],
    why: 'core/streaming and core/batches do not import each other or core/batch-catalog: what both write is in core/lake.',
  },
  {
    folder: 'lambdas/core/batches/',
    forbidden: ['streaming', 'batch-catalog'],
    why: 'core/streaming and core/batches do not import each other or core/batch-catalog: what both write is in core/lake.',
  },
];

/** An import that climbs out of the folder (`../`, any number) into one of `forbidden`. */
const importPattern = ({ forbidden, why }) => ({
  regex: `^(\\./)?(\\.\\./)+(${forbidden.join('|')})(/|$)`,
  message: why,
});

const boundaryConfigs = [...BOUNDARIES]
  .sort((a, b) => a.folder.length - b.folder.length)
  .map(({ folder }) => ({
    files: [`${folder}**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: BOUNDARIES.filter((row) => folder.startsWith(row.folder)).map(importPattern) },
      ],
    },
  }));

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
  ...boundaryConfigs,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
