import { describe, expect, it } from 'vitest';
import {
  exactJsonText,
  inexactNumbersIn,
  isExactNumberLiteral,
  markInexactNumbers,
} from '../../../lambdas/core/exact-json';

describe('exact JSON numbers', () => {
  it.each([
    ['0', true],
    ['0.1', true],
    ['0.10', true],
    ['1.5e2', true],
    ['-12.5e-3', true],
    ['9007199254740992', true],
    ['100000000000000000000', true],
    ['9007199254740993', false],
    ['1152921504606846977', false],
    ['0.12345678901234567890', false],
    ['1e400', false],
    ['-1e400', false],
    ['1e-400', false],
    ['0e400', true],
  ])('%s is held exactly: %s', (literal, exact) => {
    // Act / Assess
    expect(isExactNumberLiteral(literal)).toBe(exact);
  });

  it('finds each inexact number with its pointer, past strings that look like numbers and escaped keys', async () => {
    // Prepare
    const text =
      '{"a":[1,9007199254740993,{"b/\\"c~":1e400}],"s":"9007199254740993 1e400","t":{"u":1e-400,"v":[0.5]}}';

    // Act
    const found = inexactNumbersIn(text);

    // Assess
    expect(found).toEqual([
      { pointer: '/a/1', literal: '9007199254740993' },
      { pointer: '/a/2/b~1"c~0', literal: '1e400' },
      { pointer: '/t/u', literal: '1e-400' },
    ]);
  });

  it('writes a value back with its inexact numbers as they were sent, and JSON.stringify never rounds them', async () => {
    // Prepare
    const text = '{"id":9007199254740993,"n":[2,1e400],"ok":0.1}';

    // Act
    const marked = markInexactNumbers(JSON.parse(text) as unknown, inexactNumbersIn(text));

    // Assess
    expect(exactJsonText(marked)).toBe(text);
    expect(JSON.stringify(marked)).toBe('{"id":"9007199254740993","n":[2,"1e400"],"ok":0.1}');
  });
});
