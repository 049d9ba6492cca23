import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyToProfiles, type ApplyItem } from '../../../lambdas/core/profiles/apply-to-profiles';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import {
  applyChange,
  arrivalOrder,
  type FragmentChange,
  type UpsertOperation,
} from '../../../lambdas/core/profiles/fragments';
import { MemoryGraph, MemoryProfileData } from '../../support/profile-apply-fakes';
import { EVENT_SCHEMA, emailProfileSchema } from '../../support/profile-schemas';

const RECEIVED = '2024-06-01T00:00:00.000Z';
const profileSchema = emailProfileSchema({ path: '/crmId', namespace: 'CRMID' });

function setup() {
  const graph = new MemoryGraph();
  const data = new MemoryProfileData();
  const deps = {
    graph,
    data,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
  };
  const apply = (items: ApplyItem[], schema = profileSchema, profileEnabled = true) =>
    applyToProfiles(deps, { sandbox: 'prod', dataset: { id: 'ds1', profileEnabled }, schema, items });
  return { graph, data, apply };
}

const record = (fields: Record<string, unknown>, operation?: UpsertOperation): ApplyItem => ({
  record: fields,
  source: { batchId: 'b1' },
  receivedAt: RECEIVED,
  ...(operation ? { operation } : {}),
});
const event = (id: string, email: string, timestamp = '2024-05-01T00:00:00Z'): ApplyItem => ({
  record: { _id: id, timestamp, identityMap: { Email: [{ id: email, primary: true }] } },
  source: { messageId: `m-${id}` },
  receivedAt: RECEIVED,
});

