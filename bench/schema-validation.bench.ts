/**
 * Schema validation throughput: the registry's cached validator (Ajv plus violation mapping) against a bare Ajv
 * validator compiled from the same schema, on the same generated records, in the same run.
 *
 *   npm run bench:validation
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { SchemaRegistry } from '../lambdas/core/schemas/schema-registry';
import { InMemorySchemaStore } from '../test/support/in-memory-schema-store';
import { isEntryPoint, type SummaryRow } from './bench-summary';

const RECORDS = 200_000;
/** One record in ten is invalid, roughly what a messy source sends; violations cost more than passes. */
const INVALID_EVERY = 10;
const ROUNDS = 3;

const schema = {
  $id: 'https://example.com/schemas/customer',
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email' },
    firstName: { type: 'string', maxLength: 100 },
    loyaltyPoints: { type: 'integer', minimum: 0 },
    tier: { type: 'string', enum: ['gold', 'silver', 'bronze'] },
    address: {
      type: 'object',
      properties: { city: { type: 'string' }, postalCode: { type: 'string', pattern: '^[0-9A-Z -]{3,10}$' } },
      required: ['city'],
    },
  },
  required: ['email'],
};

function records(): unknown[] {
  return Array.from({ length: RECORDS }, (_, i) =>
    i % INVALID_EVERY === 0
      ? { email: 'not-an-email', loyaltyPoints: -1, tier: 'platinum', address: {} }
      : {
          email: `user${i}@example.com`,
          firstName: `Name${i}`,
          loyaltyPoints: i % 5000,
          tier: ['gold', 'silver', 'bronze'][i % 3],
          address: { city: 'Lyon', postalCode: '69001' },
        },
  );
}

/** Best of a few rounds (records per second): the least disturbed by the other work on a shared machine. */
function rate(
  data: readonly unknown[],
  countViolations: (record: unknown) => number,
): { best: number; violations: number } {
  let best = 0;
  let violations = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = performance.now();
    for (const record of data) violations += countViolations(record);
    best = Math.max(best, data.length / ((performance.now() - started) / 1000));
  }
  return { best, violations };
}

export interface ValidationResult {
  readonly bareRate: number;
  readonly ourRate: number;
  /** Violations found, summed, so that no validation result goes unused. */
  readonly violations: number;
}

export async function measureValidation(): Promise<ValidationResult> {
  const data = records();
  const registry = new SchemaRegistry({
    store: new InMemorySchemaStore(),
    namespaces: { canonicalCode: async (_sandbox, code) => code },
  });
  await registry.register('prod', { title: 'Customer', class: 'profile', schema });
  const ours = await registry.validatorFor('prod', schema.$id, 1);

  const bare = new Ajv2020({ allErrors: true });
  addFormats(bare);
  const bareValidate = bare.compile(schema);

  const bareRun = rate(data, (record) => (bareValidate(record) ? 0 : (bareValidate.errors?.length ?? 0)));
  const ourRun = rate(data, (record) => ours(record).length);
  return { bareRate: bareRun.best, ourRate: ourRun.best, violations: bareRun.violations + ourRun.violations };
}

export async function schemaValidationSummary(): Promise<SummaryRow[]> {
  const { bareRate, ourRate } = await measureValidation();
  return [
    {
      row: 'schema validation: registry validator vs bare Ajv',
      measured: ourRate,
      baseline: bareRate,
      unit: 'records/s',
    },
  ];
}

if (isEntryPoint(import.meta.url)) {
  const { bareRate, ourRate, violations } = await measureValidation();
  console.log(
    `${RECORDS} records, one in ${INVALID_EVERY} invalid; ${violations} violations reported in all`,
  );
  console.table([
    { path: 'bare Ajv (baseline)', 'records/s': Math.round(bareRate), ratio: '1.00' },
    { path: 'registry validator', 'records/s': Math.round(ourRate), ratio: (ourRate / bareRate).toFixed(2) },
  ]);
}
