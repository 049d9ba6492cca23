import { describe, expect, it } from 'vitest';
import { BatchService } from '../../../lambdas/core/batch-catalog/batch-service';
import type { StreamEntry, StreamPutOutcome } from '../../../lambdas/core/streaming/collect-stream';
import type { StreamRecord } from '../../../lambdas/core/streaming/consume-ports';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { streamingBatchId } from '../../../lambdas/core/streaming/stream-message';
import {
  COLLECT_PUT_HORIZON_MS,
  ProgressRecordingStream,
} from '../../../lambdas/core/streaming/stream-progress';
import { fakes, streamMessage, target, type Fakes } from './consume-fakes';

const RECEIVED_AT = '2024-05-01T10:05:00.000Z';
const WINDOW_END = Date.parse('2024-05-01T10:15:00.000Z');
const BATCH_ID = streamingBatchId('ds-a', RECEIVED_AT);

/** Kinesis as the collect function sees it: each record stored on the shard its partition key names, in order. */
class ShardedStream {
  readonly shards = new Map<string, StreamRecord[]>();
  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    return entries.map((entry) => {
      const shardId = entry.partitionKey;
      const records = this.shards.get(shardId) ?? [];
      const sequenceNumber = String(records.length + 1);
      records.push({
        shardId,
        sequenceNumber,
        data: Buffer.from(entry.data),
        approximateArrivalTimestamp: Date.parse(RECEIVED_AT) / 1000,
      });
      this.shards.set(shardId, records);
      return { ok: true, shardId, sequenceNumber };
    });
  }
}

const message = (messageId: string, email: string): StreamEntry => ({
  partitionKey: 'shardId-a',
  data: Buffer.from(JSON.stringify(streamMessage({ messageId, receivedAt: RECEIVED_AT, record: { email } }))),
});

function world(): {
  world: Fakes;
  kinesis: ShardedStream;
  collect: ProgressRecordingStream;
  at: { now: Date };
} {
  const consumer = fakes({ 'ds-a': target('ds-a') });
  const kinesis = new ShardedStream();
  const at = { now: new Date(RECEIVED_AT) };
  return {
    world: consumer,
    kinesis,
    collect: new ProgressRecordingStream(kinesis, consumer.progress, () => at.now),
    at,
  };
}

const statusAt = (consumer: Fakes, now: number) =>
  new BatchService({
    store: consumer.batches,
    fileBatches: { stagedChunksOf: () => Promise.resolve([]) },
    quarantine: consumer.quarantine,
    progress: consumer.progress,
    stream: { put: () => Promise.resolve([]) },
    now: () => new Date(now),
  })
    .get('prod', BATCH_ID)
    .then((view) => view.status);

describe('a streaming batch closes when its window is consumed, not by the clock', () => {
  it('stays processing while a record of its window waits on a shard, however late, and closes once it is consumed', async () => {
    // Prepare: two messages of the window put on one shard; the consumer got to the first only
    const { world: consumer, kinesis, collect } = world();
    await collect.put([message('m-1', 'a@x.io'), message('m-2', 'b@x.io')]);
    const [first, second] = kinesis.shards.get('shardId-a') as [StreamRecord, StreamRecord];
    await consumeRecords(consumer.deps, [first]);
    const anHourLater = WINDOW_END + 60 * 60_000;

    // Act
    const whileLate = await statusAt(consumer, anHourLater);
    await consumeRecords(consumer.deps, [second]);
    const consumed = await statusAt(consumer, anHourLater);

    // Assess
    expect(whileLate).toBe('processing');
    expect(consumed).toBe('success');
  });

  it('does not wait for a shard that got nothing in the window, and waits the put horizon for requests in flight', async () => {
    // Prepare: the window's only records went to one shard (another exists, idle), and were all consumed
    const { world: consumer, kinesis, collect } = world();
    await collect.put([message('m-1', 'a@x.io')]);
    await consumer.progress.recordConsumed('shardId-idle', '7');
    await consumeRecords(consumer.deps, kinesis.shards.get('shardId-a')!);

    // Act
    const inHorizon = await statusAt(consumer, WINDOW_END + COLLECT_PUT_HORIZON_MS - 1);
    const after = await statusAt(consumer, WINDOW_END + COLLECT_PUT_HORIZON_MS);

    // Assess
    expect(inHorizon).toBe('processing');
    expect(after).toBe('success');
  });

  it('records a put near a window boundary for both windows it may hold records of', async () => {
    // Prepare: a request stamped just before the window's end puts just after it
    const { world: consumer, collect, at } = world();
    at.now = new Date(WINDOW_END + COLLECT_PUT_HORIZON_MS / 2);

    // Act
    await collect.put([message('m-1', 'a@x.io')]);

    // Assess
    const windows = ['2024-05-01T10:00:00.000Z', '2024-05-01T10:15:00.000Z'];
    const puts = await Promise.all(windows.map((window) => consumer.progress.putsOf(window)));
    expect(puts.map((put) => Object.fromEntries(put))).toEqual([{ 'shardId-a': '1' }, { 'shardId-a': '1' }]);
  });
});
