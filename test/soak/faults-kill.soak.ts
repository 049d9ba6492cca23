/**
 * The kill loop: the local runtime killed with SIGKILL mid-stream and mid-batch five times in a row, each restart
 * on the same data folder resuming the interrupted batches (which the next kill may cut again): every accepted
 * message and every completed batch row ends in the lake exactly once. `npm run test:soak`.
 */
import { describe, expect, it } from 'vitest';
import { multiset } from '../support/streaming-messages';
import { expectExactlyOnce, killSummary } from './kill-assertions';
import { runKillScenario, type KillOptions } from './kill-scenario';

const SOAK: KillOptions = {
  kills: 5,
  batchRows: 1_000,
  producers: 2,
  resendingProducers: 1,
  messagesPerRequest: 50,
  acceptedBeforeKill: 500,
};

describe('the local runtime killed again and again', () => {
  it('ingests every accepted message and every completed batch row exactly once after each restart', async () => {
    // Act
    const outcome = await runKillScenario(SOAK);

    // Assess
    console.info(killSummary(outcome));
    expectExactlyOnce(outcome, SOAK);
    expect(multiset(outcome.statusesAtKill)).toEqual(new Map([['processing', SOAK.kills]]));
  });
});
