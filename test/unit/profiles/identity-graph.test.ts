import { describe, expect, it, vi } from 'vitest';
import { CAP_EVICTION_REASON, itemBytes } from '../../../lambdas/core/profiles/graph-budget';
import { MAX_SOURCE_BATCHES } from '../../../lambdas/core/profiles/graph-sources';
import { REVERT_EVICTION_REASON } from '../../../lambdas/core/profiles/graph-split';
import {
  DynamoIdentityGraph,
  GraphContentionError,
  MAX_ABSORBED_GRAPHS,
} from '../../../lambdas/core/profiles/identity-graph';
import type { GraphStore } from '../../../lambdas/core/profiles/graph-store';
import {
  identityKeyOf,
  type GraphView,
  type IdentityRef,
  type LinkSource,
} from '../../../lambdas/core/profiles/profile-ports';
import { componentsOf, memberKeys, settledProblems } from '../../support/graph-convergence';
import { crashAtWrite, faultyGraphStore, InjectedCrash } from '../../support/faulty-graph-store';
import { MemoryGraphStore } from './memory-graph-store';

const SANDBOX = 'prod';
const email = (id: string): IdentityRef => ({ namespace: 'Email', id });
const source = (at: string, datasetId = 'ds-crm'): LinkSource => ({ datasetId, batchId: 'batch-1', at });

function graphOn(store: GraphStore, cap = 50, idPrefix = 'g') {
  let tick = Date.parse('2024-01-01T00:00:00.000Z');
  let ids = 0;
  return new DynamoIdentityGraph({
    store,
    guardrails: { maxIdentitiesPerGraph: cap },
    now: () => new Date((tick += 1000)),
    newGraphId: () => `${idPrefix}${String((ids += 1)).padStart(3, '0')}`,
  });
}

async function resolveAll(graph: DynamoIdentityGraph, identities: readonly IdentityRef[]) {
  const resolved = new Map<string, GraphView | undefined>();
  for (const identity of identities)
    resolved.set(identityKeyOf(identity), await graph.resolve(SANDBOX, identity));
  return resolved;
}

