/**
 * Applying a mapping set never throws, whatever the row: arbitrary JSON values, and objects whose fields (those the
 * rules read, prototype names, anything) hold arbitrary JSON. The record is always plain JSON and every warning
 * names a rule of the set (or the whole row).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import { CONTEXT } from './mapping-fixture';
import { ORDER_TO_EXPERIENCE_EVENT } from './order-mapping';

const MORE_RULES: readonly MappingRule[] = [
  {
    sourceType: 'EXPRESSION',
    source: 'format(date(placedAt), "EEEE d MMMM yyyy HH:mm XXX")',
    destination: 'a.when',
  },
  { sourceType: 'EXPRESSION', source: 'date_part("week", placedAt)', destination: 'a.week' },
  { sourceType: 'EXPRESSION', source: 'json_to_object(payload).info', destination: 'a.info' },
  { sourceType: 'EXPRESSION', source: 'explode(tags, "\\\\s*,\\\\s*")', destination: 'a.tags' },
  { sourceType: 'EXPRESSION', source: 'extract_regex(orderId, "([A-Z]+)-(\\\\d+)")', destination: 'a.parts' },
  { sourceType: 'EXPRESSION', source: 'get_url_query_str(landingPage, "append")', destination: 'a.query' },
  { sourceType: 'EXPRESSION', source: 'str_to_object(payload, "=", ";").get("k")', destination: 'a.k' },
  { sourceType: 'EXPRESSION', source: 'arrays_to_object("sku", items, "n", tags)', destination: 'a.zipped' },
  { sourceType: 'EXPRESSION', source: 'max(total, items[*].qty) + min(1, 2)', destination: 'a.lines[*].max' },
  { sourceType: 'EXPRESSION', source: 'lpad(orderId, to_integer(total), "0")', destination: 'a.padded' },
  { sourceType: 'EXPRESSION', source: 'object_to_map(items, "sku")', destination: 'a.bySku' },
  {
    sourceType: 'EXPRESSION',
    source: '${__proto__}.polluted == true || constructor',
    destination: 'a.proto',
  },
  { sourceType: 'ATTRIBUTE', source: 'items[*]', destination: 'a.copies[*]' },
  { sourceType: 'ATTRIBUTE', source: 'customer', destination: 'a.customer' },
  { sourceType: 'ATTRIBUTE', source: 'customer.email', destination: 'a.customer.contact' },
];

const RULES = [...ORDER_TO_EXPERIENCE_EVENT, ...MORE_RULES];

/** Whether the value is JSON as `JSON.parse` gives it: finite numbers, no undefined, plain objects and arrays. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.length === Object.keys(value).length && value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isPlainJson);
}
const KNOWN_CODES = ['expression-error', 'path-error', 'destination-conflict', 'invalid-row'];

const field = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    '2024-03-01 14:30:00',
    '12112020',
    'A-1001',
    ' Ada@Example.COM ',
    '59.85',
    'https://a.b/c?d=e#f',
  ),
);
const item = fc.dictionary(fc.constantFrom('sku', 'title', 'qty', 'unitPrice', '__proto__', 'x'), field, {
  maxKeys: 5,
});
const order = fc.record(
  {
    orderId: field,
    placedAt: field,
    total: field,
    currency: field,
    payment: fc.oneof(fc.record({ method: field }), field),
    customer: fc.oneof(fc.record({ email: field }), field),
    landingPage: field,
    shipping: field,
    payload: field,
    tags: field,
    items: fc.oneof(fc.array(fc.oneof(item, field), { maxLength: 5 }), field),
    __proto__: field,
    constructor: field,
  },
  { requiredKeys: [] },
);

describe('applying a mapping set', () => {
  it('never throws, always gives a JSON record, and only warns about its own rules', () => {
    const set = compileMappingSet(RULES);
    fc.assert(
      fc.property(fc.oneof(order, fc.jsonValue(), fc.anything()), (row) => {
        // Prepare
        const parsedRow = row;

        // Act
        const { record, warnings } = set.apply(parsedRow, CONTEXT);

        // Assess
        expect(isPlainJson(record)).toBe(true);
        for (const warning of warnings) {
          expect(warning.mapping === -1 || RULES[warning.mapping]?.destination === warning.destination).toBe(
            true,
          );
          expect(KNOWN_CODES).toContain(warning.code);
        }
      }),
      { numRuns: 500 },
    );
  });
});
