import { randomBytes } from 'node:crypto';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
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

/** A map nested `depth` levels deep, with `leaf` at the bottom. */
const nested = (depth: number, leaf: unknown): unknown =>
  depth === 0 ? leaf : { level: nested(depth - 1, leaf) };
/** Text that does not compress (base64 of random bytes), so the item's size is the text's. */
const incompressible = (chars: number) => randomBytes((chars * 3) / 4).toString('base64');
/** A merge of about 96 KB: under the 100 KB record guardrail, and its own field. */
const bigMerge = (n: number): ApplyItem => ({
  ...record({
    email: 'big@b.co',
    [`blob${n}`]: incompressible(96_000),
    timestamp: `2024-01-01T00:00:0${n}Z`,
  }),
  operation: 'merge',
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

  it('stores what DynamoDB types cannot hold, refuses only what no item can, and never blocks the records after it', async () => {
    // Prepare
    const data = new DynamoProfileDataStore(profiles.documents, TABLE);
    const deps = {
      graph: new DynamoIdentityGraph({
        store: new DynamoGraphStore(profiles.documents, TABLE),
        guardrails: DEFAULT_PROFILE_GUARDRAILS,
      }),
      data,
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
      normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
    };
    const beyondSafeInteger = JSON.parse('{"n": 9007199254740993}') as { n: number };
    const items: ApplyItem[] = [
      record({ email: 'int@b.co', n: beyondSafeInteger.n }),
      record({ email: 'range@b.co', n: 1e200, tiny: 1e-200 }),
      record({ email: 'deep@b.co', deep: nested(40, 'bottom') }),
      ...[1, 2, 3, 4, 5, 6].map(bigMerge),
      record({ email: 'after@b.co', tier: 'gold' }),
    ];
    const event: ApplyItem = {
      record: {
        _id: 'e-odd',
        timestamp: '2024-05-01T00:00:00Z',
        n: 1e200,
        deep: nested(40, 'bottom'),
        identityMap: { Email: [{ id: 'int@b.co', primary: true }] },
      },
      source: { messageId: 'm-odd' },
      receivedAt: RECEIVED,
    };

    // Act
    const outcome = await applyToProfiles(deps, {
      sandbox: 'odd',
      dataset: { id: 'ds-odd', profileEnabled: true },
      schema: profileSchema,
      items,
    });
    const events = await applyToProfiles(deps, {
      sandbox: 'odd',
      dataset: { id: 'ds-odd-web', profileEnabled: true },
      schema: EVENT_SCHEMA,
      items: [event],
    });

    // Assess
    expect(outcome.results.map((result) => result.code ?? result.status)).toEqual([
      'applied',
      'applied',
      'applied',
      ...['applied', 'applied', 'applied', 'applied', 'applied'],
      'profile-item-too-large',
      'applied',
    ]);
    expect(outcome.results[8]?.reason).toContain('400 KB');
    expect(events.results).toEqual([{ index: 0, status: 'applied' }]);
    const attributesOf = async (id: string) =>
      (await data.fragmentsOf('odd', [{ namespace: 'Email', id }]))[0]?.attributes;
    expect((await attributesOf('int@b.co'))?.n).toBe(beyondSafeInteger.n);
    expect(await attributesOf('range@b.co')).toMatchObject({ n: 1e200, tiny: 1e-200 });
    expect((await attributesOf('deep@b.co'))?.deep).toEqual(nested(40, 'bottom'));
    expect(
      Object.keys((await attributesOf('big@b.co')) ?? {}).filter((name) => name.startsWith('blob')),
    ).toEqual(['blob1', 'blob2', 'blob3', 'blob4', 'blob5']);
    const big = await profiles.documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'odd#fragment#Email#big@b.co', sk: 'ds-odd' } }),
    );
    expect((big.Item?.history as Uint8Array).byteLength).toBeGreaterThan(350 * 1024);
    expect((await attributesOf('after@b.co'))?.tier).toBe('gold');
    const timeline = await data.eventsOf('odd', [{ namespace: 'Email', id: 'int@b.co' }], { limit: 1 });
    expect(timeline.items[0]?.body).toEqual(event.record);
  });
});
