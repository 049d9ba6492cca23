/**
 * Schemas and files of the batch end-to-end tests: an order schema with typed and nested fields (no identities, for
 * the format and upload tests), the files written in each format (Parquet with hyparquet-writer, as a producer
 * outside Tributary would write it), and the event and profile schemas whose records reach the profile store.
 */
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';

export const ORDER_SCHEMA_ID = 'https://example.com/schemas/batch-order';

/** Typed scalars (lake columns of their own), a nested object reached by dotted CSV columns, two required fields. */
export const ORDER_SCHEMA = {
  title: 'Order line',
  class: 'profile',
  schema: {
    $id: ORDER_SCHEMA_ID,
    type: 'object',
    properties: {
      orderId: { type: 'string' },
      quantity: { type: 'integer', minimum: 1 },
      price: { type: 'number' },
      gift: { type: 'boolean' },
      customer: { type: 'object', properties: { name: { type: 'string' }, city: { type: 'string' } } },
      note: { type: 'string' },
    },
    required: ['orderId', 'quantity'],
  },
} as const;

export const VISIT_SCHEMA_ID = 'https://example.com/schemas/batch-visit';

/** Events keyed by `_id`, whose primary identity is the Email. */
export const VISIT_SCHEMA = {
  title: 'Batch visit',
  class: 'event',
  schema: {
    $id: VISIT_SCHEMA_ID,
    type: 'object',
    properties: {
      _id: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      email: { type: 'string' },
      page: { type: 'string' },
    },
    required: ['_id', 'timestamp', 'email'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
} as const;

export const MEMBER_SCHEMA_ID = 'https://example.com/schemas/batch-member';

/** Profile records keyed by Email, with a CRM id to find them by. */
export const MEMBER_SCHEMA = {
  title: 'Batch member',
  class: 'profile',
  schema: {
    $id: MEMBER_SCHEMA_ID,
    type: 'object',
    properties: {
      email: { type: 'string' },
      crmId: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      tier: { type: 'string' },
    },
    required: ['email', 'crmId'],
  },
  identities: [
    { path: '/email', namespace: 'Email', primary: true },
    { path: '/crmId', namespace: 'CRMID' },
  ],
} as const;

/** One JSON document per line, with a final line end. */
export const jsonLines = (records: readonly unknown[]): string =>
  `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A Parquet file of the given columns, cut into row groups of `rowGroupSize` rows. */
export const parquetFile = (columnData: ColumnSource[], rowGroupSize: number): Uint8Array =>
  new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize }));

/** A visit event of `email` on `page` (one fixed day, so every lake file is in one date folder). */
export const visit = (id: string, email: unknown, page = '/home') => ({
  _id: id,
  timestamp: '2026-03-01T10:00:00.000Z',
  email,
  page,
});
