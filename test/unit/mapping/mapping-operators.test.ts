import { describe, expect, it } from 'vitest';
import { evaluate, expressionProblems, expectValue } from './mapping-fixture';

const ROW = {
  a: 7,
  b: 2,
  text: '5',
  other: '12',
  name: 'Ada',
  flag: true,
  zero: 0,
  items: [{ sku: 'x1' }, { sku: 'x2' }],
  person: { name: { first: 'Ada' } },
  'first name': 'Grace',
  and: 'reserved',
};

describe('expression operators', () => {
  it.each([
    ['a + b', 9],
    ['a - b', 5],
    ['a * b', 14],
    ['a / b', 3.5],
    ['a div b', 3.5],
    ['a % b', 1],
    ['a mod b', 1],
    ['-a', -7],
    ['-text', -5],
    ['text * 2', 10],
    ['text + 1', '51'],
    ['name + " " + a', 'Ada 7'],
    ['name + missing', 'Ada'],
    ['a + missing', undefined],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['a == 7', true],
    ['a eq 7', true],
    ['text == 5', true],
    ['text == "5"', true],
    ['a != b', true],
    ['a ne 7', false],
    ['missing == null', true],
    ['[1, {"k": "v"}] == [1, {"k": "v"}]', true],
    ['a < b', false],
    ['a lt b', false],
    ['a > b', true],
    ['a gt b', true],
    ['a <= 7', true],
    ['a le 6', false],
    ['a >= 8', false],
    ['a ge 7', true],
    ['text < 10', true],
    ['other < text', true],
    ['missing < 1', false],
    ['flag && a > 1', true],
    ['flag and zero', false],
    ['zero || name', true],
    ['zero or missing', false],
    ['!flag', false],
    ['not flag', false],
    ['not(a == 7)', false],
    ['a > 1 and b > 1 or zero', true],
    ['a > 10 ? "big" : "small"', 'small'],
    ['flag ? person.name.first : "none"', 'Ada'],
    ['items[1].sku', 'x2'],
    ['items[5].sku', undefined],
    ['person.name["first"]', 'Ada'],
    ['json_to_object("[10, 20]")[1]', 20],
    ['${first name}', 'Grace'],
    ['${and}', 'reserved'],
    ['"it\'s"', "it's"],
    ["'single'", 'single'],
    ['3.5', 3.5],
    ['true', true],
    ['null', undefined],
    ['[1, "two", missing]', [1, 'two', null]],
    ['{"k": a, "gone": missing}', { k: 7 }],
    ['{k: 1}.get("k")', 1],
    ['UPPER(name)', 'ADA'],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, ROW);
  });

  it.each([
    ['a / zero', 'the operator /: division by zero'],
    ['a % zero', 'the operator %: division by zero'],
    ['name * 2', 'the operator * needs numbers, not text and a number'],
    ['items - 1', 'the operator - needs numbers, not an array and a number'],
    ['-name', 'the operator - needs a number, not text'],
    ['name + items', 'the operator + cannot join text and an array as text'],
    ['flag + 1', 'the operator + needs numbers, not a boolean and a number'],
    ['items < 1', 'the operator < cannot compare an array with a number'],
    ['name > 1', 'the operator > cannot compare text with a number'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = ROW;

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([{ mapping: 0, destination: 'out', code: 'expression-error', message }]);
  });

  it.each([
    ['__proto__', { __proto__: { polluted: true } }],
    ['constructor', {}],
    ['person.constructor', { person: {} }],
    ['name.constructor', { name: 'Ada' }],
    ['items.length', { items: [1] }],
    ['prototype', {}],
    ['person.__proto__.toString', { person: {} }],
    ['person["__proto__"]', { person: {} }],
    ['json_to_object("{}").constructor', {}],
  ])('%s is an ordinary missing field, not a way into JavaScript objects', (expression, row) => {
    // Prepare
    const source = row as Record<string, unknown>;

    // Act
    const { value, warnings } = evaluate(expression, source);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('reads __proto__ as an own field when the row has one, without touching any prototype', () => {
    // Prepare
    const row = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>;

    // Act
    const { value } = evaluate('__proto__', row);

    // Assess
    expect(value).toEqual({ admin: true });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([
    ['constructor.constructor("return process")()', 'invalid-expression'],
    ['name.toUpperCase()', 'unknown-function'],
    ['eval("1")', 'unknown-function'],
    ['Function("return 1")', 'unknown-function'],
    ['this', undefined],
    ['a = 1', 'invalid-expression'],
    ['a ** 2', 'invalid-expression'],
    ['a & b', 'invalid-expression'],
    ['a === b', 'invalid-expression'],
    ['a ?? b', 'invalid-expression'],
    ['~a', 'invalid-expression'],
    ['a; b', 'invalid-expression'],
    ['(a, b)', 'invalid-expression'],
    ['[1, , 2]', 'invalid-expression'],
    ['and', 'invalid-expression'],
    ['if', 'invalid-expression'],
    ['new', 'invalid-expression'],
    ['_errors', 'invalid-expression'],
    ['a.b(1)', 'unknown-function'],
    ['"x".equals("a", "b")', 'wrong-arity'],
    ['{"a" 1}', 'invalid-expression'],
    ['{a: 1', 'invalid-expression'],
    ['${unclosed', 'invalid-expression'],
    ['items[0](1)', 'invalid-expression'],
  ])('%s is refused when the set is compiled (%s)', (expression, code) => {
    // Prepare
    const source = expression;

    // Act
    const problems = expressionProblems(source);

    // Assess
    expect(problems.map((problem) => problem.code)).toEqual(code === undefined ? [] : [code]);
  });
});
