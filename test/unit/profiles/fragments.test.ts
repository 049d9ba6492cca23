import { describe, expect, it } from 'vitest';
import {
  applyChange,
  mergePatch,
  recordTimestamp,
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
): FragmentChange => ({ operation, timestamp, attributes, source: { datasetId: 'ds1', at: timestamp } });

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

  it('orders profile records by their timestamp, then _repo.modifyDate, then arrival', () => {
    // Act
    const own = recordTimestamp({ timestamp: '2024-01-01T01:00:00+01:00' }, T3);
    const repo = recordTimestamp({ _repo: { modifyDate: T2 } }, T3);
    const arrival = recordTimestamp({ timestamp: 'soon' }, T3);

    // Assess
    expect(own).toBe('2024-01-01T00:00:00.000Z');
    expect(repo).toBe(T2);
    expect(arrival).toBe(T3);
  });
});
