/**
 * The identity graph's convergence properties (test/support/graph-properties.ts) on the in-memory store, with every
 * store call delayed by a random few turns of the event loop: many more interleavings per second than the emulator
 * allows, so races between links, merges, splits and reverts are met often.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { jitteredGraphStore } from '../../support/faulty-graph-store';
import { linkingConverges, revertingConverges } from '../../support/graph-properties';
import { MemoryGraphStore } from './memory-graph-store';

/** About two seconds each on a CI core. */
const CASES = 1000;
const SEED = Number(process.env.GRAPH_PROPERTY_SEED ?? 20240103);
const world = { store: () => new MemoryGraphStore(), perWriter: jitteredGraphStore };

describe('identity graph convergence (property, in memory, jittered interleavings)', () => {
  it(`converges to the connected components in ${CASES} generated cases`, { timeout: 120_000 }, async () => {
    await fc.assert(linkingConverges(world), { numRuns: CASES, seed: SEED });
  });

  it(
    `converges to the components of what was not reverted in ${CASES} generated cases`,
    { timeout: 120_000 },
    async () => {
      await fc.assert(revertingConverges(world), { numRuns: CASES, seed: SEED });
    },
  );
});
