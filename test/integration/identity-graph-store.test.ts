import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore, type CapacityUse } from '../../lambdas/adapters/dynamo-graph-store';
import { emptyGraph } from '../../lambdas/core/profiles/identity-graph-state';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const TABLE = 'profiles-graph-store';
const email = (id: string) => ({ namespace: 'Email', id });
const source = { datasetId: 'ds-crm', batchId: 'batch-1', at: '2024-01-01T00:00:00.000Z' };

describe('DynamoGraphStore against the DynamoDB emulator', () => {
  let profiles: ProfilesEmulator;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
  });
  afterAll(() => profiles.stop());

  it('makes every write conditional and counts the write units DynamoDB reports', async () => {
    // Prepare
    const uses: CapacityUse[] = [];
    const store = new DynamoGraphStore(profiles.documents, TABLE, { onConsumed: (use) => uses.push(use) });
    const pointer = { graphId: 'g1', token: 't1' };

    // Act
    const created = await store.createPointer('prod', email('a'), pointer);
    const duplicate = await store.createPointer('prod', email('a'), { graphId: 'g2', token: 't2' });
    const staleRepoint = await store.repoint('prod', email('a'), 'g9', 'g2');
    const repointed = await store.repoint('prod', email('a'), 'g1', 'g2');
    const pointers = await store.getPointers('prod', [email('a'), email('missing')]);
    const wrongToken = await store.deletePointer('prod', email('a'), 't2');
    const deleted = await store.deletePointer('prod', email('a'), 't1');

    // Assess
    expect([created, duplicate, staleRepoint, repointed, wrongToken, deleted]).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
    expect(pointers).toEqual(new Map([['Email#a', { graphId: 'g2', token: 't1' }]]));
    expect(store.writeUnits).toBe(6);
    expect(store.readUnits).toBeGreaterThan(0);
    expect(uses.map((use) => [use.operation, use.writeUnits])).toContainEqual(['createPointer', 1]);
  });

  it('guards graph items by version, claim and tombstone', async () => {
    // Prepare
    const store = new DynamoGraphStore(profiles.documents, TABLE);
    const graph = emptyGraph('g1', '2024-01-01T00:00:00.000Z');
    const next = {
      ...graph,
      version: 1,
      members: { 'Email#a': { ...email('a'), addedAt: graph.createdAt, token: 't1' } },
    };

    // Act
    const created = await store.createGraph('prod', graph);
    const again = await store.createGraph('prod', graph);
    const put = await store.putGraph('prod', next, 0);
    const stalePut = await store.putGraph('prod', next, 0);
    const staleClaim = await store.claimGraph('prod', 'g1', 0, 'g0', []);
    const claimed = await store.claimGraph('prod', 'g1', 1, 'g0', ['Email#a']);
    const whileClaimed = await store.getGraph('prod', 'g1');
    const putWhileClaimed = await store.putGraph('prod', { ...next, version: 3 }, 2);
    const wrongFinish = await store.finishMerge('prod', 'g1', 'gX', 'g0');
    const finished = await store.finishMerge('prod', 'g1', 'g0', 'g0');
    const tombstone = await store.getGraph('prod', 'g1');
    const removed = await store.deleteGraph('prod', 'g1');
    const removedAgain = await store.deleteGraph('prod', 'g1');

    // Assess
    expect([
      created,
      again,
      put,
      stalePut,
      staleClaim,
      claimed,
      putWhileClaimed,
      wrongFinish,
      finished,
    ]).toEqual([true, false, true, false, false, true, false, false, true]);
    expect(whileClaimed).toMatchObject({ claim: 'g0', keep: ['Email#a'], members: next.members });
    // The tombstone keeps no identity: the root it forwards to holds its content.
    expect(tombstone).toEqual({ ...graph, version: 2, mergedInto: 'g0' });
    expect([removed, removedAgain]).toEqual([true, false]);
  });

  it('withdraws a claim whose target is gone', async () => {
    // Prepare
    const store = new DynamoGraphStore(profiles.documents, TABLE);
    await store.createGraph('prod', emptyGraph('g5', '2024-01-01T00:00:00.000Z'));
    await store.claimGraph('prod', 'g5', 0, 'g4', ['Email#a']);

    // Act
    const released = await store.releaseClaim('prod', 'g5', 'g4');
    const graph = await store.getGraph('prod', 'g5');

    // Assess
    expect(released).toBe(true);
    expect(graph).toEqual({ ...emptyGraph('g5', '2024-01-01T00:00:00.000Z'), version: 2 });
  });

  it('freezes a splitting graph until its split is finished, and deletes at a version only', async () => {
    // Prepare
    const store = new DynamoGraphStore(profiles.documents, TABLE);
    const graph = emptyGraph('g7', '2024-01-01T00:00:00.000Z');
    const seed = { graphId: 'g8', createdAt: graph.createdAt, members: {}, links: {} };
    await store.createGraph('prod', graph);
    const splitting = { ...graph, version: 1, split: { id: 's1', graphs: [seed] } };

    // Act
    const split = await store.putGraph('prod', splitting, 0);
    const stored = await store.getGraph('prod', 'g7');
    const putWhileSplitting = await store.putGraph('prod', { ...graph, version: 2 }, 1);
    const claimWhileSplitting = await store.claimGraph('prod', 'g7', 1, 'g0', []);
    const wrongFinish = await store.finishSplit('prod', 'g7', 's0');
    const finished = await store.finishSplit('prod', 'g7', 's1');
    const staleDelete = await store.deleteGraph('prod', 'g7', 1);
    const deleted = await store.deleteGraph('prod', 'g7', 2);

    // Assess
    expect(stored).toEqual(splitting);
    expect([split, putWhileSplitting, claimWhileSplitting, wrongFinish, finished]).toEqual([
      true,
      false,
      false,
      false,
      true,
    ]);
    expect([staleDelete, deleted]).toEqual([false, true]);
  });

  it('runs the protocol end to end and leaves nothing after a removal', async () => {
    // Prepare
    const store = new DynamoGraphStore(profiles.documents, TABLE);
    const graph = new DynamoIdentityGraph({ store, guardrails: { maxIdentitiesPerGraph: 50 } });
    await graph.link('e2e', [email('a'), email('b')], source);
    const newProfileUnits = store.writeUnits;
    await graph.link('e2e', [email('c')], source);
    const before = store.writeUnits;
    const merge = await graph.link('e2e', [email('c'), email('a')], source);
    const mergeUnits = store.writeUnits - before;
    const unchanged = store.writeUnits;
    await graph.link('e2e', [email('a'), email('c')], source);
    const unchangedUnits = store.writeUnits - unchanged;

    // Act
    const views = await Promise.all(['a', 'b', 'c'].map((id) => graph.resolve('e2e', email(id))));
    const removal = await graph.remove('e2e', merge.graphId);
    const scan = await profiles.client.send(new ScanCommand({ TableName: TABLE }));

    // Assess
    expect(new Set(views.map((view) => view?.graphId))).toEqual(new Set([merge.graphId]));
    expect(views[0]?.members).toHaveLength(3);
    expect(newProfileUnits).toBe(3);
    expect(mergeUnits).toBeGreaterThanOrEqual(4);
    expect(unchangedUnits).toBe(0);
    expect(removal).toMatchObject({ graphId: merge.graphId, graphs: 2 });
    expect((scan.Items ?? []).filter((item) => item.pk?.S?.startsWith('e2e#'))).toEqual([]);
  });
});