describe('identity graph protocol', () => {
  it('links a record into one graph and writes nothing when the record comes again', async () => {
    // Prepare
    const store = new MemoryGraphStore();
    const graph = graphOn(store);
    const first = await graph.link(SANDBOX, [email('a'), email('b')], source('2024-01-01T00:00:00Z'));
    const writes = store.writes;

    // Act
    const again = await graph.link(SANDBOX, [email('b'), email('a')], source('2024-01-01T00:00:00Z'));
    const view = await graph.resolve(SANDBOX, email('b'));

    // Assess
    expect(first).toEqual({ graphId: 'g001', changed: true, merged: [], evicted: [] });
    expect(writes).toBe(3);
    expect(again).toEqual({ graphId: 'g001', changed: false, merged: [], evicted: [] });
    expect(store.writes).toBe(writes);
    expect(memberKeys(view)).toEqual(['Email#a', 'Email#b']);
    expect(view?.links).toEqual([
      { from: email('a'), to: email('b'), source: source('2024-01-01T00:00:00Z') },
    ]);
  });

  it('merges younger graphs into the oldest and leaves forwarding tombstones', async () => {
    // Prepare
    const store = new MemoryGraphStore();
    const graph = graphOn(store);
    await graph.link(SANDBOX, [email('a'), email('b')], source('2024-01-01T00:00:00Z'));
    await graph.link(SANDBOX, [email('c')], source('2024-01-02T00:00:00Z'));
    await graph.link(SANDBOX, [email('d'), email('e')], source('2024-01-03T00:00:00Z'));

    // Act
    const outcome = await graph.link(
      SANDBOX,
      [email('e'), email('c'), email('b')],
      source('2024-01-04T00:00:00Z'),
    );
    const resolved = await resolveAll(graph, ['a', 'b', 'c', 'd', 'e'].map(email));

    // Assess
    expect(outcome).toEqual({ graphId: 'g001', changed: true, merged: ['g002', 'g003'], evicted: [] });
    expect(new Set([...resolved.values()].map((view) => view?.graphId))).toEqual(new Set(['g001']));
    expect(memberKeys(resolved.get('Email#a'))).toEqual([
      'Email#a',
      'Email#b',
      'Email#c',
      'Email#d',
      'Email#e',
    ]);
    expect(resolved.get('Email#a')?.links).toHaveLength(4);
    expect(store.graphs.get('prod#g003')).toMatchObject({ mergedInto: 'g001' });
    expect([...store.pointers.values()].map((pointer) => pointer.graphId)).toEqual(Array(5).fill('g001'));
    expect(settledProblems(resolved, [...store.graphs.values()])).toEqual([]);
  });

  describe('a crash before or after any write', () => {
    const setup = [[email('a'), email('b')], [email('c'), email('d')], [email('e')]];
    const crashing = [email('b'), email('d'), email('e'), email('f')];
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'].map(email);
    /** Two merges (claim, absorb, tombstone, one re-point per member) and one new identity (pointer, graph). */
    const WRITES_OF_CRASHING_LINK = 11;

    async function crashedState(n: number, when: 'before' | 'after') {
      const store = new MemoryGraphStore();
      const clean = graphOn(store);
      for (const record of setup) await clean.link(SANDBOX, record, source('2024-01-01T00:00:00Z'));
      const crashingGraph = graphOn(faultyGraphStore(store, crashAtWrite(n, when)));
      const crashed = await crashingGraph
        .link(SANDBOX, crashing, source('2024-01-05T00:00:00Z'))
        .then(() => false)
        .catch((error: unknown) => error instanceof InjectedCrash);
      return { store, clean, crashed };
    }

    const cases = Array.from({ length: 16 }, (_, index) => index + 1).flatMap((n) =>
      (['before', 'after'] as const).map((when) => ({ n, when })),
    );

    it.each(cases)('is repaired by redelivery (write $n, $when)', async ({ n, when }) => {
      // Prepare
      const { store, clean } = await crashedState(n, when);

      // Act
      await clean.link(SANDBOX, crashing, source('2024-01-05T00:00:00Z'));
      const resolved = await resolveAll(clean, pool);

      // Assess
      const [component] = componentsOf([...setup, crashing]);
      for (const view of resolved.values()) expect(memberKeys(view)).toEqual(component);
      expect(settledProblems(resolved, [...store.graphs.values()])).toEqual([]);
    });

    it.each(cases)('is settled by lookups alone (write $n, $when)', async ({ n, when }) => {
      // Prepare
      const { store, clean, crashed } = await crashedState(n, when);

      // Act
      const resolved = await resolveAll(clean, pool);

      // Assess
      expect(crashed).toBe(n <= WRITES_OF_CRASHING_LINK);
      expect(settledProblems(resolved, [...store.graphs.values()])).toEqual([]);
      expect(memberKeys(resolved.get('Email#a'))).toEqual(expect.arrayContaining(['Email#a', 'Email#b']));
    });
  });

  describe('the identity cap', () => {
    /** A hub and 49 members (`m01`…), each linked a minute later than the one before. */
    async function fullGraph(store = new MemoryGraphStore(), graph = graphOn(store), prefix = 'm') {
      for (let k = 1; k < 50; k += 1) {
        const day = `2024-01-01T00:${String(k).padStart(2, '0')}:00.000Z`;
        const member = email(`${prefix}${String(k).padStart(2, '0')}`);
        await graph.link(SANDBOX, [email(`${prefix}-hub`), member], source(day));
      }
      return { store, graph };
    }

    it('keeps every identity of a record that merges into a full graph resolvable to the graph', async () => {
      // Prepare: y joined alone before the full graphs' links were made, so it is the oldest identity in sight;
      // m02 and n01 are the oldest of their full graphs once m01 made room for y
      const { store, graph } = await fullGraph();
      await graph.link(SANDBOX, [email('y')], source('2023-12-01T00:00:00Z'));
      const second = await fullGraph(store, graph, 'n');

      // Act
      const intoFull = await graph.link(SANDBOX, [email('m30'), email('y')], source('2024-02-01T00:00:00Z'));
      const twoFull = await graph.link(SANDBOX, [email('n01'), email('m02')], source('2024-02-02T00:00:00Z'));
      const everyone = ['m', 'n'].flatMap((prefix) => [
        `${prefix}-hub`,
        ...Array.from({ length: 49 }, (_, k) => `${prefix}${String(k + 1).padStart(2, '0')}`),
      ]);
      const all = await resolveAll(graph, [...everyone, 'y'].map(email));
      const resolved = await resolveAll(graph, ['m30', 'y', 'n01', 'm02'].map(email));

      // Assess
      expect(intoFull.evicted).not.toContainEqual(email('y'));
      expect(twoFull.merged).toHaveLength(1);
      for (const view of resolved.values()) {
        expect(view?.graphId).toBe(twoFull.graphId);
        expect(view?.members).toHaveLength(50);
      }
      expect(memberKeys(resolved.get('Email#y'))).toEqual(
        expect.arrayContaining(['Email#m02', 'Email#m30', 'Email#n01', 'Email#y']),
      );
      expect(second.store).toBe(store);
      expect(settledProblems(all, [...store.graphs.values()])).toEqual([]);
    });

    it('evicts the identity with the oldest links when one more joins, and records it', async () => {
      // Prepare
      const { store, graph } = await fullGraph();

      // Act
      const outcome = await graph.link(
        SANDBOX,
        [email('m-hub'), email('new')],
        source('2024-02-01T00:00:00Z'),
      );
      const evicted = await graph.resolve(SANDBOX, email('m01'));
      const view = await graph.resolve(SANDBOX, email('new'));

      // Assess
      expect(outcome.evicted).toEqual([email('m01')]);
      expect(evicted).toBeUndefined();
      expect(store.pointers.has('prod#Email#m01')).toBe(false);
      expect(view?.members).toHaveLength(50);
      expect(memberKeys(view)).not.toContain('Email#m01');
      expect(view?.links.some((link) => link.to.id === 'm01')).toBe(false);
      expect(view?.evictions).toEqual([
        { identity: email('m01'), at: expect.any(String) as string, reason: CAP_EVICTION_REASON },
      ]);
      expect((await graph.resolve(SANDBOX, email('m02')))?.graphId).toBe(view?.graphId);
    });

    it('finishes an eviction whose pointer deletion was interrupted', async () => {
      // Prepare
      const { store } = await fullGraph();
      const putThenCrash = faultyGraphStore(store, crashAtWrite(3, 'before'));
      await expect(
        graphOn(putThenCrash).link(SANDBOX, [email('m-hub'), email('new')], source('2024-02-01T00:00:00Z')),
      ).rejects.toBeInstanceOf(InjectedCrash);
      const leftover = store.pointers.has('prod#Email#m01');

      // Act
      const view = await graphOn(store).resolve(SANDBOX, email('m01'));

      // Assess
      expect(leftover).toBe(true);
      expect(view).toBeUndefined();
      expect(store.pointers.has('prod#Email#m01')).toBe(false);
    });

    it('takes an evicted identity back when a new record links it again', async () => {
      // Prepare
      const { graph } = await fullGraph();
      await graph.link(SANDBOX, [email('m-hub'), email('new')], source('2024-02-01T00:00:00Z'));

      // Act
      const outcome = await graph.link(
        SANDBOX,
        [email('m01'), email('m-hub')],
        source('2024-03-01T00:00:00Z'),
      );
      const view = await graph.resolve(SANDBOX, email('m01'));

      // Assess
      expect(outcome.evicted).toEqual([email('m02')]);
      expect(view?.members).toHaveLength(50);
      expect(memberKeys(view)).toContain('Email#m01');
    });
  });

  it(
    'keeps the graph item of a hub bounded through 10,000 merges into it',
    { timeout: 120_000 },
    async () => {
      // Prepare: production graph ids (UUIDs); each merge brings a graph of one new identity into the hub's, by a
      // record newer than the last, so the cap evicts the identities merged earliest and the hub stays
      const MERGES = 10_000;
      const store = new MemoryGraphStore();
      let tick = Date.parse('2024-01-01T00:00:00.000Z');
      const graph = new DynamoIdentityGraph({
        store,
        guardrails: { maxIdentitiesPerGraph: 50 },
        now: () => new Date((tick += 1000)),
      });
      const recordAt = (k: number) =>
        source(new Date(Date.parse('2025-01-01T00:00:00Z') + k * 1000).toISOString());
      const hub = await graph.link(SANDBOX, [email('hub')], recordAt(0));

      // Act
      for (let k = 1; k <= MERGES; k += 1) {
        await graph.link(SANDBOX, [email(`v${k}`)], recordAt(k));
        await graph.link(SANDBOX, [email('hub'), email(`v${k}`)], recordAt(k));
      }
      const last = await graph.resolve(SANDBOX, email(`v${MERGES}`));

      // Assess: 50 members with their links, 100 eviction records and a short absorbed list: a few tens of KB
      const item = store.graphs.get(`${SANDBOX}#${hub.graphId}`)!;
      expect(itemBytes(item)).toBeLessThan(64 * 1024);
      expect(item.absorbed.length).toBeLessThanOrEqual(MAX_ABSORBED_GRAPHS + 1);
      expect(last?.graphId).toBe(hub.graphId);
      expect(last?.members).toHaveLength(50);
    },
  );

  describe('reverting a batch', () => {
    const bySource = (batchId: string): LinkSource => ({
      datasetId: 'ds-crm',
      batchId,
      at: '2024-01-01T00:00:00Z',
    });
    /** B links a–b, C links c–d; batch A connects them (b–c), adds e to a and f alone. */
    const records: [IdentityRef[], string][] = [
      [[email('a'), email('b')], 'B'],
      [[email('c'), email('d')], 'C'],
      [[email('b'), email('c')], 'A'],
      [[email('e'), email('a')], 'A'],
      [[email('f')], 'A'],
    ];
    const ofA = records.filter(([, batch]) => batch === 'A').flatMap(([identities]) => identities);
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'].map(email);
    /** f's graph emptied (write, pointer, graph); a's written with a split and e removed, then c's graph made. */
    const WRITES_OF_REVERT = 9;

    async function linked() {
      const store = new MemoryGraphStore();
      const graph = graphOn(store);
      for (const [identities, batch] of records) await graph.link(SANDBOX, identities, bySource(batch));
      return { store, graph };
    }

    function expectReverted(resolved: Map<string, GraphView | undefined>, store: MemoryGraphStore) {
      expect(memberKeys(resolved.get('Email#a'))).toEqual(['Email#a', 'Email#b']);
      expect(resolved.get('Email#b')?.graphId).toBe('g001');
      expect(memberKeys(resolved.get('Email#c'))).toEqual(['Email#c', 'Email#d']);
      expect(resolved.get('Email#d')?.graphId).toBe(resolved.get('Email#c')?.graphId);
      expect(resolved.get('Email#c')?.graphId).not.toBe('g001');
      expect([resolved.get('Email#e'), resolved.get('Email#f')]).toEqual([undefined, undefined]);
      expect(settledProblems(resolved, [...store.graphs.values()], { emptyUnreachable: 'allowed' })).toEqual(
        [],
      );
    }

    it('takes out what only the batch made and splits the rest into its components, the largest keeping its id', async () => {
      // Prepare
      const { store, graph } = await linked();
      const writes = store.writes;

      // Act
      const outcome = await graph.unlinkBatch(SANDBOX, ofA, 'A');
      const again = await graph.unlinkBatch(SANDBOX, ofA, 'A');
      const resolved = await resolveAll(graph, pool);

      // Assess
      expect(outcome).toEqual({ graphs: 2, removed: [email('f'), email('e')], split: 1 });
      expect(again).toEqual({ graphs: 0, removed: [], split: 0 });
      expect(store.writes - writes).toBe(WRITES_OF_REVERT);
      expectReverted(resolved, store);
      expect(resolved.get('Email#a')?.evictions).toEqual([
        { identity: email('e'), at: expect.any(String) as string, reason: REVERT_EVICTION_REASON },
      ]);
      expect(store.pointers.has('prod#Email#f')).toBe(false);
      expect(store.graphs.has('prod#g003')).toBe(false);
    });

    it('keeps links and identities a stream or other batches also made, even more batches than it remembers', async () => {
      // Prepare: a–b made by a stream and by A; c–d by A and by more batches than a link remembers
      const graph = graphOn(new MemoryGraphStore());
      await graph.link(SANDBOX, [email('a'), email('b')], { datasetId: 'ds-crm', messageId: 'm1', at: 'x' });
      await graph.link(SANDBOX, [email('a'), email('b')], bySource('A'));
      const batches = ['A', ...Array.from({ length: MAX_SOURCE_BATCHES }, (_, index) => `P${index}`)];
      for (const batch of batches) await graph.link(SANDBOX, [email('c'), email('d')], bySource(batch));

      // Act
      for (const batch of batches) await graph.unlinkBatch(SANDBOX, [email('a'), email('c')], batch);
      const resolved = await resolveAll(graph, ['a', 'b', 'c', 'd'].map(email));

      // Assess
      expect(memberKeys(resolved.get('Email#a'))).toEqual(['Email#a', 'Email#b']);
      expect(memberKeys(resolved.get('Email#c'))).toEqual(['Email#c', 'Email#d']);
      expect(resolved.get('Email#c')?.links).toHaveLength(1);
    });

    const cases = Array.from({ length: WRITES_OF_REVERT + 1 }, (_, index) => index + 1).flatMap((n) =>
      (['before', 'after'] as const).map((when) => ({ n, when })),
    );

    async function crashedRevert(n: number, when: 'before' | 'after') {
      const { store, graph } = await linked();
      const crashing = graphOn(faultyGraphStore(store, crashAtWrite(n, when)), 50, 'crashed-');
      const crashed = await crashing
        .unlinkBatch(SANDBOX, ofA, 'A')
        .then(() => false)
        .catch((error: unknown) => error instanceof InjectedCrash);
      return { store, graph, crashed };
    }

    it.each(cases)('is repaired by running the revert again (write $n, $when)', async ({ n, when }) => {
      // Prepare
      const { store, graph, crashed } = await crashedRevert(n, when);

      // Act
      await graph.unlinkBatch(SANDBOX, ofA, 'A');
      const resolved = await resolveAll(graph, pool);

      // Assess
      expect(crashed).toBe(n <= WRITES_OF_REVERT);
      expectReverted(resolved, store);
    });

    it.each(cases)('is left consistent for lookups alone (write $n, $when)', async ({ n, when }) => {
      // Prepare
      const { store, graph } = await crashedRevert(n, when);

      // Act
      await resolveAll(graph, pool);
      const resolved = await resolveAll(graph, pool);

      // Assess: whatever the revert finished, every identity resolves to a graph listing exactly who resolves there
      expect(settledProblems(resolved, [...store.graphs.values()], { emptyUnreachable: 'allowed' })).toEqual(
        [],
      );
      expect(memberKeys(resolved.get('Email#a'))).toEqual(expect.arrayContaining(['Email#a', 'Email#b']));
      expect(resolved.get('Email#d')?.graphId).toBe(resolved.get('Email#c')?.graphId);
    });
  });

  it('removes a merged graph with its pointers and tombstones, idempotently', async () => {
    // Prepare
    const store = new MemoryGraphStore();
    const graph = graphOn(store);
    await graph.link(SANDBOX, [email('a'), email('b')], source('2024-01-01T00:00:00Z'));
    await graph.link(SANDBOX, [email('c')], source('2024-01-01T00:00:00Z'));
    await graph.link(SANDBOX, [email('b'), email('c')], source('2024-01-01T00:00:00Z'));
    await graph.link('dev', [email('a')], source('2024-01-01T00:00:00Z'));

    // Act
    const removal = await graph.remove(SANDBOX, 'g001');
    const again = await graph.remove(SANDBOX, 'g001');

    // Assess
    expect(removal.graphs).toBe(2);
    expect(removal.identities.map(identityKeyOf).sort()).toEqual(['Email#a', 'Email#b', 'Email#c']);
    expect(again).toEqual({ graphId: 'g001', identities: [], graphs: 0 });
    expect([...store.pointers.keys()]).toEqual(['dev#Email#a']);
    expect([...store.graphs.keys()]).toEqual(['dev#g003']);
    expect(await graph.resolve(SANDBOX, email('a'))).toBeUndefined();
  });

  it('gives up with a retryable error when it keeps losing to other writers', async () => {
    // Prepare
    vi.useFakeTimers();
    const store = new MemoryGraphStore();
    const losing: GraphStore = Object.assign(Object.create(store) as GraphStore, {
      createPointer: () => Promise.resolve(false),
    });
    const graph = graphOn(losing);

    // Act
    const outcome = graph
      .link(SANDBOX, [email('a')], source('2024-01-01T00:00:00Z'))
      .catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    vi.useRealTimers();

    // Assess
    const error = await outcome;
    expect(error).toBeInstanceOf(GraphContentionError);
    expect(error).toMatchObject({ retryable: true });
  });

  it('rejects a link without identities', async () => {
    // Prepare
    const graph = graphOn(new MemoryGraphStore());

    // Act
    const outcome = graph.link(SANDBOX, [], source('2024-01-01T00:00:00Z'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(RangeError);
  });
});
