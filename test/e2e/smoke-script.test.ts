/**
 * `npm run smoke -- <api-url>` run as a user runs it, a child process, against the local runtime: every step passes
 * and says so, and a wrong key fails the run with a non-zero exit code.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

/** The script waits up to three minutes for a batch; its own start (tsx) takes seconds on a busy machine. */
const SMOKE_TIMEOUT_MS = 240_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
}

async function smoke(url: string, key: string): Promise<Run> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const { stdout } = await promisify(execFile)(tsx, ['bin/smoke.ts', url], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TRIBUTARY_API_KEY: key },
      timeout: SMOKE_TIMEOUT_MS,
    });
    return { code: 0, stdout };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { code, stdout };
  }
}

describe('the smoke test script', () => {
  let subject: RuntimeUnderTest;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
  });
  afterAll(() => subject.stop());

  it(
    'passes every step against a working API: dataset, stream, batch, profiles, clean-up',
    async () => {
      // Act
      const run = await smoke(subject.runtime.url, subject.runtime.adminKey);

      // Assess
      expect(run.stdout).not.toContain('✗');
      for (const step of [
        'a profile-enabled dataset',
        'a record streamed through the inlet',
        'a CSV batch uploaded, completed and promoted (status success)',
        'the streamed record read back as a profile',
        'the batch row read back as a profile',
        'clean-up: the inlet deleted',
      ])
        expect(run.stdout).toContain(`✓ ${step}`);
      expect(run.code).toBe(0);
    },
    SMOKE_TIMEOUT_MS,
  );

  it(
    'fails with a non-zero exit code and a ✗ when the API refuses the key',
    async () => {
      // Act
      const run = await smoke(subject.runtime.url, 'trb_not-a-key');

      // Assess
      expect(run.stdout).toContain('✗ a profile schema');
      expect(run.code).toBe(1);
    },
    SMOKE_TIMEOUT_MS,
  );
});
