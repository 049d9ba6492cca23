import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileMappingSet } from '../../../lambdas/core/mapping/compile-mapping-set';
import { CONTEXT, FIXED_NOW } from './mapping-fixture';
import { ORDER_TO_EXPERIENCE_EVENT } from './order-mapping';

const RAW_ORDER = {
  orderId: 'A-1001',
  placedAt: '2024-03-01 14:30:00',
  total: '59.85',
  currency: ' eur ',
  payment: { method: 'CC' },
  customer: { email: '  Ada.Lovelace@Example.COM ' },
  landingPage: 'https://shop.example.com/spring?utm_source=mail',
  shipping: { line1: '12 Analytical Row', city: 'London', country: 'GB' },
  items: [
    { sku: 'MUG-01', title: 'Mug', qty: '2', unitPrice: 9.95 },
    { sku: 'TEA-07', title: 'Earl Grey', qty: 1, unitPrice: '39.95' },
  ],
};

describe('mapping a raw e-commerce order to an ExperienceEvent', () => {
  it('builds the event: ids, totals, product list items and the e-mail identity', () => {
    // Prepare
    const set = compileMappingSet(ORDER_TO_EXPERIENCE_EVENT);

    // Act
    const { record, warnings } = set.apply(RAW_ORDER, CONTEXT);

    // Assess
    expect(warnings).toEqual([]);
    expect(record).toEqual({
      _id: 'order-A-1001',
      timestamp: '2024-03-01T14:30:00Z',
      eventType: 'commerce.purchases',
      commerce: {
        purchases: { value: 1 },
        order: {
          purchaseID: 'A-1001',
          priceTotal: 59.85,
          currencyCode: 'EUR',
          payments: [{ paymentType: 'credit_card' }],
        },
      },
      productListItems: [
        { SKU: 'MUG-01', name: 'Mug', quantity: 2, priceTotal: 19.9, currencyCode: 'EUR' },
        { SKU: 'TEA-07', name: 'Earl Grey', quantity: 1, priceTotal: 39.95, currencyCode: 'EUR' },
      ],
      identityMap: { Email: [{ id: 'ada.lovelace@example.com', primary: true }] },
      tenant: {
        hashedEmail: createHash('sha256').update('ada.lovelace@example.com').digest('hex'),
        basketSize: 'small',
      },
      shipping: { address: { line1: '12 Analytical Row', city: 'London', country: 'GB' } },
      web: { webReferrer: { host: 'shop.example.com' } },
    });
  });

  it('keeps the rest of the event when some fields cannot be mapped', () => {
    // Prepare
    const set = compileMappingSet(ORDER_TO_EXPERIENCE_EVENT);
    const order = {
      orderId: 'A-1002',
      placedAt: 'yesterday',
      total: 'free',
      items: [{ sku: 'X', qty: 'a few', unitPrice: 1 }],
    };

    // Act
    const { record, warnings } = set.apply(order, CONTEXT);

    // Assess
    expect(record).toEqual({
      _id: 'order-A-1002',
      timestamp: FIXED_NOW,
      eventType: 'commerce.purchases',
      commerce: {
        purchases: { value: 1 },
        order: { purchaseID: 'A-1002', payments: [{ paymentType: 'other' }] },
      },
      productListItems: [{ SKU: 'X' }],
      tenant: { basketSize: 'small' },
    });
    expect(warnings.map((warning) => [warning.destination, warning.message])).toEqual([
      ['commerce.order.priceTotal', 'to_decimal: argument 1 (input) does not hold a number'],
      [
        'productListItems[*].quantity',
        'productListItems[0]: to_integer: argument 1 (input) does not hold a number',
      ],
      [
        'productListItems[*].priceTotal',
        'productListItems[0]: the operator * needs numbers, not a number and text',
      ],
    ]);
  });
});
