/** A realistic mapping set: a raw e-commerce order (nested items) to an XDM-like ExperienceEvent. */
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';

export const ORDER_TO_EXPERIENCE_EVENT: readonly MappingRule[] = [
  { sourceType: 'EXPRESSION', source: 'concat("order-", orderId)', destination: '_id' },
  {
    sourceType: 'EXPRESSION',
    source: 'date(placedAt, "yyyy-MM-dd HH:mm:ss", now())',
    destination: 'timestamp',
  },
  { sourceType: 'STATIC', source: 'commerce.purchases', destination: 'eventType' },
  { sourceType: 'STATIC', source: 1, destination: 'commerce.purchases.value' } as unknown as MappingRule,
  { sourceType: 'ATTRIBUTE', source: 'orderId', destination: 'commerce.order.purchaseID' },
  { sourceType: 'EXPRESSION', source: 'to_decimal(total)', destination: 'commerce.order.priceTotal' },
  { sourceType: 'EXPRESSION', source: 'upper(trim(currency))', destination: 'commerce.order.currencyCode' },
  {
    sourceType: 'EXPRESSION',
    source: 'decode(lower(payment.method), "cc", "credit_card", "pp", "paypal", "other")',
    destination: 'commerce.order.payments[0].paymentType',
  },
  { sourceType: 'ATTRIBUTE', source: 'items[*].sku', destination: 'productListItems[*].SKU' },
  { sourceType: 'ATTRIBUTE', source: 'items[*].title', destination: 'productListItems[*].name' },
  {
    sourceType: 'EXPRESSION',
    source: 'to_integer(items[*].qty)',
    destination: 'productListItems[*].quantity',
  },
  {
    sourceType: 'EXPRESSION',
    source: 'items[*].unitPrice * items[*].qty',
    destination: 'productListItems[*].priceTotal',
  },
  {
    sourceType: 'EXPRESSION',
    source: 'iif(items[*] == null, null, upper(trim(currency)))',
    destination: 'productListItems[*].currencyCode',
  },
  { sourceType: 'EXPRESSION', source: 'lower(trim(customer.email))', destination: 'identityMap.Email[0].id' },
  {
    sourceType: 'EXPRESSION',
    source: 'iif(contains_key("customer.email"), true, nullify())',
    destination: 'identityMap.Email[0].primary',
  },
  {
    sourceType: 'EXPRESSION',
    source: 'sha256(lower(trim(customer.email)))',
    destination: 'tenant.hashedEmail',
  },
  { sourceType: 'ATTRIBUTE', source: 'shipping', destination: 'shipping.address' },
  { sourceType: 'EXPRESSION', source: 'get_url_host(landingPage)', destination: 'web.webReferrer.host' },
  {
    sourceType: 'EXPRESSION',
    source: 'size_of(items) > 3 ? "large" : "small"',
    destination: 'tenant.basketSize',
  },
];
