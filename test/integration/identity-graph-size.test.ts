/**
 * The graph item's size budget against the DynamoDB emulator, which refuses items over 400 KB as DynamoDB does:
 * a record the item cannot hold is refused for good before anything is written, instead of failing on DynamoDB's
 * limit (a retryable store error, retried until the records behind it gave up).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import { MAX_GRAPH_ITEM_BYTES } from '../../lambdas/core/profiles/graph-budget';
import {
  DynamoIdentityGraph,
  GRAPH_REFUSAL_CODES,
  GraphRefusedError,
} from '../../lambdas/core/profiles/identity-graph';
import { DEFAULT_PROFILE_GUARDRAILS, type IdentityRef } from '../../lambdas/core/profiles/profile-ports';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const TABLE = 'profiles-graph-size';
const SANDBOX = 'prod';
/** Close to the longest identity the guardrails accept (1,024 characters). */
const LONG_ID_LENGTH = 1000;
/** Each dataset that links the record adds 19 links of about 4 KB: the fourth takes the item past the budget. */
const DATASETS = 5;

describe('the identity graph item size against the DynamoDB emulator', () => {
  let profiles: ProfilesEmulator;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
  });
  afterAll(() => profiles.stop());

  it('refuses for good, with no write, a record the graph item cannot hold, and never writes an item over the budget', async () => {
    // Prepare: a record of as many identities as a record may hold, each nearly as long as an identity may be
    const store = new DynamoGraphStore(profiles.documents, TABLE);
    const graph = new DynamoIdentityGraph({ store, guardrails: DEFAULT_PROFILE_GUARDRAILS });
    const identities: IdentityRef[] = Array.from(
      { length: DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerRecord },
      (_, k) => ({ namespace: 'CRMID', id: String(k).padStart(LONG_ID_LENGTH, 'x') }),
    );

    // Act: the same record in one dataset after another
    const outcomes: { outcome: unknown; writeUnits: number }[] = [];
    for (let dataset = 1; dataset <= DATASETS; dataset += 1) {
      const before = store.writeUnits;
      const source = { datasetId: `ds-${dataset}`, batchId: `b-${dataset}`, at: '2024-01-01T00:00:00.000Z' };
      const outcome = await graph.link(SANDBOX, identities, source).then(
        () => 'linked',
        (error: unknown) => error,
      );
      outcomes.push({ outcome, writeUnits: store.writeUnits - before });
    }
    const scan = await profiles.documents.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
    const graphItems = (scan.Items ?? []).filter((item) => String(item.pk).startsWith(`${SANDBOX}#graph#`));
    const views = await Promise.all(identities.map((identity) => graph.resolve(SANDBOX, identity)));

    // Assess
    expect(outcomes.slice(0, 3).map(({ outcome }) => outcome)).toEqual(['linked', 'linked', 'linked']);
    for (const { outcome, writeUnits } of outcomes.slice(3)) {
      expect(outcome).toBeInstanceOf(GraphRefusedError);
      expect(outcome).toMatchObject({ code: GRAPH_REFUSAL_CODES.tooLarge, kind: 'too-large' });
      expect(writeUnits).toBe(0);
    }
    expect(graphItems).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(graphItems[0]), 'utf8')).toBeLessThanOrEqual(
      MAX_GRAPH_ITEM_BYTES,
    );
    expect(new Set(views.map((view) => view?.graphId)).size).toBe(1);
    expect(views[0]?.links).toHaveLength(3 * (identities.length - 1));
  });
});
