import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyChange,
  arrivalOrder,
  MAX_PENDING_MERGES,
  MERGE_HORIZON_MS,
  mergePatch,
  type FragmentChange,
  type StoredFragment,
  type UpsertOperation,
} from '../../../lambdas/core/profiles/fragments';

const key = { datasetId: 'ds1', identity: { namespace: 'Email', id: 'a@b.co' } };
const T1 = '2024-01-01T00:00:01.000Z';
const T2 = '2024-01-01T00:00:02.000Z';
const T3 = '2024-01-01T00:00:03.000Z';

const change = (
  operation: UpsertOperation,
  timestamp: string,
  attributes: Record<string, unknown> = {},
  arrival?: string,
): FragmentChange => ({
  operation,
  timestamp,
  attributes,
  source: { datasetId: 'ds1', at: timestamp },
  ...(arrival === undefined ? {} : { arrival }),
});

/** Applies changes in order, keeping the last written state, as the store would. */
function fold(changes: readonly FragmentChange[], start?: StoredFragment): StoredFragment | undefined {
  return changes.reduce<StoredFragment | undefined>(
    (state, next) => applyChange(state, next, key) ?? state,
    start,
  );
}

describe('fragments under last-writer-wins', () => {
  it('lets a newer record replace an older one and ignores an older one arriving late', () => {
    // Prepare
    const first = applyChange(undefined, change('create', T1, { tier: 'silver' }), key);

    // Act
    const newer = applyChange(first, change('create', T2, { tier: 'gold' }), key);
    const older = applyChange(newer, change('create', T1, { tier: 'bronze' }), key);

    // Assess
    expect(first?.attributes).toEqual({ tier: 'silver' });
    expect(newer?.attributes).toEqual({ tier: 'gold' });
    expect(newer?.timestamp).toBe(T2);
    expect(older).toBeUndefined();
  });

  it('writes nothing for the same record again, and a newer time for the same content', () => {
    // Prepare
    const stored = applyChange(undefined, change('create', T1, { tier: 'gold', n: 1 }), key);

    // Act
    const same = applyChange(stored, change('create', T1, { n: 1, tier: 'gold' }), key);
    const sameLater = applyChange(stored, change('create', T3, { tier: 'gold', n: 1 }), key);

    // Assess
    expect(same).toBeUndefined();
    expect(sameLater?.timestamp).toBe(T3);
  });

  it('breaks a same-instant tie by content, so any arrival order converges', () => {
    // Prepare
    const a = change('create', T1, { tier: 'gold' });
    const b = change('create', T1, { tier: 'silver' });

    // Act
    const ab = fold([a, b]);
    const ba = fold([b, a]);

    // Assess
    expect(ab?.attributes).toEqual(ba?.attributes);
    expect(ab?.version).toBe(ba?.version);
  });

  it('merges a partial update into the stored attributes, replacing arrays and removing nulls', () => {
    // Prepare
    const stored = applyChange(
      undefined,
      change('create', T1, { name: { first: 'Ann', last: 'Lee' }, tags: ['a', 'b'], tier: 'silver' }),
      key,
    );

    // Act
    const merged = applyChange(
      stored,
      change('merge', T2, { name: { first: 'Anne' }, tags: ['c'], tier: null }),
      key,
    );

    // Assess
    expect(merged?.attributes).toEqual({ name: { first: 'Anne', last: 'Lee' }, tags: ['c'] });
    expect(mergePatch({}, { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
  });

  it('keeps a delete as a tombstone that an older redelivery cannot bring back', () => {
    // Prepare
    const stored = applyChange(undefined, change('create', T1, { tier: 'gold' }), key);

    // Act
    const deleted = applyChange(stored, change('delete', T2), key);
    const lateOlder = applyChange(deleted, change('create', T1, { tier: 'gold' }), key);
    const redelivered = applyChange(deleted, change('delete', T2), key);
    const recreated = applyChange(deleted, change('merge', T3, { tier: 'new' }), key);

    // Assess
    expect(deleted).toMatchObject({ deleted: true, attributes: {}, timestamp: T2 });
    expect(lateOlder).toBeUndefined();
    expect(redelivered).toBeUndefined();
    expect(recreated?.attributes).toEqual({ tier: 'new' });
    expect(recreated?.deleted).toBeUndefined();
  });
});

describe('fragments under out-of-order and equal-time arrivals', () => {
  it('keeps the later arrival of two records of one instant, whatever order they are folded in', () => {
    // Prepare: twenty pairs, so that content cannot pick the later one by chance
    const pairs = Array.from({ length: 20 }, (_, n) => [
      change('create', T1, { tier: `earlier-${n}` }, arrivalOrder(T1, 0)),
      change('create', T1, { tier: `later-${n}` }, arrivalOrder(T1, 1)),
    ]);
    const tierOf = (changes: FragmentChange[]) => fold(changes)?.attributes.tier;

    // Act
    const inOrder = pairs.map(([earlier, later]) => tierOf([earlier!, later!]));
    const reversed = pairs.map(([earlier, later]) => tierOf([later!, earlier!]));

    // Assess
    const expected = pairs.map((_, n) => `later-${n}`);
    expect(inOrder).toEqual(expected);
    expect(reversed).toEqual(expected);
  });

  it('patches a create with a newer merge that was stored before it', () => {
    // Prepare
    const merge = change('merge', T2, { tier: 'gold' });
    const create = change('create', T1, { tier: 'silver', name: 'Ann' });

    // Act
    const fragment = fold([merge, create]);

    // Assess
    expect(fragment?.attributes).toEqual({ tier: 'gold', name: 'Ann' });
    expect(fragment?.timestamp).toBe(T2);
  });

  it('stays deleted when a merge older than the delete arrives after it', () => {
    // Prepare
    const created = fold([change('create', T1, { tier: 'silver' })]);
    const deleted = applyChange(created, change('delete', T3), key);

    // Act
    const lateMerge = applyChange(deleted, change('merge', T2, { tier: 'gold' }), key);

    // Assess
    expect(deleted).toMatchObject({ deleted: true, attributes: {} });
    expect(lateMerge).toBeUndefined();
  });

  it('converges to the in-order fold for any permutation and repetition of the changes', () => {
    // Prepare: changes at a few instants and arrivals, so ties are common
    const anyChange = fc.record({
      operation: fc.constantFrom<UpsertOperation>('create', 'merge', 'merge', 'delete'),
      second: fc.integer({ min: 1, max: 4 }),
      arrival: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      attributes: fc.dictionary(
        fc.constantFrom('tier', 'points', 'name'),
        fc.oneof(fc.constantFrom('gold', 'silver', null), fc.integer({ min: 0, max: 3 })),
        { maxKeys: 2 },
      ),
    });
    const toChange = (c: {
      operation: UpsertOperation;
      second: number;
      arrival?: number;
      attributes: object;
    }) =>
      change(
        c.operation,
        `2024-01-01T00:00:0${c.second}.000Z`,
        c.attributes as Record<string, unknown>,
        c.arrival === undefined ? undefined : arrivalOrder('2024-01-01T00:00:00Z', c.arrival),
      );
    /** Time, then arrival; `!` sorts below every character of an arrival order, so none sorts first. */
    const placeOf = (c: FragmentChange) => `${c.timestamp}!${c.arrival ?? ''}`;
    /** The reference: every distinct change once, in (time, arrival) order, folded by the rules. */
    const inOrderFold = (changes: FragmentChange[]) => {
      const ordered = changes
        .map((c) => ({ c, place: applyChange(undefined, c, key)!.version }))
        .filter((entry, at, all) => all.findIndex((other) => other.place === entry.place) === at)
        .sort((a, b) => (placeOf(a.c) < placeOf(b.c) ? -1 : 1));
      let attributes: Record<string, unknown> | undefined;
      for (const { c } of ordered) {
        if (c.operation === 'create') attributes = { ...c.attributes };
        else if (c.operation === 'delete') attributes = undefined;
        else attributes = mergePatch(attributes ?? {}, c.attributes);
      }
      return attributes;
    };

    fc.assert(
      fc.property(
        fc.uniqueArray(anyChange, {
          minLength: 1,
          maxLength: 8,
          selector: (c) => `${c.second}#${c.arrival ?? ''}`,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 18, maxLength: 18 }),
        (drawn, repeats, shuffle) => {
          // Act: the changes with repetitions, shuffled
          const changes = drawn.map(toChange);
          const delivered = [...changes, ...repeats.map((pick) => changes[pick % changes.length]!)]
            .map((c, at) => ({ c, order: shuffle[at] ?? 0 }))
            .sort((a, b) => a.order - b.order)
            .map(({ c }) => c);
          const fragment = fold(delivered);

          // Assess
          const expected = inOrderFold(changes);
          if (expected === undefined) expect(fragment?.deleted).toBe(true);
          else expect(fragment?.attributes).toEqual(expected);
          expect(fragment?.version).toBe(fold(changes)?.version);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('folds merges beyond the bound into the base, and then ignores a change arriving behind them', () => {
    // Prepare
    const second = (n: number) => new Date(Date.parse(T1) + n * 1000).toISOString();
    const merges = Array.from({ length: MAX_PENDING_MERGES + 1 }, (_, n) =>
      change('merge', second(n + 1), { [`field${n}`]: n }),
    );
    const afterHorizon = new Date(Date.parse(T1) + MERGE_HORIZON_MS + 60_000).toISOString();

    // Act
    const bounded = fold([change('create', T1, { tier: 'gold' }), ...merges]);
    const lateBehindBase = applyChange(bounded, change('merge', second(0.5), { late: true }), key);
    const horizonPassed = applyChange(bounded, change('merge', afterHorizon, { tier: 'platinum' }), key);

    // Assess
    expect(bounded?.history.merges).toHaveLength(MAX_PENDING_MERGES);
    expect(bounded?.history.base).toMatchObject({ operation: 'create', timestamp: second(1) });
    expect(bounded?.attributes).toMatchObject({
      tier: 'gold',
      field0: 0,
      [`field${MAX_PENDING_MERGES}`]: MAX_PENDING_MERGES,
    });
    expect(lateBehindBase).toBeUndefined();
    expect(horizonPassed?.history.merges).toHaveLength(1);
    expect(horizonPassed?.attributes).toMatchObject({ tier: 'platinum', field0: 0 });
  });
});
