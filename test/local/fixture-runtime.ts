/** Starts the local runtime on the fixture app, on a free port, with a fresh data folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startRuntime, type RunningRuntime, type RuntimeOptions } from '../../local/runtime';
import { resetRecorder } from '../fixtures/handlers/recorder';
import { createFixtureApp } from '../fixtures/fixture-app';
import { fixtureClients, type FixtureClients } from './fixture-clients';

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tributary-runtime-'));
}

export function startFixtureRuntime(
  dataDir: string,
  adminKey?: string,
  options: Pick<RuntimeOptions, 'scheduleTickMs'> = {},
): Promise<RunningRuntime> {
  return startRuntime({ port: 0, dataDir, adminKey, appFactory: createFixtureApp, quiet: true, ...options });
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Registers a fixture runtime for the enclosing `describe`: started (with a fresh recorder and data folder) before
 * its tests, stopped and removed after them. The returned object reads the running runtime and its clients.
 */
export function useFixtureRuntime(): { readonly runtime: RunningRuntime; readonly clients: FixtureClients } {
  let runtime: RunningRuntime | undefined;
  let clients: FixtureClients | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    resetRecorder();
    dataDir = freshDataDir();
    runtime = await startFixtureRuntime(dataDir);
    clients = fixtureClients(runtime);
  });
  afterAll(async () => {
    await runtime?.stop();
    if (dataDir) removeDataDir(dataDir);
  });
  return {
    get runtime() {
      if (!runtime) throw new Error('the fixture runtime is not started yet');
      return runtime;
    },
    get clients() {
      if (!clients) throw new Error('the fixture runtime is not started yet');
      return clients;
    },
  };
}
