import { describe, expect, it } from 'vitest';
import { CSV_BOOLEANS, coercionFor, RecordCoercion } from '../../../lambdas/core/files/field-coercion';
import { destinationPointer, warningViolations } from '../../../lambdas/core/mapping-sets/mapping-warnings';
import { implicitDate, typeMappedRecord } from '../../../lambdas/core/mapping-sets/typed-record';
import { newRegistry, SANDBOX } from '../schemas/registry-fixture';

const ORDER_SCHEMA = {
  $id: 'https://example.com/schemas/mapped-order',
  type: 'object',
  properties: {
    orderId: { type: 'string' },
    quantity: { type: 'integer', minimum: 1 },
    price: { type: 'number' },
    gift: { type: 'boolean' },
    code: { type: 'string' },
    placed: { type: 'string', format: 'date-time' },
    shipping: {
      type: 'object',
      properties: { due: { type: 'string', format: 'date' }, express: { type: 'boolean' } },
    },
    notes: { type: 'array', items: { type: 'string' } },
  },
  required: ['orderId', 'quantity'],
};

async function typing() {
  const { registry } = newRegistry();
  const schema = await registry.register(SANDBOX, { title: 'Order', class: 'profile', schema: ORDER_SCHEMA });
  const fieldTypes = await registry.fieldTypesFor(SANDBOX, schema.id, schema.version);
  const validate = await registry.validatorFor(SANDBOX, schema.id, schema.version);
  return { coercion: new RecordCoercion(fieldTypes), validate, fieldTypes };
}

describe('typing a mapped record', () => {
  it('converts text, numbers and Data Prep’s boolean words to the schema’s types, nested fields included', async () => {
    // Prepare
    const { coercion } = await typing();

    // Act
    const typed = coercion.apply({
      orderId: 42,
      quantity: ' 3 ',
      price: '9.50',
      gift: 'YES',
      code: true,
      shipping: { express: 'off' },
      notes: ['1', '2'],
      extra: '7',
    });

    // Assess
    expect(typed.violations).toEqual([]);
    expect(typed.record).toEqual({
      orderId: '42',
      quantity: 3,
      price: 9.5,
      gift: true,
      code: 'true',
      shipping: { express: false },
      notes: ['1', '2'],
      extra: '7',
    });
  });

  it('keeps CSV’s own boolean words for files read without a mapping', () => {
    // Prepare
    const types = () => new Set(['boolean']);

    // Act
    const csv = coercionFor(types, ['gift'], CSV_BOOLEANS)!;

    // Assess
    expect([csv('true'), csv('FALSE'), csv('yes'), csv('on')]).toEqual([true, false, 'yes', 'on']);
  });

  it('reads dates the validator refused with Data Prep’s patterns, and validates again', async () => {
    // Prepare
    const parts = await typing();

    // Act
    const typed = typeMappedRecord(
      { orderId: 'o1', quantity: '2', placed: '1/05/2024 01:02:03 PM', shipping: { due: 'Jan-05-2024x' } },
      parts,
    );
    const fixed = typeMappedRecord(
      { orderId: 'o1', quantity: '2', placed: '01/05/2024', shipping: { due: '2024/01/07' } },
      parts,
    );

    // Assess
    expect(typed.record.placed).toBe('2024-01-05T13:02:03Z');
    expect(typed.violations.map((violation) => [violation.pointer, violation.keyword])).toEqual([
      ['/shipping/due', 'format'],
    ]);
    expect(fixed.record).toMatchObject({ placed: '2024-01-05T00:00:00Z', shipping: { due: '2024-01-07' } });
    expect(fixed.violations).toEqual([]);
  });

  it('writes dates as the format asks', () => {
    // Act
    const dateTime = implicitDate('2024.03.04', 'date-time');
    const date = implicitDate('2024-03-04T23:30:00Z', 'date');
    const none = implicitDate('soon', 'date');

    // Assess
    expect([dateTime, date, none]).toEqual(['2024-03-04T00:00:00Z', '2024-03-04', undefined]);
  });
});

describe('mapping warnings as violations', () => {
  it('points at the destination of the rule that warned', () => {
    // Act
    const violations = warningViolations([
      { mapping: 2, destination: 'person.${first name}', code: 'expression-error', message: 'boom' },
    ]);

    // Assess
    expect(violations).toEqual([
      { pointer: '/person/first name', keyword: 'mapping', message: 'mapping 2 (expression-error): boom' },
    ]);
    expect(destinationPointer('items[*].sku')).toBe('/items/*/sku');
    expect(destinationPointer('emails[0].address')).toBe('/emails/0/address');
    expect(destinationPointer('a\\.b/c')).toBe('/a.b~1c');
  });
});
