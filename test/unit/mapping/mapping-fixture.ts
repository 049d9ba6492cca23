/** Shared helpers of the mapping tests: one expression applied to one row, with a fixed clock and fixed ids. */
import { expect } from 'vitest';
import { compileMappingSet, validateMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import type {
  MappingContext,
  MappingProblem,
  MappingRule,
  MappingWarning,
} from '../../../lambdas/core/mapping/mapping-types';

export const FIXED_NOW = '2024-05-06T07:08:09.010Z';
export const FIXED_UUID = '0b5e7c8e-3c1a-4f5e-9d7a-2f1e6b8c9a01';

export const CONTEXT: MappingContext = { now: () => new Date(FIXED_NOW), uuid: () => FIXED_UUID };

/** An EXPRESSION rule. */
export const expressionRule = (source: string, destination: string): MappingRule => ({
  sourceType: 'EXPRESSION',
  source,
  destination,
});

export interface Evaluation {
  /** The value written at the destination `out`, undefined when it was left out. */
  readonly value: unknown;
  readonly warnings: readonly MappingWarning[];
}

/** Applies the expression as the only rule of a set (destination `out`) to the row. */
export function evaluate(expression: string, row: Record<string, unknown> = {}): Evaluation {
  const set = compileMappingSet([{ sourceType: 'EXPRESSION', source: expression, destination: 'out' }]);
  const { record, warnings } = set.apply(row, CONTEXT);
  return { value: record.out, warnings };
}

/** The expression, applied to the row, writes `expected` and warns nothing. */
export function expectValue(expression: string, expected: unknown, row: Record<string, unknown> = {}): void {
  // Act
  const { value, warnings } = evaluate(expression, row);

  // Assess
  expect(value).toEqual(expected);
  expect(warnings).toEqual([]);
}

/** The problems of a set whose only rule is the expression. */
export function expressionProblems(expression: string): MappingProblem[] {
  return validateMappingSet([{ sourceType: 'EXPRESSION', source: expression, destination: 'out' }]);
}
