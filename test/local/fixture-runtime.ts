/** Starts the local runtime on the fixture app, on a free port, with a fresh data folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type RunningRuntime } from '../../local/runtime';
import { createFixtureApp } from '../fixtures/fixture-app';

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tributary-runtime-'));
}

export function startFixtureRuntime(dataDir: string, adminKey?: string): Promise<RunningRuntime> {
  return startRuntime({ port: 0, dataDir, adminKey, appFactory: createFixtureApp, quiet: true });
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}
