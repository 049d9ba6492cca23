import { describe, expect, it } from 'vitest';
import { evaluate, expectValue } from './mapping-fixture';

const ROW = { emails: [null, 'a@b.co', 'c@d.co'], empty: [], text: 'hello', person: { a: 1, b: 2 } };

describe('array functions', () => {
  it.each([
    ['coalesce(null, null, null, "first", null, "second")', 'first'],
    ['coalesce(missing, emails)', ROW.emails],
    ['coalesce(emails)', 'a@b.co'],
    ['coalesce(missing, alsoMissing)', undefined],
    ['first("1", "2", "3")', '1'],
    ['first(emails)', undefined],
    ['first(empty)', undefined],
    ['last("1", "2", "3")', '3'],
    ['last(emails)', 'c@d.co'],
    ["add_to_array(['a', 'b'], 'c', 'd')", ['a', 'b', 'c', 'd']],
    ["add_to_array(missing, ['c'])", [['c']]],
    ["join_arrays(['a', 'b'], ['c'], ['d', 'e'])", ['a', 'b', 'c', 'd', 'e']],
    ["join_arrays(missing, ['c'])", ['c']],
    ['to_array(false, 1, null, 2, 3)', [1, 2, 3]],
    ['to_array(true, 1, null, missing)', [1, null, null]],
    ['to_array("true", 1)', [1]],
    ['size_of([1, 2, 3, 4])', 4],
    ['size_of(text)', 5],
    ['size_of(person)', 2],
    ['size_of(missing)', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, ROW);
  });

  it.each([
    ['add_to_array(text, 1)', 'add_to_array: argument 1 (array) must be an array, not text'],
    ["join_arrays(['a'], person)", 'join_arrays: argument 2 (array) must be an array, not an object'],
    ['to_array(missing, 1)', 'to_array: argument 1 (include nulls) is missing'],
    ['to_array(1, 1)', 'to_array: argument 1 (include nulls) must be a boolean, not a number'],
    ['size_of(42)', 'size_of: argument 1 (input) must be an array, a text or an object'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = ROW;

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });
});
