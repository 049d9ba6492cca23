import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./local/polyfills.ts'],
    pool: 'forks',
    // Vitest's default is one worker per core but one: a single worker here. Most of the end-to-end time is spent
    // waiting (workflows, schedules, emulators), so two workers on two cores halve the wall time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  },
});
