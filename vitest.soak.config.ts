/**
 * `npm run test:soak`: the long load and kill runs (test/soak/*.soak.ts), one file at a time so each has the
 * machine to itself; `npm test` never picks them up (its pattern is *.test.ts) and runs their short versions.
 * The base config's test options are spread, not merged: mergeConfig would append to its `include`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/soak/**/*.soak.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
  },
});
