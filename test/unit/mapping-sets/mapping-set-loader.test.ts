import { describe, expect, it } from 'vitest';
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import { CachedMappingSetLoader } from '../../../lambdas/core/mapping-sets/mapping-set-loader';
import type { StoredMappingSet } from '../../../lambdas/core/mapping-sets/mapping-sets';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';

const rules = (tier: string): MappingRule[] => [
  { sourceType: 'ATTRIBUTE', source: 'mail', destination: 'email' },
  { sourceType: 'STATIC', source: tier, destination: 'tier' },
];

const version = (id: string, number: number, tier: string): StoredMappingSet => ({
  id,
  sandbox: 'prod',
  version: number,
  mappings: rules(tier),
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'k',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'k',
});

async function storeWith(...sets: StoredMappingSet[]): Promise<MemoryMappingSetStore> {
  const store = new MemoryMappingSetStore();
  for (const set of sets) await store.put(set);
  return store;
}

describe('CachedMappingSetLoader', () => {
  it('compiles each version once and applies the version asked for', async () => {
    // Prepare
    const store = await storeWith(version('s1', 1, 'gold'), version('s1', 2, 'silver'));
    const loader = new CachedMappingSetLoader(store);

    // Act
    const [first, again, concurrent] = await Promise.all([
      loader.compiled('prod', { mappingSetId: 's1', version: 1 }),
      loader.compiled('prod', { mappingSetId: 's1', version: 1 }),
      loader.compiled('prod', { mappingSetId: 's1', version: 1 }),
    ]);
    const second = await loader.compiled('prod', { mappingSetId: 's1', version: 2 });

    // Assess
    expect(first).toBe(again);
    expect(first).toBe(concurrent);
    expect(first?.apply({ mail: 'a@x.io' }).record).toEqual({ email: 'a@x.io', tier: 'gold' });
    expect(second?.apply({ mail: 'a@x.io' }).record).toEqual({ email: 'a@x.io', tier: 'silver' });
    expect(store.reads).toEqual(['s1@1', 's1@2']);
  });

  it('answers undefined for a set or version that does not exist, and reads it again next time', async () => {
    // Prepare
    const store = await storeWith(version('s1', 1, 'gold'));
    const loader = new CachedMappingSetLoader(store);

    // Act
    const missing = await loader.compiled('prod', { mappingSetId: 's1', version: 2 });
    await store.put(version('s1', 2, 'silver'));
    const written = await loader.compiled('prod', { mappingSetId: 's1', version: 2 });
    const otherSandbox = await loader.compiled('dev', { mappingSetId: 's1', version: 1 });

    // Assess
    expect(missing).toBeUndefined();
    expect(written?.apply({}).record).toEqual({ tier: 'silver' });
    expect(otherSandbox).toBeUndefined();
  });

  it('forgets a failed read so the next call tries again', async () => {
    // Prepare
    const store = await storeWith(version('s1', 1, 'gold'));
    let failures = 1;
    const loader = new CachedMappingSetLoader({
      get: async (...args) => {
        if (failures-- > 0) throw new Error('throttled');
        return store.get(...args);
      },
    });

    // Act
    const failed = await loader
      .compiled('prod', { mappingSetId: 's1', version: 1 })
      .catch((error: Error) => error);
    const retried = await loader.compiled('prod', { mappingSetId: 's1', version: 1 });

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(retried?.apply({}).record).toEqual({ tier: 'gold' });
  });

  it('keeps at most its bound of versions, dropping the least recently used', async () => {
    // Prepare
    const store = await storeWith(version('a', 1, 'x'), version('b', 1, 'y'), version('c', 1, 'z'));
    const loader = new CachedMappingSetLoader(store, 2);
    const load = (id: string) => loader.compiled('prod', { mappingSetId: id, version: 1 });

    // Act
    await load('a');
    await load('b');
    await load('a');
    await load('c');
    await load('a');
    await load('b');

    // Assess: a stayed (used again before c came), b was dropped for c and read again
    expect(store.reads).toEqual(['a@1', 'b@1', 'c@1', 'b@1']);
  });
});
