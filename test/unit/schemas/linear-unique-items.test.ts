import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { useLinearUniqueItems } from '../../../lambdas/core/schemas/linear-unique-items';

const SCHEMA = { type: 'array', uniqueItems: true };

describe('uniqueItems in linear time', () => {
  const quadratic = new Ajv().compile(SCHEMA);
  const linearAjv = new Ajv();
  useLinearUniqueItems(linearAjv);
  const linear = linearAjv.compile(SCHEMA);

  it.each([
    [[1, 1.0]],
    [
      [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ],
    ],
    [
      [
        [1, 2],
        [2, 1],
      ],
    ],
    [['1', 1]],
    [[null, null]],
    [[false, 0]],
    [[{}, []]],
    [[{ a: { x: [1, { y: 2, z: 3 }] } }, { a: { x: [1, { z: 3, y: 2 }] } }]],
    [[{ a: 1 }, { a: 1, b: 2 }]],
    [[0, -0]],
    [['a"', 'a\\"']],
  ])('agrees with JSON Schema equality (Ajv’s own keyword) on %j', (items) => {
    // Act
    const verdict = linear(items);

    // Assess
    expect(verdict).toBe(quadratic(items));
  });

  it('names the pair of identical items', () => {
    // Act
    const valid = linear([{ a: 1 }, 'x', { a: 1 }]);

    // Assess
    expect(valid).toBe(false);
    expect(linear.errors).toEqual([
      expect.objectContaining({
        keyword: 'uniqueItems',
        instancePath: '',
        params: { i: 2, j: 0 },
        message: 'must NOT have duplicate items (items ## 0 and 2 are identical)',
      }),
    ]);
  });
});
