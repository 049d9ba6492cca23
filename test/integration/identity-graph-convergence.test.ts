/**
 * The property-based convergence test of the identity graph: random linking records applied in random orders by
 * concurrent writers against the DynamoDB emulator, with crashes injected before and after writes; every failed
 * record is retried by its writer until it succeeds (at-least-once, as a stream redelivers). The end state must
 * equal the connected components computed in memory.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import type { GraphState } from '../../lambdas/core/profiles/graph-store';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import { identityKeyOf, type GraphView, type IdentityRef } from '../../lambdas/core/profiles/profile-ports';
import { faultyGraphStore, randomCrashes } from '../support/faulty-graph-store';
import { componentsOf, memberKeys, settledProblems } from '../support/graph-convergence';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const TABLE = 'profiles-graph-convergence';
/** The acceptance criterion of issue 3: at least 200 generated cases in CI. */
const CASES = 200;
/** Fixed so a CI failure reproduces; override with GRAPH_PROPERTY_SEED to explore other cases. */
const SEED = Number(process.env.GRAPH_PROPERTY_SEED ?? 20240103);
/** A small pool makes graphs merge a lot; it stays below the cap, which has its own deterministic tests. */
const POOL: readonly IdentityRef[] = [
  ...['a', 'b', 'c', 'd'].map((id) => ({ namespace: 'Email', id: `${id}@example.com` })),
  ...['1', '2', '3'].map((id) => ({ namespace: 'ECID', id })),
];
const CAP = 50;

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
const caseArbitrary = fc.record({
  records: fc.array(fc.record({ identities: recordArbitrary, writer: fc.nat(3) }), {
    minLength: 1,
    maxLength: 6,
  }),
  writers: fc.integer({ min: 3, max: 4 }),
  crashSeed: fc.nat(),
  crashProbability: fc.constantFrom(0, 0.1, 0.25),
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
        const graphIds: string[] = [];
        const newGraphId = () => {
          const id = `${sandbox}-g${graphIds.length + 1}`;
          graphIds.push(id);
          return id;
        };
        const store = new DynamoGraphStore(profiles.documents, TABLE);
        const queues = Array.from({ length: writers }, (_, writer) =>
          records.filter((record) => record.writer % writers === writer),
        );

        // Act
        await Promise.all(
          queues.map(async (queue, writer) => {
            const faulty = faultyGraphStore(
              store,
              randomCrashes(crashProbability, seeded(crashSeed + writer)),
            );
            const graph = new DynamoIdentityGraph({
              store: faulty,
              guardrails: { maxIdentitiesPerGraph: CAP },
              newGraphId,
            });
            for (const [index, record] of queue.entries()) {
              const source = {
                datasetId: 'ds',
                messageId: `w${writer}-${index}`,
                at: new Date().toISOString(),
              };
              for (;;) {
                try {
                  await graph.link(sandbox, record.identities, source);
                  break;
                } catch {
                  // At-least-once: the writer redelivers the record after any failure.
                }
              }
            }
          }),
        );
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

        // Assess
        const components = componentsOf(records.map((record) => record.identities));
        for (const component of components) {
          const views = component.map((key) => resolved.get(key));
          expect(views.map(memberKeys)).toEqual(component.map(() => component));
          expect(new Set(views.map((view) => view?.graphId)).size).toBe(1);
        }
        const linked = new Set(components.flat());
        for (const [key, view] of resolved) if (!linked.has(key)) expect(view).toBeUndefined();
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
});
