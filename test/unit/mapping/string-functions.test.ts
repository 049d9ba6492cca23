import { describe, expect, it } from 'vitest';
import { REGEX_INPUT_LIMIT } from '../../../lambdas/core/mapping/functions/bounded-regex';
import { evaluate, expectValue } from './mapping-fixture';

const ROW = {
  first: 'Ada',
  last: 'Lovelace',
  padded: '  hello  ',
  list: ['a', null, 'b'],
  nested: { a: 1 },
  count: 3,
};

describe('string functions', () => {
  it.each([
    ['concat("Hi, ", "there", "!")', 'Hi, there!'],
    ['concat(first, " ", last)', 'Ada Lovelace'],
    ['concat(missing, "-", first)', '-Ada'],
    ['concat(count, true)', '3true'],
    ['concat(missing, alsoMissing)', undefined],
    ['explode("Hi, there!", " ")', ['Hi,', 'there!']],
    ['explode("a,b,,c")', ['a', 'b', '', 'c']],
    ['explode("id1|id2", "\\\\|")', ['id1', 'id2']],
    ['explode(missing)', undefined],
    ['instr("adobe.com", "com")', 6],
    ['instr("abcabc", "b", 2)', 4],
    ['instr("abcabc", "b", 0, 2)', 4],
    ['instr("abc", "z")', -1],
    ['instr(missing, "z")', undefined],
    ['replacestr("This is a string re test", "re", "replace")', 'This is a string replace test'],
    ['replacestr(missing, "a", "b")', undefined],
    ['substr("This is a substring test", 7, 8)', ' a subst'],
    ['substr("abc", 1)', 'bc'],
    ['substr("abc", 5, 2)', ''],
    ['lower("HeLLo")', 'hello'],
    ['lcase("HeLLo")', 'hello'],
    ['upper("HeLLo")', 'HELLO'],
    ['ucase("HeLLo")', 'HELLO'],
    ['upper(missing)', undefined],
    ['split("Hello world", " ")', ['Hello', 'world']],
    ['split("a, b,,c", ", ")', ['a', 'b', 'c']],
    ['join(" ", to_array(true, "Hello", "world"))', 'Hello world'],
    ['join("-", "a", "b", 1)', 'a-b-1'],
    ['join(",", list)', 'a,b'],
    ['lpad("bat", 8, "yz")', 'yzyzybat'],
    ['rpad("bat", 8, "yz")', 'batyzyzy'],
    ['lpad("bat", 5, "")', '  bat'],
    ['lpad("batman", 3, "x")', 'batman'],
    ['rpad(missing, 3, "x")', undefined],
    ['left("abcde", 2)', 'ab'],
    ['right("abcde", 2)', 'de'],
    ['right("ab", 5)', 'ab'],
    ['ltrim(padded)', 'hello  '],
    ['rtrim(padded)', '  hello'],
    ['trim(padded)', 'hello'],
    ['"string1".equals("STRING1")', false],
    ['"string1".equalsIgnoreCase("STRING1")', true],
    ['first.equals("Ada")', true],
    ['missing.equals("Ada")', false],
    ['missing.equals(alsoMissing)', true],
    ['"1".equals(1)', false],
    ['equals(first, "Ada")', true],
    ['equalsIgnoreCase(first, "ADA")', true],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, ROW);
  });

  it.each([
    ['concat("a", list)', 'concat: argument 2 (text) must be text, not an array'],
    ['lower(nested)', 'lower: argument 1 (input) must be text, not an object'],
    ['explode("a", paren)', 'explode: the regular expression is not valid'],
    ['explode(long, ",")', `explode: the text is longer than ${REGEX_INPUT_LIMIT} characters`],
    ['instr("abc", "b", -1)', 'instr: argument 3 (start position) must be 0 or more'],
    ['instr("abc", "b", 0, 0)', 'instr: argument 4 (occurrence) must be 1 or more'],
    ['instr("abc", missing)', 'instr: argument 2 (substring) is missing'],
    ['instr("abc", "b", "x")', 'instr: argument 3 (start position) must be a number, not text'],
    ['replacestr("abc", missing, "x")', 'replacestr: argument 2 (to find) is missing'],
    ['substr("abc", -1, 2)', 'substr: argument 2 (start index) must be 0 or more'],
    ['substr("abc", 0, -2)', 'substr: argument 3 (length) must be 0 or more'],
    ['substr("abc", 1.5)', 'substr: argument 2 (start index) must be a whole number'],
    ['split("abc", "")', 'split: argument 2 (separator) is empty'],
    ['join(",", nested)', 'join: argument 1 (value) must be text, not an object'],
    ['rpad("a", missing, "x")', 'rpad: argument 2 (count) is missing'],
    ['left("abc", -1)', 'left: argument 2 (count) must be 0 or more'],
    ['right("abc", nested)', 'right: argument 2 (count) must be a number, not an object'],
    ['trim(list)', 'trim: argument 1 (input) must be text, not an array'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = { ...ROW, long: 'x,'.repeat(REGEX_INPUT_LIMIT), paren: '(' };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([
      {
        mapping: 0,
        destination: 'out',
        code: 'expression-error',
        message: expect.stringContaining(message) as unknown,
      },
    ]);
  });
});
