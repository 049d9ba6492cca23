/**
 * The property-based convergence tests of the identity graph: random linking records applied in random orders by
 * concurrent writers against the DynamoDB emulator, with crashes injected before and after writes; every failed
 * record (or revert) is retried by its writer until it succeeds (at-least-once, as a stream redelivers and a batch
 * workflow retries). The end state must equal the connected components computed in memory — of every record, or,
 * when batches are reverted while other records are linked, of the records whose batch was not reverted.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import type { GraphState } from '../../lambdas/core/profiles/graph-store';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import {
  identityKeyOf,
  type GraphView,
  type IdentityRef,
  type LinkSource,
} from '../../lambdas/core/profiles/profile-ports';
import { faultyGraphStore, randomCrashes } from '../support/faulty-graph-store';
import { componentsOf, memberKeys, settledProblems } from '../support/graph-convergence';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const TABLE = 'profiles-graph-convergence';
/** The acceptance criterion of issue 3: at least 200 generated cases in CI. */
const CASES = 200;
/** Cases of reverts racing links (two phases each, but smaller graphs: about as long as the cases above). */
const REVERT_CASES = 200;
/** Fixed so a CI failure reproduces; override with GRAPH_PROPERTY_SEED to explore other cases. */
const SEED = Number(process.env.GRAPH_PROPERTY_SEED ?? 20240103);
/** A small pool makes graphs merge a lot; it stays below the cap, which has its own deterministic tests. */
const POOL: readonly IdentityRef[] = [
  ...['a', 'b', 'c', 'd'].map((id) => ({ namespace: 'Email', id: `${id}@example.com` })),
  ...['1', '2', '3'].map((id) => ({ namespace: 'ECID', id })),
];
const CAP = 50;
/** File batches (A and C may be reverted) and a stream (S), whose links no batch revert takes away. */
const SOURCES = ['A', 'B', 'C', 'S'] as const;
const REVERTIBLE = ['A', 'C'] as const;

/** A small seeded generator (mulberry32), so the injected crashes replay with the case. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const recordArbitrary = fc.uniqueArray(fc.constantFrom(...POOL), {
  minLength: 1,
  maxLength: 4,
  selector: identityKeyOf,
});
const crashArbitraries = {
  crashSeed: fc.nat(),
  crashProbability: fc.constantFrom(0, 0.1, 0.25),
};
const caseArbitrary = fc.record({
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

/** One generated case in its own sandbox: graphs named in creation order, writers that crash and retry. */
function caseWorld(profiles: ProfilesEmulator, sandbox: string, crashSeed: number, crashProbability: number) {
  const graphIds: string[] = [];
  const newGraphId = () => {
    const id = `${sandbox}-g${graphIds.length + 1}`;
    graphIds.push(id);
    return id;
  };
  const store = new DynamoGraphStore(profiles.documents, TABLE);
  let runs = 0;
  return {
    store,
    /** Runs every piece of work, the writers concurrently; each piece until it succeeds. */
    async run(works: readonly Work[], writers: number): Promise<void> {
      const round = (runs += 1);
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          const random = seeded(crashSeed + writer + round * 1000);
          const graph = new DynamoIdentityGraph({
            store: faultyGraphStore(store, randomCrashes(crashProbability, random)),
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

describe('identity graph convergence (property, DynamoDB emulator)', () => {
  let profiles: ProfilesEmulator;
  let caseNumber = 0;

  beforeAll(async () => {
    profiles = await startProfilesEmulator(TABLE);
  });
  afterAll(() => profiles.stop());

  it(`converges to the connected components in ${CASES} generated cases`, { timeout: 180_000 }, async () => {
    // Prepare
    console.info(`identity graph property: seed ${SEED} (set GRAPH_PROPERTY_SEED to change)`);
    const property = fc.asyncProperty(
      caseArbitrary,
      async ({ records, writers, crashSeed, crashProbability }) => {
        const sandbox = `case-${(caseNumber += 1)}`;
        const world = caseWorld(profiles, sandbox, crashSeed, crashProbability);

        // Act
        await world.run(
          records.map((record, index) => ({
            writer: record.writer,
            run: (graph) => graph.link(sandbox, record.identities, sourceOf('S', index)),
          })),
          writers,
        );
        const { resolved, graphs } = await world.settled();

        // Assess
        expectComponents(
          resolved,
          records.map((record) => record.identities),
        );
        expect(settledProblems(resolved, graphs)).toEqual([]);
      },
    );

    // Act
    await fc.assert(property, { numRuns: CASES, seed: SEED });

    // Assess
    const scan = await profiles.client.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: 'attribute_exists(#claim)',
        ExpressionAttributeNames: { '#claim': 'claim' },
      }),
    );
    expect(scan.Count).toBe(0);
  });

  it(
    `converges to the components of what was not reverted, with reverts racing links, in ${REVERT_CASES} cases`,
    { timeout: 300_000 },
    async () => {
      // Prepare
      const property = fc.asyncProperty(
        revertCaseArbitrary,
        async ({ records, reverted, writers, crashSeed, crashProbability }) => {
          const sandbox = `revert-case-${(caseNumber += 1)}`;
          const world = caseWorld(profiles, sandbox, crashSeed, crashProbability);
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
          await world.run(
            links.filter((link) => link.early),
            writers,
          );

          // Act: each revert first on its writer, while the other writers link
          await world.run([...reverts, ...links.filter((link) => !link.early)], writers);
          const { resolved, graphs } = await world.settled();

          // Assess
          expectComponents(
            resolved,
            records.filter((record) => !isReverted(record.from)).map((record) => record.identities),
          );
          expect(settledProblems(resolved, graphs, { emptyUnreachable: 'allowed' })).toEqual([]);
        },
      );

      // Act
      await fc.assert(property, { numRuns: REVERT_CASES, seed: SEED });

      // Assess
      const scan = await profiles.client.send(
        new ScanCommand({
          TableName: TABLE,
          FilterExpression: 'attribute_exists(#claim) OR attribute_exists(#split)',
          ExpressionAttributeNames: { '#claim': 'claim', '#split': 'split' },
        }),
      );
      expect(scan.Count).toBe(0);
    },
  );
});
