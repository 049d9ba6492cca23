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
import { DEFAULT_PROFILE_GUARDRAILS } from '../../lambdas/core/profiles/profile-ports';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';
import { EVENT_SCHEMA, emailProfileSchema } from '../support/profile-schemas';

const TABLE = 'profiles-apply';
const RECEIVED = '2024-06-01T00:00:00.000Z';
const profileSchema = emailProfileSchema({ path: '/phone', namespace: 'Phone' });
const record = (fields: Record<string, unknown>): ApplyItem => ({
  record: fields,
  source: { batchId: 'b1' },
  receivedAt: RECEIVED,
});

describe('applying records to profiles in DynamoDB', () => {
  let profiles: ProfilesEmulator;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
  });
  afterAll(() => profiles.stop());

  it('stores records and events with the real graph, and a redelivery changes nothing and costs no write', async () => {
    // Prepare
    const graphStore = new DynamoGraphStore(profiles.documents, TABLE);
    const graph = new DynamoIdentityGraph({ store: graphStore, guardrails: DEFAULT_PROFILE_GUARDRAILS });
    const data = new DynamoProfileDataStore(profiles.documents, TABLE);
    const deps = {
      graph,
      data,
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
      normalizer: new IdentityNormalizer({
        maxIdentityLength: 1024,
        hashing: { namespaces: ['Phone'], secret: 'k' },
      }),
      graphWriteUnits: () => graphStore.writeUnits,
    };
    const records = [
      record({
        email: 'Ann@B.co',
        phone: '+33 6 12 34 56 78',
        tier: 'gold',
        timestamp: '2024-01-01T00:00:00Z',
      }),
      record({ email: 'bob@b.co', phone: '+33612345678', tier: 'silver', timestamp: '2024-01-01T00:00:00Z' }),
    ];
    const events: ApplyItem[] = [
      {
        record: {
          _id: 'e1',
          timestamp: '2024-05-01T00:00:00Z',
          identityMap: { Email: [{ id: 'bob@b.co', primary: true }] },
        },
        source: { messageId: 'm1' },
        receivedAt: RECEIVED,
      },
    ];
    const apply = (schema: ApplyInput['schema'], datasetId: string, items: ApplyItem[]) =>
      applyToProfiles(deps, {
        sandbox: 'prod',
        dataset: { id: datasetId, profileEnabled: true },
        schema,
        items,
      });

    // Act
    const first = await apply(profileSchema, 'ds-crm', records);
    const firstEvents = await apply(EVENT_SCHEMA, 'ds-web', events);
    const scanBefore = await profiles.documents.send(new ScanCommand({ TableName: TABLE }));
    const again = await apply(profileSchema, 'ds-crm', records);
    const againEvents = await apply(EVENT_SCHEMA, 'ds-web', events);
    const scanAfter = await profiles.documents.send(new ScanCommand({ TableName: TABLE }));

    // Assess
    expect(first.results.map((result) => result.status)).toEqual(['applied', 'applied']);
    expect(firstEvents.results.map((result) => result.status)).toEqual(['applied']);
    expect(first.writeUnits).toBeGreaterThan(2);
    expect(again.results.map((result) => result.status)).toEqual(['unchanged', 'unchanged']);
    expect(againEvents.results.map((result) => result.status)).toEqual(['unchanged']);
    expect(again.writeUnits + againEvents.writeUnits).toBe(0);
    expect(scanAfter.Items).toEqual(scanBefore.Items);
    const ann = await graph.resolve('prod', { namespace: 'Email', id: 'ann@b.co' });
    const bob = await graph.resolve('prod', { namespace: 'Email', id: 'bob@b.co' });
    expect(ann?.graphId).toBe(bob?.graphId);
    expect(ann?.members.map((member) => member.identity.namespace).sort()).toEqual([
      'Email',
      'Email',
      'Phone',
    ]);
    const members = ann?.members.map((member) => member.identity) ?? [];
    expect(
      (await data.fragmentsOf('prod', members)).map((fragment) => fragment.attributes.tier).sort(),
    ).toEqual(['gold', 'silver']);
    expect((await data.eventsOf('prod', members, { limit: 10 })).items.map((item) => item.eventId)).toEqual([
      'e1',
    ]);
  });
});
