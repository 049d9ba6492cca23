import { describe, expect, it } from 'vitest';
import { compileLinearRegex, linearRegexRefusal } from '../../lambdas/core/linear-regex';

describe('the linear-time regular expression engine', () => {
  it.each([
    ['^\\s$', '\u00a0', true],
    ['^[\\s\\d]+$', '1\u20282', true],
    ['^[\\S]+$', 'a\u3000', false],
    ['^.$', '\r', false],
    ['^.$', '😀', true],
    ['[^]', '\n', true],
    ['[]', 'x', false],
    ['[\\b]', '\b', true],
    ['\\u00e9\\u{1F600}', 'é😀', true],
    ['^(?<word>\\w+)$', 'ab_1', true],
  ])('matches %s on %j as ECMAScript does', (pattern, text, expected) => {
    // Act
    const matched = compileLinearRegex(pattern).test(text);

    // Assess
    expect(matched).toBe(expected);
    expect(new RegExp(pattern, 'u').test(text)).toBe(expected);
  });

  it('reads identity escapes of the non-Unicode mode as the letter', () => {
    // Act, Assess
    expect(compileLinearRegex('^\\a\\p\\_$', { unicode: false }).test('ap_')).toBe(true);
    expect(compileLinearRegex('^\\p{L}$').test('é')).toBe(true);
  });

  it.each([
    ['(?=a)', 'lookahead'],
    ['(?<!a)b', 'lookbehind'],
    ['(a)\\1', 'backreference'],
    ['(?<n>a)\\k<n>', 'backreference'],
    ['a{1001}', 'repeat count'],
  ])('refuses %s, naming the %s', (pattern, construct) => {
    // Act, Assess
    expect(linearRegexRefusal(pattern)).toContain(construct);
  });

  it('splits and extracts as String.prototype.split and RegExp.prototype.exec do', () => {
    // Prepare
    const cases: [string, string][] = [
      [',', 'a,b,,c'],
      [',', ''],
      ['', 'abc'],
      ['(,)', 'a,b'],
      ['x*', 'axbc'],
      ['', ''],
      ['\\b', 'ab cd'],
      ['😀', 'a😀b'],
    ];

    // Act, Assess
    for (const [pattern, text] of cases)
      expect(compileLinearRegex(pattern).split(text)).toEqual(text.split(new RegExp(pattern, 'u')));
    expect(compileLinearRegex('([^,]+),[^,]*,([^,]+)').exec('E259,E259B_009,1_1')).toEqual([
      'E259,E259B_009,1_1',
      'E259',
      '1_1',
    ]);
    expect(compileLinearRegex('(x)?y').exec('y')).toEqual(['y', null]);
  });

  it('matches a pattern that backtracks catastrophically in time linear in the text', () => {
    // Prepare: 2^100000 paths for a backtracking engine
    const regex = compileLinearRegex('^(a+)+$');

    // Act
    const matched = regex.test(`${'a'.repeat(100_000)}!`);

    // Assess
    expect(matched).toBe(false);
  });
});
