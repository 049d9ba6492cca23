/**
 * The local runtime killed with SIGKILL in the middle of streaming and of a file batch, then restarted on the same
 * data folder (its lock taken over from the dead process): every accepted message and every row of the completed
 * batch ends in the lake exactly once, and the catalog's counts agree. Producers to a profile-enabled dataset send
 * the requests the kill cut again: each of their messages ends in the lake and the profile store exactly once. The
 * consumer's on-failure destination stays empty. The short version of test/soak (one kill).
 */
import { describe, expect, it } from 'vitest';
import { multiset } from '../support/streaming-messages';
import { runKillScenario, type KillOptions } from '../soak/kill-scenario';
import { expectExactlyOnce, killSummary } from '../soak/kill-assertions';

const SHORT: KillOptions = {
  kills: 1,
  batchRows: 300,
  producers: 2,
  resendingProducers: 1,
  messagesPerRequest: 50,
  acceptedBeforeKill: 200,
};

describe('the local runtime killed mid-stream and mid-batch', () => {
  it('ingests every accepted or resent message and every completed batch row exactly once after the restart', async () => {
    // Act
    const outcome = await runKillScenario(SHORT);

    // Assess
    console.info(killSummary(outcome));
    expectExactlyOnce(outcome, SHORT);
    expect(multiset(outcome.statusesAtKill)).toEqual(new Map([['processing', SHORT.kills]]));
  }, 240_000);
});
