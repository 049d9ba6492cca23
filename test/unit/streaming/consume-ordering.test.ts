import { describe, expect, it } from 'vitest';
import { BatchService } from '../../../lambdas/core/batch-catalog/batch-service';
import {
  applyToProfiles,
  type ApplyInput,
  type ApplyItem,
} from '../../../lambdas/core/profiles/apply-to-profiles';
import { arrivalOrder } from '../../../lambdas/core/profiles/fragments';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import type { StreamEntry, StreamWriter } from '../../../lambdas/core/streaming/collect-stream';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { streamingBatchId, type StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { MemoryGraph, MemoryProfileData } from '../../support/profile-apply-fakes';
import { fakes, lakeRowsOf, quarantineLines, streamRecord, target } from './consume-fakes';

const DAY_1 = '2024-05-01T10:05:00.000Z';
const DAY_3 = '2024-05-03T09:00:00.000Z';
const DAY_8 = new Date('2024-05-08T12:00:00.000Z');
const DAY_9 = new Date('2024-05-09T12:00:00.000Z');

/** A stream that keeps what a replay puts, to be fed back to the consumer. */
class KeptStream implements StreamWriter {
  entries: StreamEntry[] = [];
  async put(entries: readonly StreamEntry[]) {
    this.entries.push(...entries);
    return entries.map(() => ({ ok: true as const, shardId: 'shardId-000000000001', sequenceNumber: '1' }));
  }

  drain() {
    const records = this.entries.map((entry) =>
      streamRecord(
        JSON.parse(Buffer.from(entry.data).toString('utf8')) as StreamMessage,
        'shardId-000000000001',
      ),
    );
    this.entries = [];
    return records;
  }
}

/** The consumer over fakes, with the real profile core over in-memory graph and fragment stores. */
function world(now: () => Date) {
  const base = fakes({ 'ds-a': target('ds-a') });
  const data = new MemoryProfileData();
  const applyDeps = {
    graph: new MemoryGraph(),
    data,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
  };
  const deps = { ...base.deps, applyToProfiles: (input: ApplyInput) => applyToProfiles(applyDeps, input) };
  const stream = new KeptStream();
  const batches = new BatchService({
    store: base.batches,
    fileBatches: { stagedChunksOf: () => Promise.resolve([]) },
    quarantine: base.quarantine,
    stream,
    progress: base.progress,
    now,
  });
  const ageOfAda = () =>
    [...data.fragments.values()].find((fragment) => fragment.identity.id === 'ada@x.io')?.attributes['age'];
  return { ...base, deps, stream, batches, ageOfAda };
}

describe('consume: the order in which profile records apply', () => {
  it('a record fixed and replayed a week later does not overwrite a newer update of the same person', async () => {
    // Prepare: day 1, Ada's record fails (no email); day 3, a newer update of Ada is ingested
    let now = DAY_8;
    const w = world(() => now);
    await consumeRecords(w.deps, [
      streamRecord({ messageId: 'old', receivedAt: DAY_1, record: { age: 30 } }),
    ]);
    await consumeRecords(w.deps, [
      streamRecord({ messageId: 'new', receivedAt: DAY_3, record: { email: 'ada@x.io', age: 31 } }),
    ]);

    // Act: day 8, the day-1 record is fixed and replayed
    const outcome = await w.batches.replay('prod', streamingBatchId('ds-a', DAY_1), [
      { messageId: 'old', record: { email: 'ada@x.io', age: 30 } },
    ]);
    await consumeRecords(w.deps, w.stream.drain());
    now = DAY_9;

    // Assess: the newer update stands; the replay is in the lake, in the batch of its own window, stamped when
    // it was accepted
    expect(w.ageOfAda()).toBe(31);
    expect(outcome.replayBatchIds).toEqual([streamingBatchId('ds-a', DAY_8.toISOString())]);
    const replayFile = [...w.lake.objects.entries()].find(([key]) =>
      key.includes(outcome.replayBatchIds[0]!),
    );
    const rows = await lakeRowsOf<{ message_id: string; received_at: Date }>(replayFile![1]);
    expect(rows.map((row) => [row.message_id, row.received_at.toISOString()])).toEqual([
      ['old', DAY_8.toISOString()],
    ]);
  });

  it('a replay of a replay keeps the time of the first original', async () => {
    // Prepare: day 1 fails; the day-8 replay is still wrong and fails again
    let now = DAY_8;
    const w = world(() => now);
    await consumeRecords(w.deps, [
      streamRecord({ messageId: 'old', receivedAt: DAY_1, record: { age: 30 } }),
    ]);
    const first = await w.batches.replay('prod', streamingBatchId('ds-a', DAY_1), [
      { messageId: 'old', record: { age: 30, note: 'still no email' } },
    ]);
    await consumeRecords(w.deps, w.stream.drain());
    now = DAY_9;

    // Act
    await w.batches.replay('prod', first.replayBatchIds[0]!, [
      { messageId: 'old', record: { email: 'ada@x.io', age: 30 } },
    ]);

    // Assess
    const [again] = w.stream.entries.map(
      (entry) => JSON.parse(Buffer.from(entry.data).toString('utf8')) as StreamMessage,
    );
    expect(again).toMatchObject({
      receivedAt: DAY_9.toISOString(),
      originalReceivedAt: DAY_1,
      replayOf: first.replayBatchIds[0],
    });
    expect(quarantineLines(w.quarantine).map((line) => line.originalReceivedAt)).toEqual([undefined, DAY_1]);
  });

  it('builds each profile item from the message: original time, arrival in its request, and operation', async () => {
    // Prepare
    const base = fakes({ 'ds-a': target('ds-a') });
    const items: ApplyItem[] = [];
    const deps = {
      ...base.deps,
      applyToProfiles: async (input: ApplyInput) => {
        items.push(...input.items);
        return {
          results: input.items.map((_, index) => ({ index, status: 'applied' as const })),
          writeUnits: 0,
        };
      },
    };

    // Act
    await consumeRecords(deps, [
      streamRecord({
        messageId: 'b:0',
        receivedAt: DAY_3,
        requestIndex: 0,
        record: { email: 'ada@x.io', age: 1 },
      }),
      streamRecord({
        messageId: 'b:1',
        receivedAt: DAY_3,
        requestIndex: 1,
        operation: 'merge',
        record: { email: 'ada@x.io', age: 2 },
      }),
      streamRecord({
        messageId: 'r',
        receivedAt: DAY_8.toISOString(),
        originalReceivedAt: DAY_1,
        origin: 'replay',
        requestIndex: 4,
        operation: 'delete',
        record: { email: 'ada@x.io' },
      }),
      streamRecord({ messageId: 'single', receivedAt: DAY_3, record: { email: 'bob@x.io' } }),
    ]);

    // Assess
    expect(items.map(({ receivedAt, arrival, operation }) => ({ receivedAt, arrival, operation }))).toEqual([
      { receivedAt: DAY_3, arrival: arrivalOrder(DAY_3, 0), operation: undefined },
      { receivedAt: DAY_3, arrival: arrivalOrder(DAY_3, 1), operation: 'merge' },
      { receivedAt: DAY_1, arrival: arrivalOrder(DAY_1, 4), operation: 'delete' },
      { receivedAt: DAY_3, arrival: arrivalOrder(DAY_3, 0), operation: undefined },
    ]);
  });

  it('judges a merge on the fields it carries: a missing required field does not quarantine it', async () => {
    // Prepare
    const base = fakes({ 'ds-a': target('ds-a') });

    // Act
    await consumeRecords(base.deps, [
      streamRecord({ messageId: 'm', operation: 'merge', record: { age: 3 } }),
      streamRecord({ messageId: 'c', record: { age: 3 } }),
    ]);

    // Assess
    expect(quarantineLines(base.quarantine).map((line) => line.messageId)).toEqual(['c']);
  });

  it("marks a merge or delete in the lake's upsert_operation column, so a partial record is never read as whole", async () => {
    // Prepare
    const base = fakes({ 'ds-a': target('ds-a') });

    // Act
    await consumeRecords(base.deps, [
      streamRecord({ messageId: 'c', record: { email: 'ada@x.io', age: 3 } }),
      streamRecord({ messageId: 'm', operation: 'merge', record: { email: 'ada@x.io', age: 4 } }),
      streamRecord({ messageId: 'd', operation: 'delete', record: { email: 'ada@x.io' } }),
    ]);

    // Assess
    const [body] = [...base.lake.objects.values()];
    const rows = await lakeRowsOf<{ message_id: string; upsert_operation: string | null }>(body!);
    expect(rows.map((row) => [row.message_id, row.upsert_operation])).toEqual([
      ['c', null],
      ['m', 'merge'],
      ['d', 'delete'],
    ]);
  });
});
