import { describe, expect, it } from 'vitest';
import { compileMappingSet, previewMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import { MappingBudget, ROW_MAPPING_LIMITS } from '../../../lambdas/core/mapping/mapping-budget';
import { ProcessingBudget, RECORD_PROCESSING_BUDGET_MS } from '../../../lambdas/core/processing-budget';
import { CONTEXT, expressionRule as expression } from './mapping-fixture';

describe('the bounds of a mapping evaluation', () => {
  it('what the calls of a row build is bounded in all, kept or not, and fails the row naming the rule', () => {
    // Prepare: each rule builds 60 characters and keeps only whether they match
    const set = compileMappingSet([
      expression('matches_regex(lpad(name, 60, "x"), "x+a")', 'first'),
      expression('matches_regex(lpad(name, 60, "y") + "!", "y+a!")', 'second'),
    ]);
    const budget = new MappingBudget({ ...ROW_MAPPING_LIMITS, maxBuilt: 100 });

    // Act
    const mapped = set.apply({ name: 'ada' }, { ...CONTEXT, budget });

    // Assess
    expect(mapped.record).toEqual({});
    expect(mapped.failure).toEqual({
      mapping: 1,
      destination: 'second',
      code: 'mapping-limit-exceeded',
      message: expect.stringContaining('built more than 100 characters and elements') as unknown,
    });
  });

  it('a mapping that outlives its time fails the row with processing-budget-exceeded, naming the rule', () => {
    // Prepare: the clock passes the budget on its third reading, inside the [*] rule's elements
    let readings = 0;
    const clock = () => (++readings >= 3 ? RECORD_PROCESSING_BUDGET_MS + 1 : 0);
    const set = compileMappingSet([
      expression('upper(name)', 'name'),
      expression('upper(items[*])', 'items[*]'),
    ]);
    const budget = new MappingBudget(ROW_MAPPING_LIMITS, new ProcessingBudget(clock));

    // Act
    const mapped = set.apply(
      { name: 'ada', items: Array.from({ length: 500 }, () => 'a') },
      { ...CONTEXT, budget },
    );

    // Assess
    expect(mapped.failure).toMatchObject({
      mapping: 1,
      destination: 'items[*]',
      code: 'processing-budget-exceeded',
      message: expect.stringContaining(
        `longer than its budget of ${RECORD_PROCESSING_BUDGET_MS} ms`,
      ) as unknown,
    });
  });

  it('a preview stops at the first row over a bound, reporting its index', () => {
    // Act
    const preview = previewMappingSet(
      [expression('lpad(name, size, "x")', 'padded')],
      [
        { name: 'a', size: 3 },
        { name: 'b', size: 3 },
      ],
      { ...CONTEXT, budget: new MappingBudget({ ...ROW_MAPPING_LIMITS, maxOutput: 6 }) },
    );

    // Assess
    expect(preview.rows).toEqual([{ padded: 'xxa' }]);
    expect(preview.failure).toMatchObject({ row: 1, mapping: 0, code: 'mapping-limit-exceeded' });
  });
});
