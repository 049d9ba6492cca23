import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDatasetStore } from '../../lambdas/adapters/dynamo-catalog-datasets';
import { DynamoInletStore } from '../../lambdas/adapters/dynamo-catalog-inlets';
import { DynamoNamespaceStore } from '../../lambdas/adapters/dynamo-catalog-namespaces';
import { DynamoSandboxStore } from '../../lambdas/adapters/dynamo-catalog-sandboxes';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { InvalidPageToken } from '../../lambdas/core/page';
import type { Dataset } from '../../lambdas/core/catalog/datasets';
import { NamespaceService } from '../../lambdas/core/catalog/identity-namespaces';
import type { Inlet } from '../../lambdas/core/catalog/inlets';
import { SandboxService } from '../../lambdas/core/catalog/sandboxes';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createTestTables, TEST_TABLES, testDocumentClient } from './catalog-test-tables';

const dataset = (id: string, sandbox: string, schemaId: string): Dataset => ({
  id,
  sandbox,
  name: `dataset ${id}`,
  schemaId,
  schemaVersion: 1,
  schemaClass: 'profile',
  profileEnabled: false,
  identityEnabled: false,
  tags: { team: ['crm'] },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'k',
  revision: 1,
});

const inlet = (inletId: string, sandbox: string): Inlet => ({
  inletId,
  sandbox,
  name: `inlet ${inletId}`,
  authenticated: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'k',
});

describe('catalog stores against the DynamoDB emulator', () => {
  let emulators: RunningEmulators;
  let items: DynamoItems;

  beforeAll(async () => {
    emulators = await startEmulators();
    await createTestTables(emulators.endpoints.dynamodb);
    items = new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TEST_TABLES.catalog);
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('keeps sandboxes in one list, prod seeded', async () => {
    // Prepare
    const sandboxes = new SandboxService({ store: new DynamoSandboxStore(items) });

    // Act
    await sandboxes.create({ name: 'dev' }, 'k');
    await sandboxes.create({ name: 'staging', title: 'Staging' }, 'k');
    const page = await sandboxes.list({ limit: 10 });

    // Assess
    expect(page.items.map((sandbox) => sandbox.name)).toEqual(['dev', 'prod', 'staging']);
    expect(page.items[0]).not.toHaveProperty('pk');
    expect(await sandboxes.exists('staging')).toBe(true);
    expect(await sandboxes.exists('qa')).toBe(false);
  });

  it('keeps custom namespaces per sandbox, unique case-insensitively', async () => {
    // Prepare
    const store = new DynamoNamespaceStore(items);
    const namespaces = new NamespaceService({ store });

    // Act
    await namespaces.create('prod', { code: 'Loyalty', name: 'Loyalty', idType: 'CROSS_DEVICE' });
    const clash = await namespaces
      .create('prod', { code: 'LOYALTY', name: 'x', idType: 'DEVICE' })
      .catch((error: unknown) => error);
    await namespaces.create('dev', { code: 'LOYALTY', name: 'Dev loyalty', idType: 'DEVICE' });

    // Assess
    expect(clash).toMatchObject({ kind: 'conflict' });
    expect((await namespaces.get('prod', 'loyalty')).name).toBe('Loyalty');
    expect((await namespaces.get('dev', 'Loyalty')).name).toBe('Dev loyalty');
    expect((await store.list('prod', { limit: 10 })).items.map((ns) => ns.code)).toEqual(['Loyalty']);
  });

  it('stores datasets, filters them by schema through gsi1, and updates only the expected revision', async () => {
    // Prepare
    const store = new DynamoDatasetStore(items);
    await store.create(dataset('000000010000000000000001', 'prod', 'https://s/a'));
    await store.create(dataset('000000010000000000000002', 'prod', 'https://s/b'));
    await store.create(dataset('000000010000000000000003', 'prod', 'https://s/a'));
    await store.create(dataset('000000010000000000000004', 'dev', 'https://s/a'));

    // Act
    const all = await store.list('prod', { limit: 2 });
    const rest = await store.list('prod', { limit: 2, start: all.next });
    const bySchema = await store.list('prod', { limit: 10 }, { schemaId: 'https://s/a' });
    const updated = await store.update(
      { ...dataset('000000010000000000000001', 'prod', 'https://s/a'), name: 'renamed', revision: 2 },
      1,
    );
    const stale = await store.update(
      { ...dataset('000000010000000000000001', 'prod', 'https://s/a'), name: 'lost', revision: 2 },
      1,
    );

    // Assess
    expect([...all.items, ...rest.items].map((d) => d.id.slice(-1))).toEqual(['1', '2', '3']);
    expect(bySchema.items.map((d) => d.id.slice(-1))).toEqual(['1', '3']);
    expect(updated).toBe(true);
    expect(stale).toBe(false);
    expect(await store.get('prod', '000000010000000000000001')).toMatchObject({
      name: 'renamed',
      revision: 2,
      tags: { team: ['crm'] },
    });
    expect(await store.get('dev', '000000010000000000000002')).toBeUndefined();
  });

  it('finds inlets by id alone, and deletes them', async () => {
    // Prepare
    const store = new DynamoInletStore(items);
    await store.create(inlet('a'.repeat(64), 'prod'));
    await store.create(inlet('b'.repeat(64), 'dev'));

    // Act
    const hinted = await store.findById('a'.repeat(64), 'prod');
    const viaIndex = await store.findById('b'.repeat(64), 'prod');
    const unknown = await store.findById('c'.repeat(64));
    const deleted = await store.delete('dev', 'b'.repeat(64));
    const afterDelete = await store.findById('b'.repeat(64));

    // Assess
    expect(hinted?.sandbox).toBe('prod');
    expect(viaIndex).toMatchObject({ sandbox: 'dev', name: `inlet ${'b'.repeat(64)}` });
    expect(viaIndex).not.toHaveProperty('gsi1pk');
    expect(unknown).toBeUndefined();
    expect(deleted?.inletId).toBe('b'.repeat(64));
    expect(afterDelete).toBeUndefined();
    expect((await store.list('prod', { limit: 10 })).items).toHaveLength(1);
  });

  it('refuses a start token it did not issue', async () => {
    // Act
    const error = await new DynamoInletStore(items)
      .list('prod', { limit: 10, start: 'not-a-token' })
      .catch((failure: unknown) => failure);

    // Assess
    expect(error).toBeInstanceOf(InvalidPageToken);
  });
});
