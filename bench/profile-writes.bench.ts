/**
 * DynamoDB write units per record that the pipeline entry point (`applyToProfiles`) spends on the profile store,
 * with the real adapters and the real identity graph against the embedded DynamoDB emulator, for the cases that
 * decide its cost. Baseline, in the same run: one bare PutItem of the same record — the floor any store of it pays.
 *
 * Write units are what DynamoDB reports (`ReturnConsumedCapacity: 'TOTAL'`), summed by a middleware on the client
 * over every write request of any kind, so nothing an adapter forgets to count escapes; a refused conditional write
 * (which AWS bills at least one unit for, and the emulator reports nothing for) is counted as one.
 *
 *   npm run bench:profiles
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoGraphStore } from '../lambdas/adapters/dynamo-graph-store';
import { DynamoProfileDataStore } from '../lambdas/adapters/dynamo-profile-data-store';
import { applyToProfiles, type ApplyInput, type ApplyItem } from '../lambdas/core/profiles/apply-to-profiles';
import type { UpsertOperation } from '../lambdas/core/profiles/fragments';
import { DynamoIdentityGraph } from '../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../lambdas/core/profiles/profile-ports';
import { startProfilesEmulator } from '../test/support/profiles-emulator';
import { EVENT_SCHEMA, emailProfileSchema } from '../test/support/profile-schemas';
import { isEntryPoint, type SummaryRow } from './bench-summary';

/** Profiles per case: enough that the per-record average is steady, few enough to run in seconds. */
const PROFILES = 200;
const TABLE = 'profiles-bench';
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

const profileSchema = emailProfileSchema({ path: '/crmId', namespace: 'CRMID' });

/** A realistic profile record of about 0.6 KB: a name, an address, loyalty, consents. */
function customer(email: string, crmId: string, tier: string, day: number): Record<string, unknown> {
  return {
    email,
    crmId,
    timestamp: `2024-01-${String(day).padStart(2, '0')}T00:00:00Z`,
    person: { name: { firstName: 'Ann', lastName: 'Lee' }, birthDate: '1990-04-01' },
    homeAddress: { street1: '1 Main Street', city: 'Lyon', postalCode: '69001', country: 'FR' },
    loyalty: { tier, points: 1200, joinDate: '2020-01-01' },
    consents: { marketing: { email: { val: 'y' }, sms: { val: 'n' } } },
  };
}

/** The same customer with 60 past orders: about 6 KB of JSON, where storing it compressed tells. */
function customerWithOrders(email: string, crmId: string, day: number): Record<string, unknown> {
  const orders = Array.from({ length: 60 }, (_, n) => ({
    orderId: `${crmId}-${1000 + n}`,
    date: `2023-${String((n % 12) + 1).padStart(2, '0')}-15`,
    total: 20 + n,
    currency: 'EUR',
  }));
  return { ...customer(email, crmId, 'gold', day), orders };
}

const item = (record: Record<string, unknown>, operation?: UpsertOperation): ApplyItem => ({
  record,
  source: { batchId: 'bench' },
  receivedAt: '2024-06-01T00:00:00Z',
  ...(operation ? { operation } : {}),
});

export interface Row {
  readonly case: string;
  readonly unitsPerRecord: number;
  readonly requestsPerRecord: number;
}

/**
 * Write units per record of each case, with the baseline first; starts the embedded DynamoDB and stops it.
 */
