import { describe, expect, it, vi } from 'vitest';
import { CAP_EVICTION_REASON } from '../../../lambdas/core/profiles/graph-budget';
import { DynamoIdentityGraph, GraphContentionError } from '../../../lambdas/core/profiles/identity-graph';
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

function graphOn(store: GraphStore, cap = 50) {
  let tick = Date.parse('2024-01-01T00:00:00.000Z');
  let ids = 0;
  return new DynamoIdentityGraph({
    store,
    guardrails: { maxIdentitiesPerGraph: cap },
    now: () => new Date((tick += 1000)),
    newGraphId: () => `g${String((ids += 1)).padStart(3, '0')}`,
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
    async function fullGraph() {
      const store = new MemoryGraphStore();
      const graph = graphOn(store);
      for (let k = 1; k < 50; k += 1) {
        const day = `2024-01-01T00:${String(k).padStart(2, '0')}:00.000Z`;
        await graph.link(SANDBOX, [email('hub'), email(`m${String(k).padStart(2, '0')}`)], source(day));
      }
      return { store, graph };
    }

    it('evicts the identity with the oldest links when one more joins, and records it', async () => {
      // Prepare
      const { store, graph } = await fullGraph();

      // Act
      const outcome = await graph.link(SANDBOX, [email('hub'), email('new')], source('2024-02-01T00:00:00Z'));
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
        graphOn(putThenCrash).link(SANDBOX, [email('hub'), email('new')], source('2024-02-01T00:00:00Z')),
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
      await graph.link(SANDBOX, [email('hub'), email('new')], source('2024-02-01T00:00:00Z'));

      // Act
      const outcome = await graph.link(SANDBOX, [email('m01'), email('hub')], source('2024-03-01T00:00:00Z'));
      const view = await graph.resolve(SANDBOX, email('m01'));

      // Assess
      expect(outcome.evicted).toEqual([email('m02')]);
      expect(view?.members).toHaveLength(50);
      expect(memberKeys(view)).toContain('Email#m01');
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
