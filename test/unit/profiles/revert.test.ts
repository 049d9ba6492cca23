import { describe, expect, it } from 'vitest';
import {
  applyToProfiles,
  type ApplyInput,
  type ApplyItem,
} from '../../../lambdas/core/profiles/apply-to-profiles';
import type { UpsertOperation } from '../../../lambdas/core/profiles/fragments';
import { DynamoIdentityGraph } from '../../../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import {
  DEFAULT_PROFILE_GUARDRAILS,
  type Fragment,
  type IdentityRef,
} from '../../../lambdas/core/profiles/profile-ports';
import { revertFromProfiles } from '../../../lambdas/core/profiles/revert-from-profiles';
import { memberKeys } from '../../support/graph-convergence';
import { EVENT_SCHEMA, emailProfileSchema } from '../../support/profile-schemas';
import { MemoryGraphStore } from './memory-graph-store';
import { RevertableProfileData } from './revert-fakes';

const RECEIVED = '2024-06-01T00:00:00.000Z';
const profileSchema = emailProfileSchema({ path: '/crmId', namespace: 'CRMID' });

const email = (id: string): IdentityRef => ({ namespace: 'Email', id });
const crm = (id: string): IdentityRef => ({ namespace: 'CRMID', id });

function setup() {
  const store = new MemoryGraphStore();
  let graphs = 0;
  const graph = new DynamoIdentityGraph({
    store,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    newGraphId: () => `g${(graphs += 1)}`,
  });
  const data = new RevertableProfileData();
  const deps = {
    graph,
    data,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
  };
  const apply = (
    schema: ApplyInput['schema'],
    source: ApplyItem['source'],
    records: unknown[],
    operation?: UpsertOperation,
  ) =>
    applyToProfiles(deps, {
      sandbox: 'prod',
      dataset: { id: 'ds1', profileEnabled: true },
      schema,
      items: records.map((record) => ({
        record,
        source,
        receivedAt: RECEIVED,
        ...(operation ? { operation } : {}),
      })),
    });
  const revert = (schema: ApplyInput['schema'], batchId: string, records: unknown[], profileEnabled = true) =>
    revertFromProfiles(deps, {
      sandbox: 'prod',
      dataset: { id: 'ds1', profileEnabled },
      schema,
      batchId,
      records,
    });
  return { graph, store, data, apply, revert };
}

const fragmentKeys = (data: RevertableProfileData) => [...data.fragments.keys()].sort();
const eventKeys = (data: RevertableProfileData) => [...data.events.keys()].sort();
const pageView = (id: string, email: string) => ({
  _id: id,
  timestamp: '2024-05-01T00:00:00Z',
  identityMap: { Email: [{ id: email, primary: true }] },
});

