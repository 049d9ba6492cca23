/** What a load run must end with, shared by the short test (test/e2e) and the soak. */
import { expect } from 'vitest';
import { percentile } from './collect-traffic';
import type { LoadOutcome } from './load-scenario';

/**
 * Memory is flat when the average resident size over the last third of the run is within this share of the
 * average over the first third. V8 grows its heap in steps and collects lazily, so a healthy process wanders by
 * some 10 % around its working set; a leak of per-message state (a few hundred bytes for each of the ~100,000
 * messages of the 60 s run) grows it steadily well past 25 %.
 */
export const FLAT_MEMORY_TOLERANCE = 0.25;

const average = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

/** The last third's average RSS over the first third's (1 = flat). */
export function memoryGrowth(samples: readonly number[]): number {
  const third = Math.floor(samples.length / 3);
  if (third === 0) return 1;
  return average(samples.slice(-third)) / average(samples.slice(0, third));
}

export function expectCleanLoad(outcome: LoadOutcome): void {
  const { tally } = outcome;
  // Every request answered 207 with a transaction id per message: the local runtime never throttles (see the doc).
  expect(Object.fromEntries(tally.answers)).toEqual({ '207': tally.requests });
  expect(tally.accepted.size).toBe(tally.sent.size);
  // Counts reconcile: accepted == distinct in the lake == the stream batches' input, nothing twice.
  const inLake = new Set(outcome.streamLakeIds);
  expect(outcome.streamLakeIds).toHaveLength(inLake.size);
  expect(inLake.size).toBe(tally.accepted.size);
  expect([...tally.accepted].filter((id) => !inLake.has(id))).toEqual([]);
  expect(outcome.streamMetrics).toEqual({
    inputRecordCount: tally.accepted.size,
    outputRecordCount: tally.accepted.size,
    failedRecordCount: 0,
    duplicateRecordCount: 0,
  });
}

export function expectFlatMemory(outcome: LoadOutcome): void {
  expect(memoryGrowth(outcome.rssSamples)).toBeLessThanOrEqual(1 + FLAT_MEMORY_TOLERANCE);
}

/** The measured figures of a run, one line, for docs/reliability.md. */
export function loadSummary(outcome: LoadOutcome): string {
  const { tally, rssSamples } = outcome;
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const seconds = outcome.elapsedMs / 1000;
  return (
    `${seconds.toFixed(1)} s: ${tally.requests} requests, ${tally.accepted.size} messages accepted ` +
    `(${Math.round(tally.accepted.size / seconds)}/s), answers ${JSON.stringify(Object.fromEntries(tally.answers))}; ` +
    `latency p50 ${Math.round(percentile(tally.latenciesMs, 50))} ms, p99 ${Math.round(percentile(tally.latenciesMs, 99))} ms; ` +
    `lake ${outcome.streamLakeIds.length}; drained ${outcome.drainMs} ms after; ` +
    `RSS min ${mb(Math.min(...rssSamples))} / max ${mb(Math.max(...rssSamples))} MB over ${rssSamples.length} samples, ` +
    `last third / first third ${memoryGrowth(rssSamples).toFixed(3)}`
  );
}