export async function measureProfileWrites(): Promise<Row[]> {
  const profiles = await startProfilesEmulator(TABLE);
  const { client, documents } = profiles;

  let writeUnits = 0;
  let writeRequests = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!WRITE_COMMANDS.has(context.commandName ?? '')) return next(args);
      writeRequests += 1;
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity = 'TOTAL';
      try {
        const result = await next(args);
        const consumed = (
          result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }
        ).ConsumedCapacity;
        for (const entry of [consumed ?? []].flat()) writeUnits += entry.CapacityUnits ?? 0;
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') writeUnits += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'countWriteUnits' },
  );

  try {
    const graph = new DynamoIdentityGraph({
      store: new DynamoGraphStore(documents, TABLE),
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
    });
    const deps = {
      graph,
      data: new DynamoProfileDataStore(documents, TABLE),
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
      normalizer: new IdentityNormalizer({ maxIdentityLength: DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength }),
    };
    /** Runs one record per call (the streaming worst case: nothing to coalesce) and answers the average cost. */
    async function measure(
      name: string,
      schema: ApplyInput['schema'],
      records: Record<string, unknown>[],
      operation?: UpsertOperation,
    ): Promise<Row> {
      const unitsBefore = writeUnits;
      const requestsBefore = writeRequests;
      for (const record of records) {
        const outcome = await applyToProfiles(deps, {
          sandbox: 'prod',
          dataset: { id: schema.class === 'event' ? 'ds-web' : 'ds-crm', profileEnabled: true },
          schema,
          items: [item(record, operation)],
        });
        const failed = outcome.results.find((result) => result.status === 'failed');
        if (failed) throw new Error(`${name}: ${failed.reason}`);
      }
      return {
        case: name,
        unitsPerRecord: (writeUnits - unitsBefore) / records.length,
        requestsPerRecord: (writeRequests - requestsBefore) / records.length,
      };
    }

    const range = Array.from({ length: PROFILES }, (_, i) => i);
    const baselineBefore = writeUnits;
    for (const i of range) {
      await documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: `prod#baseline#${i}`, sk: 'ds-crm', ...customer(`base${i}@b.co`, `B${i}`, 'gold', 1) },
        }),
      );
    }
    const baseline: Row = {
      case: 'baseline: bare PutItem',
      unitsPerRecord: (writeUnits - baselineBefore) / PROFILES,
      requestsPerRecord: 1,
    };

    /** The profiles' second record: one attribute changed (sent twice, the second time a redelivery). */
    const goldOnDay2 = (i: number) => customer(`a${i}@b.co`, `A${i}`, 'gold', 2);
    /** A page view of the first profiles (sent twice, the second time a redelivery). */
    const pageView = (i: number) => ({
      _id: `e${i}`,
      timestamp: '2024-05-01T00:00:00Z',
      eventType: 'web.webpagedetails.pageViews',
      web: { webPageDetails: { URL: 'https://example.com/products/1', name: 'product' } },
      identityMap: { Email: [{ id: `a${i}@b.co`, primary: true }] },
    });

    const rows: Row[] = [baseline];
    rows.push(
      await measure(
        'new profile',
        profileSchema,
        range.map((i) => customer(`a${i}@b.co`, `A${i}`, 'silver', 1)),
      ),
    );
    rows.push(await measure('update of one attribute', profileSchema, range.map(goldOnDay2)));
    rows.push(await measure('unchanged record (redelivery)', profileSchema, range.map(goldOnDay2)));
    /** A partial update of the loyalty points at an hour of day 2 (a `merge` upsert). */
    const pointsAt = (hour: number) => (i: number) => ({
      email: `a${i}@b.co`,
      crmId: `A${i}`,
      timestamp: `2024-01-02T${String(hour).padStart(2, '0')}:00:00Z`,
      loyalty: { points: 1200 + hour },
    });
    rows.push(await measure('merge of one attribute', profileSchema, range.map(pointsAt(1)), 'merge'));
    rows.push(await measure('second merge of one attribute', profileSchema, range.map(pointsAt(2)), 'merge'));
    await measure(
      '(setup: second profiles)',
      profileSchema,
      range.map((i) => customer(`z${i}@b.co`, `Z${i}`, 'silver', 1)),
    );
    rows.push(
      await measure(
        'two-graph merge',
        profileSchema,
        range.map((i) => customer(`a${i}@b.co`, `Z${i}`, 'gold', 3)),
      ),
    );
    rows.push(
      await measure(
        'update of a 6 KB record',
        profileSchema,
        range.map((i) => customerWithOrders(`a${i}@b.co`, `A${i}`, 4)),
      ),
    );
    rows.push(await measure('new event', EVENT_SCHEMA, range.map(pageView)));
    rows.push(await measure('redelivered event', EVENT_SCHEMA, range.map(pageView)));

    return rows;
  } finally {
    await profiles.stop();
  }
}

export function profileWritesSummary(rows: readonly Row[]): SummaryRow[] {
  const [baseline, ...cases] = rows;
  return cases.map((row) => ({
    row: `profile store: ${row.case} vs bare PutItem`,
    measured: row.unitsPerRecord,
    baseline: baseline!.unitsPerRecord,
    unit: 'write units/record',
    digits: 2,
  }));
}

if (isEntryPoint(import.meta.url)) {
  const rows = await measureProfileWrites();
  const baseline = rows[0]!;
  console.log(
    `${PROFILES} records per case, one record per call, real adapters and graph on the embedded DynamoDB`,
  );
  console.table(
    rows.map((row) => ({
      case: row.case,
      'write units / record': row.unitsPerRecord.toFixed(2),
      'write requests / record': row.requestsPerRecord.toFixed(2),
      'ratio to baseline': (row.unitsPerRecord / baseline.unitsPerRecord).toFixed(2),
    })),
  );
}