describe('reverting a batch from profiles', () => {
  it('removes the fragments the batch wrote last and keeps those a newer write from another source won', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [
      { email: 'ann@b.co', crmId: 'C1', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' },
      { email: 'bob@b.co', tier: 'silver', timestamp: '2024-01-01T00:00:00Z' },
      { email: 'cat@b.co', tier: 'bronze', timestamp: '2024-01-01T00:00:00Z' },
    ];
    await apply(profileSchema, { batchId: 'A' }, batchA);
    await apply(profileSchema, { batchId: 'B' }, [
      { email: 'bob@b.co', tier: 'platinum', timestamp: '2024-02-01T00:00:00Z' },
    ]);
    await apply(profileSchema, { messageId: 'm1' }, [
      { email: 'cat@b.co', tier: 'iron', timestamp: '2024-02-01T00:00:00Z' },
    ]);

    // Act
    const outcome = await revert(profileSchema, 'A', batchA);

    // Assess
    expect(outcome).toEqual({ eventsRemoved: 0, fragmentsRemoved: 1, skipped: 0 });
    expect(fragmentKeys(data)).toEqual(['prod|ds1|Email#bob@b.co', 'prod|ds1|Email#cat@b.co']);
    expect(data.fragments.get('prod|ds1|Email#bob@b.co')).toMatchObject({
      attributes: { tier: 'platinum' },
      source: { batchId: 'B' },
    });
    expect(data.fragments.get('prod|ds1|Email#cat@b.co')?.source.messageId).toBe('m1');
  });

  it('removes the events the batch delivered first and keeps those another batch delivered first', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    await apply(EVENT_SCHEMA, { batchId: 'B' }, [pageView('e2', 'bob@b.co')]);
    const batchA = [pageView('e1', 'ann@b.co'), pageView('e2', 'bob@b.co'), pageView('e3', 'ann@b.co')];
    await apply(EVENT_SCHEMA, { batchId: 'A' }, batchA);

    // Act
    const outcome = await revert(EVENT_SCHEMA, 'A', batchA);

    // Assess
    expect(outcome).toEqual({ eventsRemoved: 2, fragmentsRemoved: 0, skipped: 0 });
    expect(eventKeys(data)).toEqual(['prod|ds1|Email#bob@b.co|e2']);
    expect(data.events.get('prod|ds1|Email#bob@b.co|e2')?.source.batchId).toBe('B');
  });

  it('removes a delete tombstone of the batch too, leaving no tombstone behind', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const deletion = [{ email: 'ann@b.co', timestamp: '2024-01-01T00:00:00Z' }];
    await apply(profileSchema, { batchId: 'A' }, deletion, 'delete');

    // Act
    const outcome = await revert(profileSchema, 'A', deletion);

    // Assess
    expect(outcome.fragmentsRemoved).toBe(1);
    expect(data.fragments.size).toBe(0);
  });

  it('skips the records that cannot be keyed, and removes a profile updated twice in the batch once', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [
      { email: 'ann@b.co', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' },
      { email: 'ann@b.co', tier: 'platinum', timestamp: '2024-01-02T00:00:00Z' },
      { tier: 'no identity' },
      { email: 'not an email' },
      { email: 'dan@b.co', crmId: '' },
      'not an object',
    ];
    await apply(profileSchema, { batchId: 'A' }, batchA);

    // Act
    const outcome = await revert(profileSchema, 'A', batchA);

    // Assess
    expect(outcome).toEqual({ eventsRemoved: 0, fragmentsRemoved: 1, skipped: 4 });
    expect(data.removals).toBe(1);
    expect(data.fragments.size).toBe(0);
  });

  it('skips the events without an _id to key them by', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [
      pageView('e1', 'ann@b.co'),
      { ...pageView('', 'ann@b.co') },
      { timestamp: '2024-05-01T00:00:00Z' },
    ];
    await apply(EVENT_SCHEMA, { batchId: 'A' }, batchA);

    // Act
    const outcome = await revert(EVENT_SCHEMA, 'A', batchA);

    // Assess
    expect(outcome).toEqual({ eventsRemoved: 1, fragmentsRemoved: 0, skipped: 2 });
    expect(data.events.size).toBe(0);
  });

  it('removes nothing the second time, and a replay of the same records stores them again', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [{ email: 'ann@b.co', tier: 'gold', timestamp: '2024-01-01T00:00:00Z' }];
    await apply(profileSchema, { batchId: 'A' }, batchA);
    const stored = structuredClone([...data.fragments.values()]);
    await revert(profileSchema, 'A', batchA);

    // Act
    const again = await revert(profileSchema, 'A', batchA);
    const replay = await apply(profileSchema, { batchId: 'R' }, batchA);

    // Assess
    expect(again).toEqual({ eventsRemoved: 0, fragmentsRemoved: 0, skipped: 0 });
    expect(replay.results.map((result) => result.status)).toEqual(['applied']);
    const view = ({ attributes, timestamp, source }: Fragment) => ({ attributes, timestamp, source });
    expect([...data.fragments.values()].map(view)).toEqual([
      { ...view(stored[0]!), source: { ...stored[0]?.source, batchId: 'R' } },
    ]);
  });

  it('removes the links and identities only the batch made: a person who came only through it is gone', async () => {
    // Prepare
    const { graph, store, apply, revert } = setup();
    const batchA = [{ email: 'ann@b.co', crmId: 'C1', tier: 'gold' }];
    await apply(profileSchema, { batchId: 'A' }, batchA);
    const before = await graph.resolve('prod', crm('C1'));

    // Act
    await revert(profileSchema, 'A', batchA);

    // Assess
    expect(memberKeys(before)).toEqual(['CRMID#C1', 'Email#ann@b.co']);
    expect(await graph.resolve('prod', email('ann@b.co'))).toBeUndefined();
    expect(await graph.resolve('prod', crm('C1'))).toBeUndefined();
    expect(store.pointers.size).toBe(0);
    expect(store.graphs.size).toBe(0);
  });

  it('keeps what another batch also linked, and splits a graph whose only connection the batch made', async () => {
    // Prepare: B links ann–C1, C links bob–C2; A repeats ann–C1 and connects the two through ann–C2
    const { graph, apply, revert } = setup();
    await apply(profileSchema, { batchId: 'B' }, [{ email: 'ann@b.co', crmId: 'C1', tier: 'gold' }]);
    await apply(profileSchema, { batchId: 'C' }, [{ email: 'bob@b.co', crmId: 'C2', tier: 'gold' }]);
    const batchA = [
      { email: 'ann@b.co', crmId: 'C1', tier: 'silver' },
      { email: 'ann@b.co', crmId: 'C2', tier: 'silver' },
    ];
    await apply(profileSchema, { batchId: 'A' }, batchA);
    const merged = await graph.resolve('prod', crm('C2'));

    // Act
    await revert(profileSchema, 'A', batchA);
    const ann = await graph.resolve('prod', email('ann@b.co'));
    const bob = await graph.resolve('prod', email('bob@b.co'));

    // Assess
    expect(memberKeys(merged)).toEqual(['CRMID#C1', 'CRMID#C2', 'Email#ann@b.co', 'Email#bob@b.co']);
    expect(ann?.graphId).toBe(merged?.graphId);
    expect(memberKeys(ann)).toEqual(['CRMID#C1', 'Email#ann@b.co']);
    expect(ann?.links).toEqual([
      {
        from: email('ann@b.co'),
        to: crm('C1'),
        source: expect.objectContaining({ batchId: 'B' }) as unknown,
      },
    ]);
    expect(bob?.graphId).not.toBe(merged?.graphId);
    expect(memberKeys(bob)).toEqual(['CRMID#C2', 'Email#bob@b.co']);
    expect((await graph.resolve('prod', crm('C2')))?.graphId).toBe(bob?.graphId);
  });

  it('does nothing for a dataset that is not enabled for profile or a schema that does not feed profiles', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [{ email: 'ann@b.co', tier: 'gold' }];
    await apply(profileSchema, { batchId: 'A' }, batchA);

    // Act
    const disabled = await revert(profileSchema, 'A', batchA, false);
    const otherClass = await revert({ ...profileSchema, class: 'component' }, 'A', batchA);

    // Assess
    expect(disabled).toEqual({ eventsRemoved: 0, fragmentsRemoved: 0, skipped: 0 });
    expect(otherClass).toEqual({ eventsRemoved: 0, fragmentsRemoved: 0, skipped: 0 });
    expect(data.removals).toBe(0);
    expect(data.fragments.size).toBe(1);
  });

  it('fails as a whole on a store error, and running it again finishes the work', async () => {
    // Prepare
    const { data, apply, revert } = setup();
    const batchA = [
      { email: 'ann@b.co', tier: 'gold' },
      { email: 'bob@b.co', tier: 'gold' },
    ];
    await apply(profileSchema, { batchId: 'A' }, batchA);
    data.failOn = 'Email#bob@b.co';

    // Act
    const failure = await revert(profileSchema, 'A', batchA).catch((error: unknown) => error);
    data.failOn = undefined;
    const retried = await revert(profileSchema, 'A', batchA);

    // Assess
    expect(failure).toEqual(new Error('store unavailable'));
    // The first run removed ann's fragment before bob's failed; the second removes only what was left.
    expect(retried.fragmentsRemoved).toBe(1);
    expect(data.fragments.size).toBe(0);
  });
});
