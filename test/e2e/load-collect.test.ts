/**
 * A short bounded load run on loopback against the local runtime in its own process: sustained collect traffic
 * with no error answers, and counts that reconcile afterwards (accepted == in the lake once == the stream batches'
 * input). The 60 s version with the memory check is in test/soak (`npm run test:soak`).
 */
import { describe, expect, it } from 'vitest';
import { runLoadScenario, type LoadOptions } from '../soak/load-scenario';
import { expectCleanLoad, loadSummary } from '../soak/load-assertions';

const SHORT: LoadOptions = {
  host: 'in-process',
  durationMs: 6_000,
  maxRequests: 400,
  producers: 2,
  messagesPerRequest: 50,
  pauseMs: 50,
  sampleEveryMs: 500,
};

describe('collect traffic under a short bounded load', () => {
  it('answers every request, loses nothing and stores nothing twice', async () => {
    // Act
    const outcome = await runLoadScenario(SHORT);

    // Assess
    console.info(loadSummary(outcome));
    expect(outcome.tally.requests).toBeGreaterThan(0);
    expectCleanLoad(outcome);
  }, 180_000);
});
