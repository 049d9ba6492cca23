/**
 * Rotating the local runtime's admin key, attacked over HTTP: a new admin key over a data folder that holds another
 * must not leave the old one valid for ever (start-up refuses it without an end date), and once the end has come the
 * old key is answered 401 while the new one is served. In its own file: the handler-level key tests mock DynamoDB
 * and would leave the authorizer's composition root built on their fake tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../lambdas/core/api-keys/api-key';
import { startRuntime, type RuntimeOptions } from '../../local/runtime';
import { call } from '../e2e/local-runtime';

describe('the local runtime rotating its admin key', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tributary-rotation-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts the runtime on the data folder, answers the status of GET /datasets for each key, and stops it. */
  const statusesAfterStart = async (options: RuntimeOptions, keys: readonly string[]) => {
    const runtime = await startRuntime({ port: 0, dataDir, quiet: true, ...options });
    try {
      const statuses = [];
      for (const key of keys) statuses.push((await call(`${runtime.url}/datasets`, { key })).status);
      return { adminKey: runtime.adminKey, statuses };
    } finally {
      await runtime.stop();
    }
  };

  it('refuses a new admin key without an end for the old one, and refuses the old one over HTTP after its end', async () => {
    // Prepare: a first start stores its generated key
    const first = await statusesAfterStart({}, []);
    const next = generateKey();

    // Act
    const withoutEnd = startRuntime({ port: 0, dataDir, quiet: true, adminKey: next });
    await expect(withoutEnd).rejects.toThrow(/still valid/);
    const rotated = await statusesAfterStart({ adminKey: next, previousAdminKeyValidUntil: new Date() }, [
      first.adminKey,
      next,
    ]);

    // Assess
    expect(rotated.statuses).toEqual([401, 200]);
  });
});
