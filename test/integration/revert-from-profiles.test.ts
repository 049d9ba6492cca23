import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import { DynamoProfileDataStore } from '../../lambdas/adapters/dynamo-profile-data-store';
import {
  applyToProfiles,
  type ApplyInput,
  type ApplyItem,
} from '../../lambdas/core/profiles/apply-to-profiles';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS, type IdentityRef } from '../../lambdas/core/profiles/profile-ports';
import { revertFromProfiles } from '../../lambdas/core/profiles/revert-from-profiles';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';
import { EVENT_SCHEMA, emailProfileSchema } from '../support/profile-schemas';

const TABLE = 'profiles-revert';
const SANDBOX = 'prod';
const RECEIVED = '2024-06-01T00:00:00.000Z';
const CRM = { id: 'ds-crm', profileEnabled: true };
const WEB = { id: 'ds-web', profileEnabled: true };
const profileSchema = emailProfileSchema({ path: '/crmId', namespace: 'CRMID' });
const ANN: IdentityRef = { namespace: 'Email', id: 'ann@b.co' };
const BOB: IdentityRef = { namespace: 'Email', id: 'bob@b.co' };

const pageView = (id: string, email: string) => ({
  _id: id,
  timestamp: '2024-05-01T00:00:00Z',
  identityMap: { Email: [{ id: email, primary: true }] },
});

/** Batch A: two profile records and three events, one of which batch P delivered first. */
const A_RECORDS = [
  { email: 'Ann@B.co', crmId: 'C1', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' },
  { email: 'bob@b.co', crmId: 'C2', tier: 'silver', timestamp: '2024-01-01T00:00:00Z' },
  { tier: 'no primary identity' },
];
const A_EVENTS = [pageView('e1', 'ann@b.co'), pageView('e2', 'bob@b.co'), pageView('e3', 'bob@b.co')];

describe('reverting a batch from profiles in DynamoDB', () => {
  let profiles: ProfilesEmulator;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
  });
  afterAll(() => profiles.stop());

  it('removes what the batch still holds and the links only it made, keeps newer writes and links, removes nothing twice, and lets a replay store it again', async () => {
    // Prepare
    const graph = new DynamoIdentityGraph({
      store: new DynamoGraphStore(profiles.documents, TABLE),
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
    });
    const data = new DynamoProfileDataStore(profiles.documents, TABLE);
    const deps = {
      graph,
      data,
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
      normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
    };
    const apply = (
      dataset: ApplyInput['dataset'],
      schema: ApplyInput['schema'],
      batchId: string,
      records: unknown[],
    ) =>
      applyToProfiles(deps, {
        sandbox: SANDBOX,
        dataset,
        schema,
        items: records.map((record): ApplyItem => ({ record, source: { batchId }, receivedAt: RECEIVED })),
      });
    const revertA = async () => ({
      profiles: await revertFromProfiles(deps, {
        sandbox: SANDBOX,
        dataset: CRM,
        schema: profileSchema,
        batchId: 'A',
        records: A_RECORDS,
      }),
      events: await revertFromProfiles(deps, {
        sandbox: SANDBOX,
        dataset: WEB,
        schema: EVENT_SCHEMA,
        batchId: 'A',
        records: A_EVENTS,
      }),
    });
    const tiers = async () =>
      (await data.fragmentsOf(SANDBOX, [ANN, BOB]))
        .map(
          (fragment) =>
            `${fragment.identity.id}:${String(fragment.attributes.tier)}:${fragment.source.batchId}`,
        )
        .sort();
    const eventIds = async () =>
      (await data.eventsOf(SANDBOX, [ANN, BOB], { limit: 10 })).items
        .map((event) => `${event.eventId}:${event.source.batchId}`)
        .sort();
    await apply(WEB, EVENT_SCHEMA, 'P', [pageView('e3', 'bob@b.co')]);
    await apply(CRM, profileSchema, 'A', A_RECORDS);
    await apply(WEB, EVENT_SCHEMA, 'A', A_EVENTS);
    await apply(CRM, profileSchema, 'B', [
      { email: 'bob@b.co', crmId: 'C2', tier: 'platinum', timestamp: '2024-02-01T00:00:00Z' },
    ]);
    const before = { tiers: await tiers(), events: await eventIds() };

    // Act
    const reverted = await revertA();
    const after = { tiers: await tiers(), events: await eventIds() };
    const scan = await profiles.documents.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
    const graphs = { ann: await graph.resolve(SANDBOX, ANN), bob: await graph.resolve(SANDBOX, BOB) };
    const revertedAgain = await revertA();
    await apply(CRM, profileSchema, 'A', A_RECORDS);
    await apply(WEB, EVENT_SCHEMA, 'A', A_EVENTS);
    const reapplied = { tiers: await tiers(), events: await eventIds() };

    // Assess
    expect(before).toEqual({
      tiers: ['ann@b.co:gold:A', 'bob@b.co:platinum:B'],
      events: ['e1:A', 'e2:A', 'e3:P'],
    });
    expect(reverted).toEqual({
      profiles: { eventsRemoved: 0, fragmentsRemoved: 1, skipped: 1 },
      events: { eventsRemoved: 2, fragmentsRemoved: 0, skipped: 0 },
    });
    expect(after).toEqual({ tiers: ['bob@b.co:platinum:B'], events: ['e3:P'] });
    // No tombstone was left: the only fragment item is bob's, and it is live.
    const fragmentItems = (scan.Items ?? []).filter((item) => String(item.pk).includes('#fragment#'));
    expect(fragmentItems.map((item) => String(item.pk))).toEqual([`${SANDBOX}#fragment#Email#bob@b.co`]);
    expect(scan.Items?.some((item) => item.deleted === true)).toBe(false);
    // Ann came only through batch A: gone from the graph too. Bob keeps the link batch B made as well.
    expect(graphs.ann).toBeUndefined();
    expect(graphs.bob?.members.map((member) => member.identity)).toEqual(
      expect.arrayContaining([BOB, { namespace: 'CRMID', id: 'C2' }]),
    );
    expect(graphs.bob?.links.map((link) => link.source.batchId)).toEqual(['B']);
    expect(revertedAgain).toEqual({
      profiles: { eventsRemoved: 0, fragmentsRemoved: 0, skipped: 1 },
      events: { eventsRemoved: 0, fragmentsRemoved: 0, skipped: 0 },
    });
    expect(reapplied).toEqual(before);
  });
});
