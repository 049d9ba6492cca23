/**
 * The local runtime a describe block of batch tests runs against: started (with the order schema registered)
 * before its tests, stopped after them. Its parts are set once `beforeAll` has run.
 */
import { afterAll, beforeAll } from 'vitest';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';
import { BatchApi } from './batch-api';
import { ORDER_SCHEMA } from './batch-files';
import { BatchStorage } from './batch-lake';

export interface OrderRuntime {
  subject: RuntimeUnderTest;
  api: BatchApi;
  storage: BatchStorage;
}

export function useOrderRuntime(): OrderRuntime {
  const parts = {} as OrderRuntime;
  beforeAll(async () => {
    parts.subject = await startRuntimeUnderTest();
    parts.api = new BatchApi(parts.subject.runtime.url, parts.subject.runtime.adminKey);
    parts.storage = new BatchStorage(parts.subject);
    await parts.api.createSchema(ORDER_SCHEMA);
  });
  afterAll(async () => {
    parts.storage.destroy();
    await parts.subject.stop();
  });
  return parts;
}
