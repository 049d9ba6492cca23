/** A registry over the in-memory store, with a fixed clock and the namespaces `Email`, `ECID` and `CRMID`. */
import { SchemaRegistry } from '../../../lambdas/core/schemas/schema-registry';
import { InMemorySchemaStore } from '../../support/in-memory-schema-store';

export const SANDBOX = 'prod';
export const KNOWN_NAMESPACES = new Set(['Email', 'ECID', 'CRMID']);

export function newRegistry() {
  const store = new InMemorySchemaStore();
  const registry = new SchemaRegistry({
    store,
    namespaces: {
      canonicalCode: async (_sandbox, code) =>
        [...KNOWN_NAMESPACES].find((known) => known.toLowerCase() === code.toLowerCase()),
    },
    now: () => new Date('2025-01-02T03:04:05.000Z'),
  });
  return { store, registry };
}

/** A profile schema with a person's name and email, as most tests start from. */
export const personSchema = (extra: Record<string, unknown> = {}) => ({
  $id: 'https://example.com/schemas/person',
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email' },
    person: {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
      required: ['name'],
    },
    tier: { type: 'string', enum: ['gold', 'silver'] },
  },
  ...extra,
});

export const eventSchema = (extra: Record<string, unknown> = {}) => ({
  $id: 'https://example.com/schemas/page-view',
  type: 'object',
  properties: {
    _id: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    url: { type: 'string' },
  },
  required: ['_id', 'timestamp'],
  ...extra,
});
