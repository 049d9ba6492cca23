import { describe, expect, it } from 'vitest';
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import {
  MAX_MAPPING_SET_BYTES,
  MappingSetService,
  newMappingSetId,
} from '../../../lambdas/core/mapping-sets/mapping-sets';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';

const NOW = new Date('2026-02-03T04:05:06.000Z');

const NAME_RULES: MappingRule[] = [
  { sourceType: 'ATTRIBUTE', source: 'mail', destination: 'email' },
  { sourceType: 'EXPRESSION', source: 'upper(first)', destination: 'person.name' },
  { sourceType: 'STATIC', source: 'gold', destination: 'tier' },
];

/** A store whose reads of the latest version lag behind by answering version 1. */
class StaleLatest extends MemoryMappingSetStore {
  override get(sandbox: string, id: string, version?: number) {
    return super.get(sandbox, id, version ?? 1);
  }
}

async function problemOf(work: Promise<unknown> | (() => unknown)): Promise<DomainError> {
  const error = await (typeof work === 'function' ? Promise.resolve().then(work) : work).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

function service(store = new MemoryMappingSetStore()) {
  let ids = 0;
  let clock = NOW.getTime();
  return {
    store,
    mappingSets: new MappingSetService({
      store,
      now: () => new Date((clock += 1000)),
      newId: () => `set${String((ids += 1)).padStart(2, '0')}`,
    }),
  };
}

describe('MappingSetService', () => {
  it('creates version 1 of a set that compiles, keeping its rules and who wrote it', async () => {
    // Prepare
    const { mappingSets } = service();

    // Act
    const set = await mappingSets.create('prod', { name: 'People', mappings: NAME_RULES }, 'key-1');

    // Assess
    expect(set).toEqual({
      id: 'set01',
      sandbox: 'prod',
      version: 1,
      name: 'People',
      mappings: NAME_RULES,
      createdAt: '2026-02-03T04:05:07.000Z',
      createdBy: 'key-1',
      updatedAt: '2026-02-03T04:05:07.000Z',
      updatedBy: 'key-1',
    });
    expect(await mappingSets.get('prod', 'set01')).toEqual(set);
    expect(await mappingSets.get('prod', 'set01', 1)).toEqual(set);
  });

  it('refuses a set with a malformed expression with a 400 naming the rule, and stores nothing', async () => {
    // Prepare
    const { mappingSets, store } = service();
    const rules: MappingRule[] = [
      NAME_RULES[0]!,
      { sourceType: 'EXPRESSION', source: 'upper(first', destination: 'person.name' },
    ];

    // Act
    const problem = await problemOf(mappingSets.create('prod', { mappings: rules }, 'k'));

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.code).toBe('invalid-mapping-set');
    expect(problem.violations?.map((violation) => violation.pointer)).toEqual(['/mappings/1/source']);
    expect(problem.message).toContain('/mappings/1/source');
    expect((await store.list('prod', { limit: 10 })).items).toEqual([]);
  });

  it('refuses a set too large to store with a 413', async () => {
    // Prepare
    const { mappingSets } = service();
    const constant = 'x'.repeat(4000);
    const rules: MappingRule[] = Array.from({ length: MAX_MAPPING_SET_BYTES / 4000 + 1 }, (_, index) => ({
      sourceType: 'STATIC',
      source: constant,
      destination: `field${index}`,
    }));

    // Act
    const problem = await problemOf(mappingSets.create('prod', { mappings: rules }, 'k'));

    // Assess
    expect(problem.kind).toBe('too-large');
  });

  it('writes each update as the next version and keeps every older version readable', async () => {
    // Prepare
    const { mappingSets } = service();
    const first = await mappingSets.create('prod', { mappings: NAME_RULES }, 'key-1');
    const changed = [...NAME_RULES.slice(0, 2), { ...NAME_RULES[2]!, source: 'silver' }];

    // Act
    const second = await mappingSets.update('prod', first.id, { mappings: changed }, 'key-2');
    const third = await mappingSets.update('prod', first.id, { mappings: NAME_RULES }, 'key-3');

    // Assess
    expect([second.version, third.version]).toEqual([2, 3]);
    expect(second).toMatchObject({ createdAt: first.createdAt, createdBy: 'key-1', updatedBy: 'key-2' });
    expect((await mappingSets.get('prod', first.id)).version).toBe(3);
    expect((await mappingSets.get('prod', first.id, 1)).mappings).toEqual(NAME_RULES);
    expect((await mappingSets.get('prod', first.id, 2)).mappings[2]?.source).toBe('silver');
    expect((await problemOf(mappingSets.get('prod', first.id, 4))).kind).toBe('not-found');
    expect((await problemOf(mappingSets.get('dev', first.id))).kind).toBe('not-found');
    expect((await problemOf(mappingSets.update('prod', 'nope', { mappings: NAME_RULES }, 'k'))).kind).toBe(
      'not-found',
    );
  });

  it('answers 409 when another writer took the next version first', async () => {
    // Prepare: the latest read still says version 1 while another writer has written version 2
    const store = new StaleLatest();
    const { mappingSets } = service(store);
    const set = await mappingSets.create('prod', { mappings: NAME_RULES }, 'k');
    await store.put({ ...set, version: 2 });

    // Act
    const problem = await problemOf(mappingSets.update('prod', set.id, { mappings: NAME_RULES }, 'k'));

    // Assess
    expect(problem.kind).toBe('conflict');
    expect(problem.code).toBe('concurrent-update');
  });

  it('lists the latest version of each set, a page at a time', async () => {
    // Prepare
    const { mappingSets } = service();
    const a = await mappingSets.create('prod', { name: 'a', mappings: NAME_RULES }, 'k');
    await mappingSets.create('prod', { name: 'b', mappings: NAME_RULES }, 'k');
    await mappingSets.create('dev', { name: 'other sandbox', mappings: NAME_RULES }, 'k');
    await mappingSets.update('prod', a.id, { name: 'a2', mappings: NAME_RULES }, 'k');

    // Act
    const first = await mappingSets.list('prod', { limit: 1 });
    const second = await mappingSets.list('prod', { limit: 1, start: first.next! });

    // Assess
    expect(first.items.map((set) => [set.name, set.version])).toEqual([['a2', 2]]);
    expect(second.items.map((set) => [set.name, set.version])).toEqual([['b', 1]]);
    expect(second.next).toBeUndefined();
  });

  it('previews rules on rows without storing anything, and names a malformed expression', async () => {
    // Prepare
    const { mappingSets, store } = service();

    // Act
    const previewed = mappingSets.preview(NAME_RULES, [{ mail: 'a@x.io', first: 'ann' }, { first: 'bob' }]);
    const problem = await problemOf(() =>
      mappingSets.preview([{ sourceType: 'EXPRESSION', source: 'upper(', destination: 'x' }], [{}], {
        prefix: '/mappingSet',
      }),
    );

    // Assess
    expect(previewed.rows).toEqual([
      { email: 'a@x.io', person: { name: 'ANN' }, tier: 'gold' },
      { person: { name: 'BOB' }, tier: 'gold' },
    ]);
    expect(problem.violations?.map((violation) => violation.pointer)).toEqual([
      '/mappingSet/mappings/0/source',
    ]);
    expect(store.reads).toEqual([]);
  });

  it('validates every rule in Experience Platform’s answer shape, one entry per mapping', () => {
    // Prepare
    const { mappingSets } = service();
    const rules: MappingRule[] = [
      NAME_RULES[0]!,
      { sourceType: 'EXPRESSION', source: 'no_such_function(first)', destination: 'a' },
      { sourceType: 'EXPRESSION', source: 'concat(first, ', destination: 'b' },
    ];

    // Act
    const answer = mappingSets.validate(rules);

    // Assess
    expect(answer.validationResponse.map((entry) => entry.status)).toEqual(['SUCCESS', 'FAILURE', 'FAILURE']);
    expect(answer.validationResponse[0]?.errors).toBeNull();
    expect(answer.validationResponse[1]?.errors?.[0]?.pointer).toBe('/mappings/1/source');
    expect(answer.validationResponse[2]?.errors?.[0]?.pointer).toBe('/mappings/2/source');
    expect(answer.errors).toBeUndefined();
  });

  it('pins a reference to the latest version or the one asked for, and answers 422 naming the field otherwise', async () => {
    // Prepare
    const { mappingSets } = service();
    const set = await mappingSets.create('prod', { mappings: NAME_RULES }, 'k');
    await mappingSets.update('prod', set.id, { mappings: NAME_RULES }, 'k');

    // Act
    const latest = await mappingSets.reference('prod', { mappingSetId: set.id });
    const pinned = await mappingSets.reference('prod', { mappingSetId: set.id, version: 1 });
    const noVersion = await problemOf(mappingSets.reference('prod', { mappingSetId: set.id, version: 7 }));
    const noSet = await problemOf(mappingSets.reference('prod', { mappingSetId: 'nope' }));
    const otherSandbox = await problemOf(mappingSets.reference('dev', { mappingSetId: set.id }));

    // Assess
    expect(latest).toEqual({ mappingSetId: set.id, version: 2 });
    expect(pinned).toEqual({ mappingSetId: set.id, version: 1 });
    expect([noVersion.kind, noVersion.code, noVersion.violations?.[0]?.pointer]).toEqual([
      'unprocessable',
      'mapping-set-version-not-found',
      '/mappingSetVersion',
    ]);
    expect([noSet.kind, noSet.code, noSet.violations?.[0]?.pointer]).toEqual([
      'unprocessable',
      'mapping-set-not-found',
      '/mappingSetId',
    ]);
    expect(otherSandbox.kind).toBe('unprocessable');
  });

  it('makes 32-hex ids that start with the creation time', () => {
    // Act
    const early = newMappingSetId(new Date('2026-01-01T00:00:00Z'));
    const late = newMappingSetId(new Date('2026-01-01T00:00:01Z'));

    // Assess
    expect(early).toMatch(/^[0-9a-f]{32}$/);
    expect(early < late).toBe(true);
  });
});
