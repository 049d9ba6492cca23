import { describe, expect, it } from 'vitest';
import { compileMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import { FIXED_UUID, evaluate, expectValue } from './mapping-fixture';

describe('type conversion, JSON and special functions', () => {
  it.each([
    ['to_bigint("1000000.34")', 1000000],
    ['to_bigint("9007199254740991")', 9007199254740991],
    ['to_decimal("20.5")', 20.5],
    ['to_decimal(" -1e3 ")', -1000],
    ['to_float("12.3456")', 12.3456],
    ['to_integer("12")', 12],
    ['to_integer("-12.9")', -12],
    ['to_integer(7)', 7],
    ['to_integer("")', undefined],
    ['to_decimal(missing)', undefined],
    [
      'json_to_object("{\\"info\\":{\\"firstName\\":\\"John\\",\\"lastName\\": \\"Doe\\"}}")',
      { info: { firstName: 'John', lastName: 'Doe' } },
    ],
    ['json_to_object(payload).info.firstName', 'John'],
    ['json_to_object("[1, 2]")', [1, 2]],
    ['json_to_object(missing)', undefined],
    ['uuid()', FIXED_UUID],
    ['guid()', FIXED_UUID],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, { payload: '{"info":{"firstName":"John"}}' });
  });

  it.each([
    ['to_integer("twelve")', 'to_integer: argument 1 (input) does not hold a number'],
    ['to_integer("3000000000")', 'to_integer: the number is outside the 32-bit integer range'],
    ['to_bigint("9007199254740993")', 'to_bigint: the number is beyond 2^53 and cannot be kept exactly'],
    ['to_decimal("0x1F")', 'to_decimal: argument 1 (input) does not hold a number'],
    ['to_float(items)', 'to_float: argument 1 (input) must be text, not an array'],
    ['json_to_object("{not json")', 'json_to_object: argument 1 (input) is not valid JSON'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = { items: [1] };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });

  it('gives each uuid() call its own id from the context', () => {
    // Prepare
    let counter = 0;
    const context = { uuid: () => `id-${++counter}` };

    // Act
    const set = compileMappingSet([
      { sourceType: 'EXPRESSION', source: 'uuid()', destination: 'a' },
      { sourceType: 'EXPRESSION', source: 'guid()', destination: 'b' },
    ]);
    const record = set.apply({}, context).record;

    // Assess
    expect(record).toEqual({ a: 'id-1', b: 'id-2' });
  });
});
