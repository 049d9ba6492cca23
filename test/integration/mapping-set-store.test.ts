import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { DynamoMappingSetStore } from '../../lambdas/adapters/dynamo-mapping-sets';
import { MappingSetService, type StoredMappingSet } from '../../lambdas/core/mapping-sets/mapping-sets';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createTestTables, TEST_TABLES, testDocumentClient } from './catalog-test-tables';

const set = (id: string, version: number, sandbox = 'prod'): StoredMappingSet => ({
  id,
  sandbox,
  version,
  name: `${id} v${version}`,
  mappings: [{ sourceType: 'STATIC', source: `v${version}`, destination: 'version' }],
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'k',
  updatedAt: `2026-01-0${version}T00:00:00.000Z`,
  updatedBy: 'k',
});

describe('mapping sets on the catalog table (DynamoDB emulator)', () => {
  let emulators: RunningEmulators;
  let items: DynamoItems;
  let store: DynamoMappingSetStore;

  beforeAll(async () => {
    emulators = await startEmulators();
    await createTestTables(emulators.endpoints.dynamodb);
    items = new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TEST_TABLES.catalog);
    store = new DynamoMappingSetStore(items);
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('keeps every version readable and the latest one a single read', async () => {
    // Act
    const wrote = [await store.put(set('a', 1)), await store.put(set('a', 2)), await store.put(set('a', 2))];

    // Assess
    expect(wrote).toEqual([true, true, false]);
    expect(await store.get('prod', 'a')).toEqual(set('a', 2));
    expect(await store.get('prod', 'a', 1)).toEqual(set('a', 1));
    expect(await store.get('prod', 'a', 3)).toBeUndefined();
    expect(await store.get('dev', 'a')).toBeUndefined();
  });

  it('rolls the latest copy forward when a writer stopped between its two writes', async () => {
    // Prepare: version 2 written, the latest copy still at version 1 (the writer stopped)
    await store.put(set('b', 1));
    await items.put({ pk: 'prod#mapping-set-version#b', sk: '0000000002', ...set('b', 2) });
    const stale = await store.get('prod', 'b');

    // Act: the next writer reads version 1 as the latest and races for version 2
    const wrote = await store.put({ ...set('b', 2), name: 'late writer' });

    // Assess
    expect(stale?.version).toBe(1);
    expect(wrote).toBe(false);
    expect(await store.get('prod', 'b')).toEqual(set('b', 2));
  });

  it('never moves the latest copy back to an older version', async () => {
    // Prepare
    await store.put(set('c', 1));
    await store.put(set('c', 2));

    // Act: a late roll-forward of version 1 (a writer that lost the race for it) meets version 2
    const wrote = await store.put(set('c', 1));

    // Assess
    expect(wrote).toBe(false);
    expect((await store.get('prod', 'c'))?.version).toBe(2);
  });

  it('lists the latest version of each set of one sandbox, a page at a time', async () => {
    // Prepare
    const service = new MappingSetService({ store });
    const rules = [{ sourceType: 'ATTRIBUTE' as const, source: 'x', destination: 'y' }];
    const first = await service.create('listing', { name: 'first', mappings: rules }, 'k');
    await service.create('listing', { name: 'second', mappings: rules }, 'k');
    await service.update('listing', first.id, { name: 'first, again', mappings: rules }, 'k');
    await service.create('elsewhere', { name: 'other sandbox', mappings: rules }, 'k');

    // Act
    const page1 = await service.list('listing', { limit: 1 });
    const page2 = await service.list('listing', { limit: 1, start: page1.next! });

    // Assess
    const names = [...page1.items, ...page2.items].map((found) => [found.name, found.version]);
    expect(names.sort()).toEqual([
      ['first, again', 2],
      ['second', 1],
    ]);
    expect(page1.items[0]).not.toHaveProperty('pk');
    const rest = page2.next ? await service.list('listing', { limit: 1, start: page2.next }) : { items: [] };
    expect(rest.items).toEqual([]);
  });
});
