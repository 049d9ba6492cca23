/**
 * The identity graph's convergence properties, run against any GraphStore (the DynamoDB emulator in the integration
 * test, the in-memory store with jittered interleavings in the unit test): random records linked by concurrent
 * writers with crashes injected before and after writes, every failed record (or revert) retried by its writer
 * until it succeeds (at-least-once, as a stream redelivers and a batch workflow retries). The end state must equal
 * the connected components computed in memory — of every record, or, when batches are reverted while other records
 * are linked, of the records whose batch was not reverted.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { GraphState, GraphStore } from '../../lambdas/core/profiles/graph-store';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import {
  identityKeyOf,
  type GraphView,
  type IdentityRef,
  type LinkSource,
} from '../../lambdas/core/profiles/profile-ports';
import { faultyGraphStore, randomCrashes } from './faulty-graph-store';
import { componentsOf, memberKeys, settledProblems } from './graph-convergence';
import { seededRandom } from './streaming-messages';

/** A small pool makes graphs merge a lot; it stays below the cap, which has its own deterministic tests. */
export const POOL: readonly IdentityRef[] = [
  ...['a', 'b', 'c', 'd'].map((id) => ({ namespace: 'Email', id: `${id}@example.com` })),
  ...['1', '2', '3'].map((id) => ({ namespace: 'ECID', id })),
];
const CAP = 50;
/** File batches (A and C may be reverted) and a stream (S), whose links no batch revert takes away. */
const SOURCES = ['A', 'B', 'C', 'S'] as const;
const REVERTIBLE = ['A', 'C'] as const;

const recordArbitrary = fc.uniqueArray(fc.constantFrom(...POOL), {
  minLength: 1,
  maxLength: 4,
  selector: identityKeyOf,
});
const crashArbitraries = {
  crashSeed: fc.nat(),
  crashProbability: fc.constantFrom(0, 0.1, 0.25),
};
const linkCaseArbitrary = fc.record({
  records: fc.array(fc.record({ identities: recordArbitrary, writer: fc.nat(3) }), {
    minLength: 1,
    maxLength: 6,
  }),
  writers: fc.integer({ min: 3, max: 4 }),
  ...crashArbitraries,
});
const revertCaseArbitrary = fc.record({
  records: fc.array(
    fc.record({
      identities: recordArbitrary,
      writer: fc.nat(3),
      from: fc.constantFrom(...SOURCES),
      /** Linked before the reverts start (a reverted batch's records always are: it was promoted). */
      early: fc.boolean(),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  reverted: fc.subarray([...REVERTIBLE], { minLength: 1 }),
  writers: fc.integer({ min: 2, max: 3 }),
  ...crashArbitraries,
});

interface Work {
  readonly writer: number;
  readonly run: (graph: DynamoIdentityGraph) => Promise<unknown>;
}

/** Where a property's cases run: a store per case (cases use distinct sandboxes), optionally wrapped per writer. */
export interface PropertyWorld {
  store(): GraphStore;
  /** Wraps the store a writer uses (e.g. to vary interleavings), given the writer's seeded generator. */
  readonly perWriter?: (store: GraphStore, random: () => number) => GraphStore;
}

function caseRun(world: PropertyWorld, sandbox: string, crashSeed: number, crashProbability: number) {
  const graphIds: string[] = [];
  const newGraphId = () => {
    const id = `${sandbox}-g${graphIds.length + 1}`;
    graphIds.push(id);
    return id;
  };
  const store = world.store();
  let runs = 0;
  return {
    store,
    /** Runs every piece of work, the writers concurrently; each piece until it succeeds. */
    async run(works: readonly Work[], writers: number): Promise<void> {
      const round = (runs += 1);
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          const random = seededRandom(crashSeed + writer + round * 1000);
          const writerStore = world.perWriter ? world.perWriter(store, random) : store;
          const graph = new DynamoIdentityGraph({
            store: faultyGraphStore(writerStore, randomCrashes(crashProbability, random)),
            guardrails: { maxIdentitiesPerGraph: CAP },
            newGraphId,
          });
          for (const work of works.filter((candidate) => candidate.writer % writers === writer)) {
            for (;;) {
              try {
                await work.run(graph);
                break;
              } catch {
                // At-least-once: the writer redelivers the record (or retries the revert) after any failure.
              }
            }
          }
        }),
      );
    },
    /** Every identity of the pool resolved twice (the first pass finishes what is pending), and every graph item. */
    async settled() {
      const reader = new DynamoIdentityGraph({ store, guardrails: { maxIdentitiesPerGraph: CAP } });
      const resolveAll = async () => {
        const resolved = new Map<string, GraphView | undefined>();
        for (const identity of POOL)
          resolved.set(identityKeyOf(identity), await reader.resolve(sandbox, identity));
        return resolved;
      };
      await resolveAll();
      const resolved = await resolveAll();
      const graphs = (await Promise.all(graphIds.map((id) => store.getGraph(sandbox, id)))).filter(
        (graph): graph is GraphState => graph !== undefined,
      );
      return { resolved, graphs };
    },
  };
}

