import { describe, expect, it } from 'vitest';
import { REGEX_INPUT_LIMIT } from '../../../lambdas/core/mapping/functions/bounded-regex';
import { evaluate, expectValue, expressionProblems } from './mapping-fixture';

describe('regular expression functions', () => {
  it.each([
    ['extract_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")', ['E259,E259B_009,1_1', 'E259', '1_1']],
    ['extract_regex("order 42 of 7", "(\\\\d+)")', ['42', '42']],
    ['extract_regex("ab", "(a)(x)?")', ['a', 'a', null]],
    ['extract_regex("abc", "\\\\d")', undefined],
    ['extract_regex(missing, "a")', undefined],
    ['matches_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")', true],
    ['matches_regex("abc1", "[a-z]+")', false],
    ['matches_regex("abc", "[a-z]+")', true],
    ['matches_regex(missing, "a")', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, {});
  });

  it.each([
    ['extract_regex("abc", bracket)', 'extract_regex: the regular expression is not valid'],
    ['matches_regex("abc", paren)', 'matches_regex: the regular expression is not valid'],
    [
      'matches_regex("abc", lookahead)',
      'matches_regex: the regular expression cannot be matched in linear time',
    ],
    ['extract_regex("abc", missing)', 'extract_regex: argument 2 (regex) is missing'],
    ['matches_regex(items, "a")', 'matches_regex: argument 1 (input) must be text, not an array'],
    [
      'matches_regex(huge, "(a+)+$")',
      `matches_regex: the text is longer than ${REGEX_INPUT_LIMIT} characters`,
    ],
    [
      'extract_regex(huge, "(a+)+$")',
      `extract_regex: the text is longer than ${REGEX_INPUT_LIMIT} characters`,
    ],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = {
      items: ['a'],
      huge: `${'a'.repeat(REGEX_INPUT_LIMIT)}b`,
      bracket: '[',
      paren: '(',
      lookahead: 'a(?=b)',
    };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'expression-error',
        message: expect.stringContaining(message) as unknown,
      }),
    ]);
  });

  it.each([
    ['extract_regex("abc", "[")', 'extract_regex: the regular expression is not valid'],
    ['matches_regex(name, "(a)\\\\1")', 'the backreference \\1 needs a backtracking engine'],
    ['extract_regex(name, "a(?!b)")', 'the lookahead (?!…) needs a backtracking engine'],
    ['explode(name, "(?<=a),")', 'the lookbehind (?<=…) needs a backtracking engine'],
  ])('a literal pattern %s is refused when the set is compiled', (expression, message) => {
    // Act
    const problems = expressionProblems(expression);

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        pointer: '/mappings/0/source',
        code: 'invalid-argument',
        message: expect.stringContaining(message) as unknown,
      }),
    ]);
  });
});