describe('applying records to profiles', () => {
  it('stores a fragment under the primary identity and links the record identities', async () => {
    // Prepare
    const { graph, data, apply } = setup();

    // Act
    const outcome = await apply([
      record({ email: 'A@B.co', crmId: 'C1', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' }),
    ]);

    // Assess
    expect(outcome.results).toEqual([{ index: 0, status: 'applied' }]);
    expect(outcome.writeUnits).toBe(1);
    expect([...data.fragments.values()]).toMatchObject([
      {
        datasetId: 'ds1',
        identity: { namespace: 'Email', id: 'a@b.co' },
        attributes: { tier: 'gold' },
        timestamp: '2024-01-01T00:00:00.000Z',
        source: { datasetId: 'ds1', batchId: 'b1', at: '2024-01-01T00:00:00.000Z' },
      },
    ]);
    expect(graph.links).toEqual([
      {
        identities: [
          { namespace: 'Email', id: 'a@b.co' },
          { namespace: 'CRMID', id: 'C1' },
        ],
        source: { datasetId: 'ds1', batchId: 'b1', at: '2024-01-01T00:00:00.000Z' },
      },
    ]);
  });

  it('coalesces the records of one identity into one write and one link, folding merges in order', async () => {
    // Prepare
    const { graph, data, apply } = setup();

    // Act
    const outcome = await apply([
      record({ email: 'a@b.co', crmId: 'C1', tier: 'silver', points: 1, timestamp: '2024-01-01T00:00:00Z' }),
      record({ email: 'a@b.co', crmId: 'C1', points: 2, timestamp: '2024-01-02T00:00:00Z' }, 'merge'),
      record({ email: 'a@b.co', crmId: 'C1', tier: 'gold', timestamp: '2024-01-03T00:00:00Z' }, 'merge'),
    ]);

    // Assess
    expect(outcome.results.map((result) => result.status)).toEqual(['applied', 'applied', 'applied']);
    expect(data.writes).toBe(1);
    expect(outcome.writeUnits).toBe(1);
    expect(graph.links).toHaveLength(1);
    expect([...data.fragments.values()][0]?.attributes).toEqual({
      email: 'a@b.co',
      crmId: 'C1',
      tier: 'gold',
      points: 2,
      timestamp: '2024-01-03T00:00:00Z',
    });
  });

  it('costs no write when the same records are redelivered, any number of times', async () => {
    // Prepare
    const { data, apply } = setup();
    const items = [
      record({ email: 'a@b.co', crmId: 'C1', tier: 'gold' }),
      record({ email: 'x@y.co', tier: 'silver' }),
    ];
    await apply(items);
    const stored = structuredClone([...data.fragments.entries()]);

    // Act
    const again = await apply(items);
    const thrice = await apply([...items, ...items]);

    // Assess
    expect(again.results.map((result) => result.status)).toEqual(['unchanged', 'unchanged']);
    expect(again.writeUnits).toBe(0);
    expect(thrice.writeUnits).toBe(0);
    expect([...data.fragments.entries()]).toEqual(stored);
    expect(data.writes).toBe(2);
  });

  it('deletes with a tombstone that a late older record cannot undo, without linking', async () => {
    // Prepare
    const { graph, data, apply } = setup();
    await apply([record({ email: 'a@b.co', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' })]);

    // Act
    const deleted = await apply([
      record({ email: 'a@b.co', crmId: 'C7', timestamp: '2024-01-02T00:00:00Z' }, 'delete'),
    ]);
    const late = await apply([record({ email: 'a@b.co', tier: 'gold', timestamp: '2024-01-01T12:00:00Z' })]);

    // Assess
    expect(deleted.results[0]?.status).toBe('applied');
    expect(late.results[0]?.status).toBe('unchanged');
    expect([...data.fragments.values()][0]).toMatchObject({ deleted: true, attributes: {} });
    expect(graph.graphOf.has('CRMID#C7')).toBe(false);
  });

  it('re-reads and re-folds when another writer changes the fragment between the read and the write', async () => {
    // Prepare
    const { data, apply } = setup();
    await apply([record({ email: 'a@b.co', tier: 'gold', points: 1, timestamp: '2024-01-01T00:00:00Z' })]);
    data.interleave = () => {
      const [key, stored] = [...data.fragments.entries()][0]!;
      const at = '2024-01-01T12:00:00.000Z';
      const other: FragmentChange = {
        operation: 'merge',
        attributes: { points: 5 },
        timestamp: at,
        source: { datasetId: 'ds1', at },
      };
      data.fragments.set(key, applyChange(stored, other, stored)!);
    };

    // Act
    const outcome = await apply([
      record({ email: 'a@b.co', tier: 'platinum', timestamp: '2024-01-02T00:00:00Z' }, 'merge'),
    ]);

    // Assess
    expect(outcome.results[0]?.status).toBe('applied');
    expect(outcome.writeUnits).toBe(2);
    expect([...data.fragments.values()][0]?.attributes).toMatchObject({ tier: 'platinum', points: 5 });
  });

  it('fails only the items it cannot apply, each with a reason', async () => {
    // Prepare
    const { data, graph, apply } = setup();
    graph.failOn = 'Email#down@b.co';
    data.failOn = 'Email#store@b.co';

    // Act
    const outcome = await apply([
      record({ email: 'ok@b.co' }),
      record({ tier: 'no identity' }),
      record({ email: 'big@b.co', blob: 'x'.repeat(100 * 1024) }),
      record({ email: 'not an email' }),
      record({ email: 'down@b.co' }),
      record({ email: 'store@b.co' }),
      { record: 'not an object', source: {}, receivedAt: RECEIVED },
    ]);

    // Assess
    expect(outcome.results).toEqual([
      { index: 0, status: 'applied' },
      expect.objectContaining({ index: 1, status: 'failed', code: 'profile-identity-invalid' }),
      expect.objectContaining({ index: 2, status: 'failed', code: 'profile-record-too-large' }),
      {
        index: 3,
        status: 'failed',
        code: 'profile-identity-invalid',
        reason: '/email: Email identity: must be an email address',
      },
      { index: 4, status: 'failed', code: 'profile-store-error', reason: 'graph unavailable' },
      { index: 5, status: 'failed', code: 'profile-store-error', reason: 'store unavailable' },
      expect.objectContaining({ index: 6, status: 'failed', code: 'profile-record-invalid' }),
    ]);
    expect(outcome.results[2]?.reason).toContain('at most 102400');
  });

  it('skips every item of a dataset that is not enabled for profile', async () => {
    // Prepare
    const { data, apply } = setup();

    // Act
    const outcome = await apply([record({ email: 'a@b.co' })], profileSchema, false);

    // Assess
    expect(outcome.results).toEqual([
      {
        index: 0,
        status: 'skipped',
        code: 'profile-disabled',
        reason: 'dataset ds1 is not enabled for profile',
      },
    ]);
    expect(data.writes).toBe(0);
  });

  it('converges to the same fragments whatever the order, batching and repetition of deliveries', async () => {
    // Prepare
    const delivery = fc.record({
      who: fc.constantFrom('a@b.co', 'c@d.co'),
      tier: fc.constantFrom('gold', 'silver'),
      second: fc.integer({ min: 0, max: 3 }),
      operation: fc.constantFrom<UpsertOperation>('create', 'merge', 'delete'),
    });
    const toItem = (d: { who: string; tier: string; second: number; operation: UpsertOperation }) =>
      record({ email: d.who, tier: d.tier, timestamp: `2024-01-01T00:00:0${d.second}Z` }, d.operation);

    await fc.assert(
      fc.asyncProperty(
        fc.array(delivery, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (deliveries, picks, batchSize) => {
          // Act: once in order, one by one; then a shuffled, repeated stream in batches
          const reference = setup();
          for (const d of deliveries) await reference.apply([toItem(d)]);
          const replayed = setup();
          const stream = [
            ...deliveries,
            ...picks.map((pick) => deliveries[pick % deliveries.length]!),
          ].reverse();
          for (let i = 0; i < stream.length; i += batchSize)
            await replayed.apply(stream.slice(i, i + batchSize).map(toItem));
          const again = await replayed.apply(deliveries.map(toItem));

          // Assess
          expect(new Map([...replayed.data.fragments].map(([k, f]) => [k, f.version]))).toEqual(
            new Map([...reference.data.fragments].map(([k, f]) => [k, f.version])),
          );
          expect(again.writeUnits).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('applying events to profiles', () => {
  it('stores each event once under its primary identity; a redelivery costs no write', async () => {
    // Prepare
    const { data, graph, apply } = setup();

    // Act
    const first = await apply(
      [event('e1', 'a@b.co'), event('e2', 'a@b.co'), event('e1', 'a@b.co')],
      EVENT_SCHEMA,
    );
    const redelivered = await apply([event('e1', 'a@b.co'), event('e2', 'a@b.co')], EVENT_SCHEMA);

    // Assess
    expect(first.results.map((result) => result.status)).toEqual(['applied', 'applied', 'unchanged']);
    expect(first.writeUnits).toBe(2);
    expect(redelivered.results.map((result) => result.status)).toEqual(['unchanged', 'unchanged']);
    expect(redelivered.writeUnits).toBe(0);
    expect(data.writes).toBe(2);
    expect(graph.links).toHaveLength(1);
    expect([...data.events.values()][0]).toMatchObject({
      datasetId: 'ds1',
      identity: { namespace: 'Email', id: 'a@b.co' },
      eventId: 'e1',
      timestamp: '2024-05-01T00:00:00.000Z',
      source: { datasetId: 'ds1', messageId: 'm-e1' },
    });
  });

  it('keeps events without an id, without a time, updated in place or over 10 KB out of the profile', async () => {
    // Prepare
    const { data, apply } = setup();
    const identityMap = { Email: [{ id: 'a@b.co', primary: true }] };

    // Act
    const outcome = await apply(
      [
        { record: { timestamp: '2024-05-01T00:00:00Z', identityMap }, source: {}, receivedAt: RECEIVED },
        { record: { _id: 'e1', identityMap }, source: {}, receivedAt: RECEIVED },
        { ...event('e2', 'a@b.co'), operation: 'merge' },
        {
          record: { _id: 'e3', timestamp: '2024-05-01T00:00:00Z', identityMap, blob: 'x'.repeat(10 * 1024) },
          source: {},
          receivedAt: RECEIVED,
        },
      ],
      EVENT_SCHEMA,
    );

    // Assess
    expect(outcome.results.map((result) => result.code)).toEqual([
      'profile-event-invalid',
      'profile-event-invalid',
      'profile-event-invalid',
      'profile-event-too-large',
    ]);
    expect(data.writes).toBe(0);
  });
});

describe('applying records in arrival order', () => {
  const customers = Array.from({ length: 40 }, (_, n) => `c${n}@b.co`);

  it('keeps the later of two updates of one customer of one instant in one call, for every customer', async () => {
    // Prepare: the later update first in the call, so neither position nor content can decide
    const { data, apply } = setup();
    const update = (email: string, tier: string, position: number): ApplyItem => ({
      ...record({ email, tier, timestamp: '2024-01-01T00:00:00Z' }),
      arrival: arrivalOrder(RECEIVED, position),
    });

    // Act
    await apply(customers.flatMap((email) => [update(email, 'later', 1), update(email, 'earlier', 0)]));

    // Assess
    expect([...data.fragments.values()].map((fragment) => fragment.attributes.tier)).toEqual(
      customers.map(() => 'later'),
    );
  });

  it('ends gold after gold, silver, gold records without their own time, received one after another', async () => {
    // Prepare: received within one millisecond, one request each, in this order
    const { data, apply } = setup();
    const tiers = ['gold', 'silver', 'gold'];

    // Act
    for (const [position, tier] of tiers.entries()) {
      await apply(
        customers.map((email) => ({ ...record({ email, tier }), arrival: arrivalOrder(RECEIVED, position) })),
      );
    }
    const redelivered = await apply(
      customers.map((email) => ({ ...record({ email, tier: 'gold' }), arrival: arrivalOrder(RECEIVED, 2) })),
    );

    // Assess
    expect([...data.fragments.values()].map((fragment) => fragment.attributes.tier)).toEqual(
      customers.map(() => 'gold'),
    );
    expect(redelivered.writeUnits).toBe(0);
  });

  it('refuses a record stamped more than a day after its arrival, and applies the others', async () => {
    // Prepare
    const { data, apply } = setup();

    // Act
    const outcome = await apply([
      record({ email: 'future@b.co', tier: 'gold', timestamp: '2099-01-01T00:00:00Z' }),
      record({ email: 'now@b.co', tier: 'gold', timestamp: RECEIVED }),
    ]);

    // Assess
    expect(outcome.results).toEqual([
      {
        index: 0,
        status: 'failed',
        code: 'profile-timestamp-skew',
        reason: expect.stringMatching(
          /^\/timestamp: 2099-01-01T00:00:00.000Z is more than 24 hours after/,
        ) as string,
      },
      { index: 1, status: 'applied' },
    ]);
    expect(data.fragments.size).toBe(1);
  });
});

describe('applying records the profile store cannot hold', () => {
  it('fails a record the store refuses without retry, and applies the records before and after it', async () => {
    // Prepare
    const { data, apply } = setup();
    data.refuseField = 'huge';

    // Act
    const outcome = await apply([
      record({ email: 'a@b.co', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' }),
      record({ email: 'a@b.co', huge: 'x', timestamp: '2024-01-02T00:00:00Z' }, 'merge'),
      record({ email: 'a@b.co', points: 3, timestamp: '2024-01-03T00:00:00Z' }, 'merge'),
      record({ email: 'b@b.co', tier: 'silver' }),
    ]);

    // Assess
    expect(outcome.results).toEqual([
      { index: 0, status: 'applied' },
      {
        index: 1,
        status: 'failed',
        code: 'profile-item-too-large',
        reason: 'the fragment holds huge',
      },
      { index: 2, status: 'applied' },
      { index: 3, status: 'applied' },
    ]);
    const attributes = [...data.fragments.values()].map((fragment) => fragment.attributes);
    expect(attributes).toHaveLength(2);
    expect(attributes).toContainEqual({
      email: 'a@b.co',
      tier: 'gold',
      points: 3,
      timestamp: '2024-01-03T00:00:00Z',
    });
    expect(attributes).toContainEqual({ email: 'b@b.co', tier: 'silver' });
  });

  it('fails a record the identity graph refuses for good without retry, and applies the record after it', async () => {
    // Prepare
    const { data, graph, apply } = setup();
    graph.refuseOn = 'Email#hub@b.co';

    // Act
    const outcome = await apply([record({ email: 'hub@b.co' }), record({ email: 'next@b.co' })]);

    // Assess
    expect(outcome.results).toEqual([
      {
        index: 0,
        status: 'failed',
        code: 'profile-graph-too-large',
        reason: 'the graph item cannot hold the record',
      },
      { index: 1, status: 'applied' },
    ]);
    expect([...data.fragments.values()].map((fragment) => fragment.attributes)).toEqual([
      { email: 'next@b.co' },
    ]);
  });

  it('stores the fragment without its pending merges when the store cannot hold them', async () => {
    // Prepare
    const { data, apply } = setup();
    data.maxChanges = 1;
    await apply([record({ email: 'a@b.co', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' })]);

    // Act
    const outcome = await apply([
      record({ email: 'a@b.co', points: 3, timestamp: '2024-01-02T00:00:00Z' }, 'merge'),
    ]);

    // Assess
    expect(outcome.results).toEqual([{ index: 0, status: 'applied' }]);
    const [stored] = [...data.fragments.values()];
    expect(stored?.attributes).toEqual({
      email: 'a@b.co',
      tier: 'gold',
      points: 3,
      timestamp: '2024-01-02T00:00:00Z',
    });
    expect(stored?.history.merges).toEqual([]);
  });
});
