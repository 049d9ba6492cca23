/**
 * The identity graph's convergence properties (test/support/graph-properties.ts) against the DynamoDB emulator:
 * concurrent writers with crashes injected, linking alone, and batches reverted while other records are linked.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import { linkingConverges, revertingConverges } from '../support/graph-properties';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const TABLE = 'profiles-graph-convergence';
/** The acceptance criterion of issue 3: at least 200 generated cases in CI, for each property. */
const CASES = 200;
/** Fixed so a CI failure reproduces; override with GRAPH_PROPERTY_SEED to explore other cases. */
const SEED = Number(process.env.GRAPH_PROPERTY_SEED ?? 20240103);

describe('identity graph convergence (property, DynamoDB emulator)', () => {
  let profiles: ProfilesEmulator;
  const world = () => ({ store: () => new DynamoGraphStore(profiles.documents, TABLE) });

  /** No claim or split is left anywhere: every intent was finished by someone. */
  const pendingIntents = async () =>
    (
      await profiles.client.send(
        new ScanCommand({
          TableName: TABLE,
          FilterExpression: 'attribute_exists(#claim) OR attribute_exists(#split)',
          ExpressionAttributeNames: { '#claim': 'claim', '#split': 'split' },
        }),
      )
    ).Count;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
    console.info(`identity graph properties: seed ${SEED} (set GRAPH_PROPERTY_SEED to change)`);
  });
  afterAll(() => profiles.stop());

  it(`converges to the connected components in ${CASES} generated cases`, { timeout: 300_000 }, async () => {
    // Act
    await fc.assert(linkingConverges(world()), { numRuns: CASES, seed: SEED });

    // Assess
    expect(await pendingIntents()).toBe(0);
  });

  it(
    `converges to the components of what was not reverted, with reverts racing links, in ${CASES} cases`,
    { timeout: 300_000 },
    async () => {
      // Act
      await fc.assert(revertingConverges(world()), { numRuns: CASES, seed: SEED });

      // Assess
      expect(await pendingIntents()).toBe(0);
    },
  );
});
