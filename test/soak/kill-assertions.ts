/** What a kill run must end with, shared by the short test (test/e2e) and the soak. */
import { expect } from 'vitest';
import { multiset } from '../support/streaming-messages';
import type { KillOptions, KillOutcome } from './kill-scenario';

export function expectExactlyOnce(outcome: KillOutcome, options: KillOptions): void {
  const sent = new Set(outcome.traffic.flatMap((tally) => [...tally.sent]));
  const accepted = outcome.traffic.flatMap((tally) => [...tally.accepted]);
  const lake = outcome.streamLakeIds;
  const inLake = new Set(lake);

  // Streaming: no copy twice, every accepted message there, nothing that was never sent.
  expect(accepted.length).toBeGreaterThanOrEqual(options.acceptedBeforeKill * options.kills);
  expect(lake.length, 'lake rows against distinct ids').toBe(inLake.size);
  expect(accepted.filter((id) => !inLake.has(id))).toEqual([]);
  expect(lake.filter((id) => !sent.has(id))).toEqual([]);
  // Only requests cut by the kill may end in the lake without an acknowledgement, and they may not.
  for (const tally of outcome.traffic) expect([...tally.answers.keys()].sort()).toEqual(['207', 'network']);
  expect(outcome.streamMetrics).toEqual({
    inputRecordCount: inLake.size,
    outputRecordCount: inLake.size,
    failedRecordCount: 0,
    duplicateRecordCount: 0,
  });

  // Producers that send a cut request again: every message sent is acknowledged in the end, and is in the lake
  // and in the profile store exactly once; the resend of what the kill let through counts as a duplicate.
  const resending = outcome.resending;
  const resentSent = new Set(resending.traffic.flatMap((tally) => [...tally.sent]));
  const resentAccepted = new Set(resending.traffic.flatMap((tally) => [...tally.accepted]));
  expect(resentSent.size).toBeGreaterThan(0);
  expect(resentAccepted).toEqual(resentSent);
  expect(multiset(resending.lakeIds)).toEqual(multiset([...resentSent]));
  expect(multiset(resending.profileEventIds)).toEqual(multiset([...resentSent]));
  expect(resending.metrics).toMatchObject({ outputRecordCount: resentSent.size, failedRecordCount: 0 });
  expect(resending.metrics.inputRecordCount).toBe(resentSent.size + resending.metrics.duplicateRecordCount);
  expect(resending.metrics.duplicateRecordCount).toBeLessThanOrEqual(resending.resent);

  // Nothing was given up on by the consumer's event source mapping.
  expect(outcome.onFailure).toEqual({ objects: [], pending: [] });

  // File batches: each decided `success`, every row once, the counts exact.
  outcome.batches.forEach((batch, round) => {
    expect(batch.status, `batch ${round}`).toBe('success');
    expect(batch.metrics).toMatchObject({
      inputRecordCount: options.batchRows,
      outputRecordCount: options.batchRows,
      failedRecordCount: 0,
    });
    const ids = outcome.batchLakeIds[round]!;
    expect(ids).toHaveLength(options.batchRows);
    expect(multiset(ids)).toEqual(
      multiset(Array.from({ length: options.batchRows }, (_, i) => `kill-${round}-${i}`)),
    );
  });
}

/** The measured figures of a run, one line, for docs/reliability.md. */
export function killSummary(outcome: KillOutcome): string {
  const accepted = outcome.traffic.reduce((sum, tally) => sum + tally.accepted.size, 0);
  const sent = outcome.traffic.reduce((sum, tally) => sum + tally.sent.size, 0);
  const unacknowledgedInLake = outcome.streamLakeIds.length - accepted;
  return (
    `kills ${outcome.statusesAtKill.length}: messages sent ${sent}, accepted ${accepted}, ` +
    `in the lake ${outcome.streamLakeIds.length} (${unacknowledgedInLake} cut by a kill yet stored); ` +
    `resending producers: ${outcome.resending.lakeIds.length} in the lake and the profile store, ` +
    `${outcome.resending.resent} sent again (${outcome.resending.metrics.duplicateRecordCount} duplicates); ` +
    `batch rows ${outcome.batchLakeIds.map((ids) => ids.length).join('+')}; ` +
    `restarts ${outcome.restartMs.join('/')} ms; phases ${JSON.stringify(outcome.phasesMs)} ms`
  );
}
