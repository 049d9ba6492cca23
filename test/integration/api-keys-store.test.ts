import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../lambdas/adapters/dynamo-api-key-store';
import { generateKey, hashKey, keyIdOf } from '../../lambdas/core/api-keys/api-key';
import { ApiKeyService, authenticate, ensurePlatformKey } from '../../lambdas/core/api-keys/api-keys';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createTestTables, TEST_TABLES, testDocumentClient } from './catalog-test-tables';

describe('DynamoApiKeyStore against the DynamoDB emulator', () => {
  let emulators: RunningEmulators;
  let store: DynamoApiKeyStore;
  const platformKey = generateKey();
  const platform = { keyId: 'p', keySandbox: '*', scopes: ['admin' as const] };

  beforeAll(async () => {
    emulators = await startEmulators();
    await createTestTables(emulators.endpoints.dynamodb);
    store = new DynamoApiKeyStore(testDocumentClient(emulators.endpoints.dynamodb), TEST_TABLES.apiKeys);
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('upserts the platform key idempotently and authenticates it', async () => {
    // Act
    await ensurePlatformKey(store, platformKey, new Date('2026-01-01T00:00:00Z'));
    await ensurePlatformKey(store, platformKey, new Date('2026-06-01T00:00:00Z'));
    const found = await authenticate(store, platformKey);

    // Assess
    expect(found).toMatchObject({
      keyId: keyIdOf(hashKey(platformKey)),
      sandbox: '*',
      scopes: ['admin'],
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('creates once, lists a sandbox by age with pages, touches and deletes', async () => {
    // Prepare
    let clock = Date.parse('2026-02-01T00:00:00Z');
    const keys = new ApiKeyService({
      store,
      sandboxes: { exists: async () => true },
      now: () => new Date((clock += 1000)),
    });
    const created = [];
    for (const name of ['one', 'two', 'three'])
      created.push(await keys.create(platform, 'dev', { name, scopes: ['read'] }));
    const record = (await store.get(created[0]!.id))!;

    // Act
    const duplicate = await store.create(record);
    const first = await store.listBySandbox('dev', { limit: 2 });
    const second = await store.listBySandbox('dev', { limit: 2, start: first.next });
    await store.touch(record.keyId, '2026-03-01T00:00:00.000Z');
    const touched = await store.get(record.keyId);
    const deleted = await store.delete(record.keyId);
    await store.touch(record.keyId, '2026-03-02T00:00:00.000Z');

    // Assess
    expect(duplicate).toBe(false);
    expect([...first.items, ...second.items].map((key) => key.name)).toEqual(['one', 'two', 'three']);
    expect(second.next).toBeUndefined();
    expect(touched?.lastUsedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(deleted?.keyId).toBe(record.keyId);
    expect(await store.get(record.keyId)).toBeUndefined();
    expect(await authenticate(store, created[0]!.key)).toBeUndefined();
  });
});
