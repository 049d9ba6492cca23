import { describe, expect, it } from 'vitest';
import { compileMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import { CONTEXT } from './mapping-fixture';

const attribute = (source: string, destination: string): MappingRule => ({
  sourceType: 'ATTRIBUTE',
  source,
  destination,
});
const expression = (source: string, destination: string): MappingRule => ({
  sourceType: 'EXPRESSION',
  source,
  destination,
});

function mapped(rules: MappingRule[], row: unknown) {
  return compileMappingSet(rules).apply(row, CONTEXT);
}

describe('paths', () => {
  it('reads and writes dot paths, escaped dots, ${} names and indexes', () => {
    // Prepare
    const row = {
      person: { name: { first: 'Ada' } },
      address: { 'street.name': 'Main St' },
      'first name': 'Grace',
      'odd[name]': 'brackets',
      emails: ['a@b.co', 'c@d.co'],
    };
    const rules = [
      attribute('person.name.first', 'profile.firstName'),
      attribute('address.street\\.name', 'addr.street\\.name'),
      expression('address.street\\.name', 'viaExpression'),
      attribute('${first name}', '${given name}'),
      expression('${first name}', 'wrapped'),
      attribute('first name', 'unwrapped'),
      attribute('odd\\[name\\]', 'escapedBrackets'),
      attribute('${address}.${street.name}', 'wrappedSegments'),
      attribute('emails[1]', 'identityMap.Email[0].id'),
    ];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(warnings).toEqual([]);
    expect(record).toEqual({
      profile: { firstName: 'Ada' },
      addr: { 'street.name': 'Main St' },
      viaExpression: 'Main St',
      'given name': 'Grace',
      wrapped: 'Grace',
      unwrapped: 'Grace',
      escapedBrackets: 'brackets',
      wrappedSegments: 'Main St',
      identityMap: { Email: [{ id: 'c@d.co' }] },
    });
  });

  it('leaves a destination out, without a warning, when its source is missing or null', () => {
    // Prepare
    const row = { present: 1, empty: null, scalar: 'x' };
    const rules = [
      attribute('absent', 'a'),
      attribute('empty', 'b'),
      attribute('scalar.deeper', 'c'),
      attribute('present.deeper', 'd'),
      attribute('list[3]', 'e'),
      expression('upper(absent)', 'f'),
      attribute('present', 'g'),
    ];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(record).toEqual({ g: 1 });
    expect(warnings).toEqual([]);
  });

  it('copies a whole object or array, deeply', () => {
    // Prepare
    const row = { address: { line1: '1 Main St', geo: { lat: 1, lon: 2 } }, tags: [['a'], { b: 1 }] };
    const rules = [
      attribute('address', 'home'),
      attribute('tags', 'labels'),
      expression('address', 'viaExpression'),
    ];

    // Act
    const { record } = mapped(rules, row);
    (record.home as { geo: { lat: number } }).geo.lat = 99;
    (record.labels as unknown[][])[0]!.push('changed');

    // Assess
    expect(row.address.geo.lat).toBe(1);
    expect(row.tags[0]).toEqual(['a']);
    expect(record.viaExpression).toEqual({ line1: '1 Main St', geo: { lat: 1, lon: 2 } });
  });

  it('writes fields into a copied object, whatever the order of the rules', () => {
    // Prepare
    const row = { address: { line1: '4191 Ridgebrook Way', city: 'San Jose', state: 'California' } };
    const rules = [attribute('address.line1', 'addr.addrLine1'), attribute('address', 'addr')];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(warnings).toEqual([]);
    expect(record).toEqual({
      addr: {
        line1: '4191 Ridgebrook Way',
        city: 'San Jose',
        state: 'California',
        addrLine1: '4191 Ridgebrook Way',
      },
    });
  });

  it('maps [*] element-wise, several rules filling the same destination elements', () => {
    // Prepare
    const row = {
      orderId: 'A1',
      items: [
        { sku: 'S1', qty: '2', price: 5 },
        { sku: 'S2', qty: 1, price: 2.5 },
      ],
    };
    const rules = [
      attribute('items[*].sku', 'productListItems[*].SKU'),
      expression('to_integer(items[*].qty)', 'productListItems[*].quantity'),
      expression('items[*].qty * items[*].price', 'productListItems[*].priceTotal'),
      expression('concat(orderId, "-", items[*].sku)', 'productListItems[*].lineId'),
      expression('coalesce("USD", items[*].sku)', 'productListItems[*].currencyCode'),
    ];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(warnings).toEqual([]);
    expect(record).toEqual({
      productListItems: [
        { SKU: 'S1', quantity: 2, priceTotal: 10, lineId: 'A1-S1', currencyCode: 'USD' },
        { SKU: 'S2', quantity: 1, priceTotal: 2.5, lineId: 'A1-S2', currencyCode: 'USD' },
      ],
    });
  });

  it('iterates nested arrays level by level', () => {
    // Prepare
    const row = {
      orders: [
        { id: 'o1', lines: [{ sku: 'a' }, { sku: 'b' }] },
        { id: 'o2', lines: [] },
        { id: 'o3', lines: [{ sku: 'c' }] },
      ],
    };
    const rules = [
      attribute('orders[*].id', 'purchases[*].id'),
      attribute('orders[*].lines[*].sku', 'purchases[*].items[*].SKU'),
      expression('concat(orders[*].id, "/", orders[*].lines[*].sku)', 'purchases[*].items[*].key'),
    ];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(warnings).toEqual([]);
    expect(record).toEqual({
      purchases: [
        {
          id: 'o1',
          items: [
            { SKU: 'a', key: 'o1/a' },
            { SKU: 'b', key: 'o1/b' },
          ],
        },
        { id: 'o2' },
        { id: 'o3', items: [{ SKU: 'c', key: 'o3/c' }] },
      ],
    });
  });

  it('keeps element i of the destination for element i of the source when an element has nothing to write', () => {
    // Prepare
    const row = {
      items: [{ sku: 'S1' }, { name: 'no sku' }, { sku: 'S3' }],
      tags: [{ t: 'a' }, {}, { t: 'c' }],
    };
    const rules = [attribute('items[*].sku', 'products[*].SKU'), attribute('tags[*].t', 'labels[*]')];

    // Act
    const { record } = mapped(rules, row);

    // Assess
    expect(record).toEqual({ products: [{ SKU: 'S1' }, {}, { SKU: 'S3' }], labels: ['a', null, 'c'] });
  });

  it('copies whole elements with [*] and writes nothing for an empty or missing array', () => {
    // Prepare
    const rules = [attribute('items[*]', 'copies[*]'), attribute('missing[*].x', 'none[*].x')];

    // Act
    const full = mapped(rules, { items: [{ a: 1 }, 'two'] });
    const empty = mapped(rules, { items: [] });

    // Assess
    expect(full).toEqual({ record: { copies: [{ a: 1 }, 'two'] }, warnings: [] });
    expect(empty).toEqual({ record: {}, warnings: [] });
  });

  it('warns once per rule when an element fails, keeping the other elements', () => {
    // Prepare
    const row = { items: [{ qty: '1' }, { qty: 'one' }, { qty: 'many' }, { qty: '4' }] };
    const rules = [expression('to_integer(items[*].qty)', 'products[*].quantity')];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(record).toEqual({ products: [{ quantity: 1 }, {}, {}, { quantity: 4 }] });
    expect(warnings).toEqual([
      {
        mapping: 0,
        destination: 'products[*].quantity',
        code: 'expression-error',
        message: 'products[1]: to_integer: argument 1 (input) does not hold a number',
      },
    ]);
  });

  it('warns when a [*] path meets something that is not an array', () => {
    // Prepare
    const row = { items: { sku: 'not a list' }, orders: [{ lines: 'nope' }] };
    const rules = [
      attribute('items[*].sku', 'products[*].SKU'),
      attribute('orders[*].lines[*].sku', 'purchases[*].items[*].SKU'),
    ];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(record).toEqual({});
    expect(warnings).toEqual([
      { mapping: 0, destination: 'products[*].SKU', code: 'path-error', message: 'items is not an array' },
      {
        mapping: 1,
        destination: 'purchases[*].items[*].SKU',
        code: 'path-error',
        message: 'purchases[0]: orders[0].lines is not an array',
      },
    ]);
  });

  it('warns when a destination runs into a value that is not an object', () => {
    // Prepare
    const row = { code: 'USD', detail: 'x' };
    const rules = [attribute('code', 'currency'), attribute('detail', 'currency.detail')];

    // Act
    const { record, warnings } = mapped(rules, row);

    // Assess
    expect(record).toEqual({ currency: 'USD' });
    expect(warnings).toEqual([
      {
        mapping: 1,
        destination: 'currency.detail',
        code: 'destination-conflict',
        message: 'currency already holds a value that is not an object',
      },
    ]);
  });

  it('writes constants as given: text, number or boolean', () => {
    // Prepare
    const rules = [
      { sourceType: 'STATIC', source: 'CUSTOMER', destination: 'userType' },
      { sourceType: 'STATIC', source: '42', destination: 'text' },
      { sourceType: 'STATIC', source: 42, destination: 'number' },
      { sourceType: 'STATIC', source: true, destination: 'flag' },
    ] as unknown as MappingRule[];

    // Act
    const { record } = mapped(rules, {});

    // Assess
    expect(record).toEqual({ userType: 'CUSTOMER', text: '42', number: 42, flag: true });
  });

  it.each([
    ['an array', [1, 2], 'the row is an array, not an object'],
    ['text', 'text', 'the row is text, not an object'],
    ['null', null, 'the row is missing, not an object'],
    ['a number', 7, 'the row is a number, not an object'],
  ])('gives an empty record and a warning for a row that is %s', (_, row, message) => {
    // Prepare
    const rules = [{ sourceType: 'STATIC', source: 'x', destination: 'a' } as MappingRule];

    // Act
    const outcome = mapped(rules, row);

    // Assess
    expect(outcome).toEqual({
      record: {},
      warnings: [{ mapping: -1, destination: '', code: 'invalid-row', message }],
    });
  });

  it('writes __proto__ and constructor as ordinary fields of the record', () => {
    // Prepare
    const row = JSON.parse('{"payload": {"__proto__": {"admin": true}, "constructor": "c"}}') as unknown;
    const rules = [
      attribute('payload', 'copy'),
      attribute('payload.constructor', '${__proto__}.constructor'),
    ];

    // Act
    const { record } = mapped(rules, row);

    // Assess
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['copy', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toEqual({ constructor: 'c' });
    expect(Object.getPrototypeOf(record.copy)).toBe(Object.prototype);
    expect(JSON.stringify(record.copy)).toBe('{"__proto__":{"admin":true},"constructor":"c"}');
  });
});