/** Every component resolves, from each of its identities, to one graph listing exactly it; nothing else resolves. */
function expectComponents(
  resolved: ReadonlyMap<string, GraphView | undefined>,
  records: readonly (readonly IdentityRef[])[],
) {
  const components = componentsOf(records);
  for (const component of components) {
    const views = component.map((key) => resolved.get(key));
    expect(views.map(memberKeys)).toEqual(component.map(() => component));
    expect(new Set(views.map((view) => view?.graphId)).size).toBe(1);
  }
  const linked = new Set(components.flat());
  for (const [key, view] of resolved) if (!linked.has(key)) expect(view).toBeUndefined();
}

const sourceOf = (from: string, index: number): LinkSource => ({
  datasetId: 'ds',
  ...(from === 'S' ? { messageId: `m${index}` } : { batchId: from }),
  at: new Date().toISOString(),
});

let cases = 0;
const nextSandbox = (prefix: string) => `${prefix}-${(cases += 1)}`;

/** Records linked concurrently end as the connected components of all of them. */
export function linkingConverges(world: PropertyWorld) {
  return fc.asyncProperty(linkCaseArbitrary, async ({ records, writers, crashSeed, crashProbability }) => {
    const sandbox = nextSandbox('case');
    const run = caseRun(world, sandbox, crashSeed, crashProbability);

    await run.run(
      records.map((record, index) => ({
        writer: record.writer,
        run: (graph) => graph.link(sandbox, record.identities, sourceOf('S', index)),
      })),
      writers,
    );
    const { resolved, graphs } = await run.settled();

    expectComponents(
      resolved,
      records.map((record) => record.identities),
    );
    expect(settledProblems(resolved, graphs)).toEqual([]);
  });
}

/**
 * Batches reverted while other records are linked end as the connected components of the records whose batch was
 * not reverted; an identity only reverted batches named resolves to nothing.
 */
export function revertingConverges(world: PropertyWorld) {
  return fc.asyncProperty(
    revertCaseArbitrary,
    async ({ records, reverted, writers, crashSeed, crashProbability }) => {
      const sandbox = nextSandbox('revert-case');
      const run = caseRun(world, sandbox, crashSeed, crashProbability);
      const isReverted = (from: string) => (reverted as readonly string[]).includes(from);
      const links = records.map((record, index) => ({
        writer: record.writer,
        early: record.early || isReverted(record.from),
        run: (graph: DynamoIdentityGraph) =>
          graph.link(sandbox, record.identities, sourceOf(record.from, index)),
      }));
      const reverts = reverted.map((batch, index) => ({
        writer: index,
        run: (graph: DynamoIdentityGraph) =>
          graph.unlinkBatch(
            sandbox,
            records.filter((record) => record.from === batch).flatMap((record) => record.identities),
            batch,
          ),
      }));
      await run.run(
        links.filter((link) => link.early),
        writers,
      );

      // Each revert first on its writer, while the other writers link.
      await run.run([...reverts, ...links.filter((link) => !link.early)], writers);
      const { resolved, graphs } = await run.settled();

      expectComponents(
        resolved,
        records.filter((record) => !isReverted(record.from)).map((record) => record.identities),
      );
      expect(settledProblems(resolved, graphs, { emptyUnreachable: 'allowed' })).toEqual([]);
    },
  );
}
