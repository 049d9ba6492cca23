import { describe, expect, it } from 'vitest';
import {
  compileMappingSet,
  MAX_EXPRESSION_LENGTH,
  previewMappingSet,
  validateMappingSet,
} from '../../../lambdas/core/mapping/compile-mapping-set';
import { MAX_DESTINATION_INDEX } from '../../../lambdas/core/mapping/field-path';
import { MappingSetError, type MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import { CONTEXT, expressionRule } from './mapping-fixture';

const attribute = (source: string, destination: string): MappingRule => ({
  sourceType: 'ATTRIBUTE',
  source,
  destination,
});
const constant = (source: string, destination: string): MappingRule => ({
  sourceType: 'STATIC',
  source,
  destination,
});
const expression = expressionRule;

describe('compiling a mapping set', () => {
  it('accepts a good set without problems', () => {
    // Prepare
    const rules = [
      attribute('firstName', 'person.name.firstName'),
      constant('CUSTOMER', 'userType'),
      expression('concat(upper(lastName), upper(firstName), now())', 'pi.created'),
      attribute('address', 'addr'),
      attribute('address.line1', 'addr.addrLine1'),
      attribute('items[*].sku', 'productListItems[*].SKU'),
      attribute('items[*].name', 'productListItems[*].name'),
      attribute('emails[0]', 'identityMap.Email[0].id'),
      attribute('phones[1]', 'identityMap.Email[1].id'),
    ];

    // Act
    const problems = validateMappingSet(rules);

    // Assess
    expect(problems).toEqual([]);
    expect(() => compileMappingSet(rules)).not.toThrow();
  });

  it.each([
    ['unparseable expression', expression('upper(first', 'a'), '/mappings/0/source', 'invalid-expression'],
    ['empty expression', expression('  ', 'a'), '/mappings/0/source', 'invalid-expression'],
    ['unknown function', expression('shout(first)', 'a'), '/mappings/0/source', 'unknown-function'],
    ['unknown method', expression('first.shout()', 'a'), '/mappings/0/source', 'unknown-function'],
    ['too few arguments', expression('replacestr("a", "b")', 'a'), '/mappings/0/source', 'wrong-arity'],
    ['too many arguments', expression('now(1)', 'a'), '/mappings/0/source', 'wrong-arity'],
    ['odd key/value pairs', expression('to_object("a", 1, "b")', 'a'), '/mappings/0/source', 'wrong-arity'],
    [
      'wrong arity inside an argument',
      expression('upper(lower())', 'a'),
      '/mappings/0/source',
      'wrong-arity',
    ],
    ['reserved word', expression('not + 1', 'a'), '/mappings/0/source', 'invalid-expression'],
    [
      'expression too long',
      expression(`"${'x'.repeat(MAX_EXPRESSION_LENGTH)}"`, 'a'),
      '/mappings/0/source',
      'expression-too-long',
    ],
    [
      'nesting deeper than the parser goes',
      expression(`${'('.repeat(2_040)}1${')'.repeat(2_040)}`, 'a'),
      '/mappings/0/source',
      'invalid-expression',
    ],
    ['bad source path', attribute('a..b', 'a'), '/mappings/0/source', 'invalid-path'],
    ['unclosed index', attribute('a[0', 'a'), '/mappings/0/source', 'invalid-path'],
    ['index that is no number', attribute('a[x]', 'a'), '/mappings/0/source', 'invalid-path'],
    ['path starting with an index', attribute('[0].a', 'a'), '/mappings/0/source', 'invalid-path'],
    ['dot before an index', attribute('a.[0]', 'a'), '/mappings/0/source', 'invalid-path'],
    ['stray closing bracket', attribute('a]', 'a'), '/mappings/0/source', 'invalid-path'],
    ['bad destination path', attribute('a', 'b.'), '/mappings/0/destination', 'invalid-path'],
    ['empty destination', attribute('a', ''), '/mappings/0/destination', 'invalid-path'],
    [
      'destination index too large',
      attribute('a', `emails[${MAX_DESTINATION_INDEX + 1}]`),
      '/mappings/0/destination',
      'invalid-path',
    ],
    [
      '[*] source into a plain destination',
      attribute('items[*].sku', 'sku'),
      '/mappings/0/source',
      'iteration-mismatch',
    ],
    [
      'plain source into a [*] destination',
      attribute('sku', 'items[*].sku'),
      '/mappings/0/source',
      'iteration-mismatch',
    ],
    ['[*] counts that differ', attribute('a[*].b[*]', 'c[*].d'), '/mappings/0/source', 'iteration-mismatch'],
    [
      '[*] expression into a plain destination',
      expression('upper(items[*].sku)', 'sku'),
      '/mappings/0/source',
      'iteration-mismatch',
    ],
    [
      'plain expression into a [*] destination',
      expression('upper(sku)', 'items[*].sku'),
      '/mappings/0/source',
      'iteration-mismatch',
    ],
    [
      'constant into a [*] destination',
      constant('USD', 'items[*].currency'),
      '/mappings/0/destination',
      'iteration-mismatch',
    ],
    [
      'unknown source type',
      { sourceType: 'LOOKUP', source: 'a', destination: 'b' } as unknown as MappingRule,
      '/mappings/0/sourceType',
      'invalid-source-type',
    ],
    [
      'constant that is an object',
      { sourceType: 'STATIC', source: { a: 1 }, destination: 'b' } as unknown as MappingRule,
      '/mappings/0/source',
      'invalid-constant',
    ],
  ])('reports %s', (_, rule, pointer, code) => {
    // Prepare
    const rules = [rule];

    // Act
    const problems = validateMappingSet(rules);

    // Assess
    expect(problems).toEqual([{ pointer, code, message: expect.any(String) as unknown }]);
  });

  it.each([
    [
      'the same destination twice',
      [attribute('a', 'x.y'), attribute('b', 'x.y')],
      'mapping 0 writes the same destination',
    ],
    [
      '[*] overlapping an index',
      [attribute('a[*].b', 'x[*].y'), attribute('c', 'x[0].y')],
      'mapping 0 writes the same destination',
    ],
    [
      'a field inside a constant',
      [constant('USD', 'currency'), attribute('code', 'currency.code')],
      'inside the value of mapping 0',
    ],
    [
      'a constant around a field',
      [attribute('code', 'currency.code'), constant('USD', 'currency')],
      'mapping 0 writes inside its value',
    ],
    [
      'a field inside a scalar expression',
      [expression('upper(a)', 'x'), attribute('b', 'x.y')],
      'inside the value of mapping 0',
    ],
    [
      'an object used as an array',
      [attribute('a', 'x.y'), attribute('b', 'x[0]')],
      'x is an array here but an object in mapping 0',
    ],
  ])('reports %s on the later rule', (_, rules, message) => {
    // Prepare
    const set = rules;

    // Act
    const problems = validateMappingSet(set);

    // Assess
    expect(problems).toEqual([
      {
        pointer: '/mappings/1/destination',
        code: 'conflicting-destination',
        message: expect.stringContaining(message) as unknown,
      },
    ]);
  });

  it('lets a rule write inside an object another rule copies, or inside an expression that may give an object', () => {
    // Prepare
    const rules = [
      attribute('address', 'addr'),
      attribute('address.line1', 'addr.addrLine1'),
      expression('to_object("a", 1)', 'obj'),
      attribute('b', 'obj.b'),
      attribute('c', 'list[0]'),
      attribute('d', 'list[1]'),
    ];

    // Act
    const problems = validateMappingSet(rules);

    // Assess
    expect(problems).toEqual([]);
  });

  it('reports one problem per bad rule, in rule order, and throws them all', () => {
    // Prepare
    const rules = [
      expression('upper(', 'a.'),
      attribute('fine', 'fine'),
      attribute('x', 'fine'),
      expression('nope()', 'b'),
    ];

    // Act
    let thrown: unknown;
    try {
      compileMappingSet(rules);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(MappingSetError);
    expect((thrown as MappingSetError).problems.map((problem) => [problem.pointer, problem.code])).toEqual([
      ['/mappings/0/source', 'invalid-expression'],
      ['/mappings/2/destination', 'conflicting-destination'],
      ['/mappings/3/source', 'unknown-function'],
    ]);
    expect((thrown as MappingSetError).message).toContain('/mappings/3/source: unknown function nope()');
  });

  it('matches function names whatever their case', () => {
    // Prepare
    const rules = [expression('CONCAT(Upper(a), LCASE(b))', 'out')];

    // Act
    const { record } = compileMappingSet(rules).apply({ a: 'x', b: 'Y' });

    // Assess
    expect(record).toEqual({ out: 'Xy' });
  });

  it('previews rows with the warnings of each row', () => {
    // Prepare
    const rules = [
      attribute('id', '_id'),
      expression('to_integer(qty)', 'quantity'),
      expression('now()', 'timestamp'),
    ];
    const rows = [{ id: 'a', qty: '2' }, { id: 'b', qty: 'two' }, 'not a row'];

    // Act
    const preview = previewMappingSet(rules, rows, CONTEXT);

    // Assess
    expect(preview).toEqual({
      rows: [
        { _id: 'a', quantity: 2, timestamp: '2024-05-06T07:08:09.010Z' },
        { _id: 'b', timestamp: '2024-05-06T07:08:09.010Z' },
        {},
      ],
      warnings: [
        {
          row: 1,
          mapping: 1,
          destination: 'quantity',
          code: 'expression-error',
          message: 'to_integer: argument 1 (input) does not hold a number',
        },
        {
          row: 2,
          mapping: -1,
          destination: '',
          code: 'invalid-row',
          message: 'the row is text, not an object',
        },
      ],
    });
  });

  it('refuses to preview a set that does not compile', () => {
    // Prepare
    const rules = [expression('upper(', 'a')];

    // Act
    const preview = () => previewMappingSet(rules, [{}]);

    // Assess
    expect(preview).toThrow(MappingSetError);
  });

  it('gives every now() of a row the same time, read once from the context', () => {
    // Prepare
    let calls = 0;
    const context = { now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, calls++)) };
    const set = compileMappingSet([
      expression('now()', 'a'),
      expression('timestamp()', 'b'),
      expression('now()', 'c'),
    ]);

    // Act
    const first = set.apply({}, context).record;
    const second = set.apply({}, context).record;

    // Assess
    expect(first).toEqual({ a: '2024-01-01T00:00:00Z', b: Date.UTC(2024, 0, 1), c: '2024-01-01T00:00:00Z' });
    expect(second.a).toBe('2024-01-01T00:00:01Z');
  });

  it('uses the clock and random ids when no context is given', () => {
    // Prepare
    const set = compileMappingSet([expression('uuid()', 'id'), expression('timestamp()', 'at')]);
    const before = Date.now();

    // Act
    const { record } = set.apply({});

    // Assess
    expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record.at).toBeGreaterThanOrEqual(before);
  });
});
