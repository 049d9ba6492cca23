import { describe, expect, it } from 'vitest';
import { evaluate } from './mapping-fixture';

const DECODE = 'decode(stateCode, "ca", "California", "pa", "Pennsylvania", "N/A")';

describe('logical and aggregation functions', () => {
  it.each([
    [DECODE, { stateCode: 'ca' }, 'California'],
    [DECODE, { stateCode: 'pa' }, 'Pennsylvania'],
    [DECODE, { stateCode: 'ny' }, 'N/A'],
    ['decode(code, "a", 1, "b", 2)', { code: 'z' }, undefined],
    ['decode(code, 1, "one", 2, "two")', { code: '2' }, 'two'],
    ['iif("s".equalsIgnoreCase("S"), "True", "False")', {}, 'True'],
    ['iif(points > 100, "gold", "silver")', { points: 150 }, 'gold'],
    ['iif(points > 100, "gold", "silver")', { points: '90' }, 'silver'],
    ['iif(missing, "yes", "no")', {}, 'no'],
    ['min(3, 1, 4)', {}, 1],
    ['max(3, 1, 4)', {}, 4],
    ['min("pear", "apple")', {}, 'apple'],
    ['max(values)', { values: [2, null, 9, 4] }, 9],
    ['max(date("2020-01-01"), date("2021-01-01"))', {}, '2021-01-01T00:00:00Z'],
    ['min(missing, 5)', {}, 5],
    ['max(missing)', {}, undefined],
  ])('%s on %j gives %j', (expression, row, expected) => {
    // Prepare
    const source = row as Record<string, unknown>;

    // Act
    const { value, warnings } = evaluate(expression, source);

    // Assess
    expect(value).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('iif evaluates only the branch it returns', () => {
    // Prepare
    const row = { email: 'ADA@EXAMPLE.COM' };

    // Act
    const outcome = evaluate('iif(contains_key("email"), lower(email), to_integer("not a number"))', row);

    // Assess
    expect(outcome).toEqual({ value: 'ada@example.com', warnings: [] });
  });

  it.each([
    ['min(1, "a")', 'min: the values are of kinds that cannot be compared'],
    ['max([1], 2)', 'max: an array has no order'],
    ['max({"a": 1})', 'max: an object has no order'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = {};

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });
});
