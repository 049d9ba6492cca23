/** A watermark's look-back: what is read again below the watermark, what is skipped there, and how it is bounded. */
import { describe, expect, it } from 'vitest';
import {
  MAX_LOOK_BACK_ITEMS,
  mergedLookBack,
  readsAgain,
  strictlyAfter,
  withTaken,
  type PositionOrder,
} from '../../../lambdas/core/dataflows/look-back';

/** Positions are numbers; the look-back reaches 10 below the top. */
const ORDER: PositionOrder<number> = { compare: (a, b) => a - b, lowerBound: (top) => top - 10 };
const items = (...positions: number[]) => positions.map((position) => ({ id: `i${position}`, position }));

describe('look-backs', () => {
  it('keep what a run took within reach of the largest position, and read the rest there again', () => {
    // Act
    const lookBack = withTaken(ORDER, undefined, items(1, 5, 12, 20), 20);

    // Assess
    expect(lookBack).toEqual({ from: 10, inclusive: true, taken: { i12: 12, i20: 20 } });
    expect(readsAgain(ORDER, lookBack, { id: 'late', position: 11 })).toBe(true);
    expect(readsAgain(ORDER, lookBack, { id: 'i12', position: 12 })).toBe(false);
    expect(readsAgain(ORDER, lookBack, { id: 'old', position: 9 })).toBe(false);
  });

  it('merge the old watermark and the run: the bound is the highest of theirs, the items are both', () => {
    // Prepare
    const old = { from: 8, inclusive: true, taken: { i8: 8, i15: 15 } };
    const run = withTaken(ORDER, undefined, items(14, 22), 22);

    // Act
    const merged = mergedLookBack(ORDER, 22, [old, run]);
    const fromStrict = mergedLookBack(ORDER, 22, [strictlyAfter(15), run]);

    // Assess
    expect(merged).toEqual({ from: 12, inclusive: true, taken: { i14: 14, i15: 15, i22: 22 } });
    expect(fromStrict).toEqual({ from: 15, inclusive: false, taken: { i22: 22 } });
  });

  it('forget the oldest items beyond the bound on their number, moving the bound above them', () => {
    // Prepare: more items than remembered, two of them at the oldest position kept
    const many = Array.from({ length: MAX_LOOK_BACK_ITEMS + 1 }, (_, index) => ({
      id: `n${index}`,
      position: 100 + Math.max(1, index) / 1000,
    }));

    // Act
    const lookBack = withTaken(ORDER, undefined, many, 102);

    // Assess
    expect(lookBack.inclusive).toBe(false);
    expect(lookBack.from).toBe(100.001);
    expect(Object.keys(lookBack.taken)).toHaveLength(MAX_LOOK_BACK_ITEMS - 1);
    expect(readsAgain(ORDER, lookBack, { id: 'n0', position: 100.001 })).toBe(false);
  });

  it('give way to strictly after the watermark when the items at the top alone are too many', () => {
    // Prepare
    const atTop = Array.from({ length: MAX_LOOK_BACK_ITEMS + 1 }, (_, index) => ({
      id: `t${index}`,
      position: 50,
    }));
    const run = withTaken(ORDER, undefined, atTop, 50);

    // Act
    const merged = mergedLookBack(ORDER, 50, [run]);

    // Assess
    expect(run).toEqual({ from: 50, inclusive: false, taken: {} });
    expect(merged).toBeUndefined();
  });
});
