/**
 * The 60 s load run on loopback against the local runtime in its own process: sustained collect traffic with no
 * error answers, counts that reconcile afterwards, and the runtime's resident memory flat (the last third's average
 * within FLAT_MEMORY_TOLERANCE of the first third's). `npm run test:soak`.
 */
import { describe, expect, it } from 'vitest';
import { expectCleanLoad, expectFlatMemory, loadSummary } from './load-assertions';
import { runLoadScenario, type LoadOptions } from './load-scenario';

const SOAK: LoadOptions = {
  host: 'child',
  durationMs: 60_000,
  /** A fixed count well above what 60 s carries here, so the duration bounds the run. */
  maxRequests: 5_000,
  producers: 2,
  messagesPerRequest: 50,
  pauseMs: 50,
  sampleEveryMs: 1_000,
};

describe('collect traffic under a 60 s bounded load', () => {
  it('answers every request, loses nothing, stores nothing twice, and keeps its memory flat', async () => {
    // Act
    const outcome = await runLoadScenario(SOAK);

    // Assess
    console.info(loadSummary(outcome));
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(SOAK.durationMs);
    expectCleanLoad(outcome);
    expectFlatMemory(outcome);
  });
});
