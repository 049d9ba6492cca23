import { describe, expect, it } from 'vitest';
import {
  ProcessingBudget,
  ProcessingBudgetError,
  RECORD_BUDGET_MS_PER_KIB,
  RECORD_PROCESSING_BUDGET_MS,
} from '../../lambdas/core/processing-budget';

/** A clock at `elapsed` ms after the budget's start. */
const after = (elapsed: number) => {
  let readings = 0;
  return () => (readings++ === 0 ? 0 : elapsed);
};

describe('the processing budget of a record', () => {
  it('grows with the record’s weight, so that a big record is not failed for its size alone', () => {
    // Prepare: 100 KiB of record have 100 × RECORD_BUDGET_MS_PER_KIB ms more than the base budget
    const elapsed = RECORD_PROCESSING_BUDGET_MS + 50 * RECORD_BUDGET_MS_PER_KIB;
    const big = new ProcessingBudget(after(elapsed), undefined, () => 100 * 1024);
    const small = new ProcessingBudget(after(elapsed), undefined, () => 1024);

    // Act
    const bigOverrun = big.overrun('validation');
    const smallOverrun = () => small.check('validation');

    // Assess
    expect(bigOverrun).toEqual([]);
    expect(smallOverrun).toThrow(ProcessingBudgetError);
  });

  it('weighs the record only once its base budget is spent', () => {
    // Prepare
    let weighed = 0;
    const budget = new ProcessingBudget(after(RECORD_PROCESSING_BUDGET_MS), undefined, () => {
      weighed += 1;
      return 1024;
    });

    // Act
    const overrun = budget.overrun('validation');

    // Assess
    expect(overrun).toEqual([]);
    expect(weighed).toBe(0);
  });
});
