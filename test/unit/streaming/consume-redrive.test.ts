import { describe, expect, it } from 'vitest';
import type { StreamEntry, StreamPutOutcome } from '../../../lambdas/core/streaming/collect-stream';
import type { ConsumeDeps, StreamRecord } from '../../../lambdas/core/streaming/consume-ports';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { recordOnFailure } from '../../../lambdas/core/streaming/on-failure-ledger';
import { onFailureObjectKey, type OnFailureRecord } from '../../../lambdas/core/streaming/on-failure-record';
import { RedriveService } from '../../../lambdas/core/streaming/redrive';
import type { StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { MemoryOnFailureLedger } from '../../support/memory-on-failure-ledger';
import { fakes, lakeMessageIds, streamRecord, target, totals, type Fakes } from './consume-fakes';

const SHARD = 'shardId-000000000003';
const FAILED_AT = new Date('2024-05-02T09:00:00.000Z');

/** Lambda's invocation record of a batch it gave up on, as an S3 on-failure destination gets it. */
function onFailureObject(records: readonly StreamRecord[]): { key: string; body: Buffer } {
  const [first] = records as [StreamRecord];
  const last = records[records.length - 1] as StreamRecord;
  const arrival = new Date(first.approximateArrivalTimestamp * 1000).toISOString();
  const record: OnFailureRecord = {
    requestContext: {
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 42,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: FAILED_AT.toISOString(),
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival,
      approximateArrivalOfLastRecord: arrival,
      batchSize: records.length,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/ingest',
    },
    payload: {
      Records: records.map((source) => ({
        kinesis: {
          partitionKey: `pk-${source.sequenceNumber}`,
          sequenceNumber: source.sequenceNumber,
          data: source.data.toString('base64'),
          approximateArrivalTimestamp: source.approximateArrivalTimestamp,
        },
        eventID: `${source.shardId}:${source.sequenceNumber}`,
      })),
    },
  };
  return {
    key: onFailureObjectKey('mapping-1', first.shardId, FAILED_AT, 'uuid-1'),
    body: Buffer.from(JSON.stringify(record), 'utf8'),
  };
}

/** A stream that keeps what the redrive puts, to feed it back to the consumer. */
class RedriveStream {
  readonly entries: StreamEntry[] = [];
  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    this.entries.push(...entries);
    return entries.map(() => ({ ok: true, shardId: 'shardId-000000000009', sequenceNumber: '1' }));
  }

  /** What was put, as the consumer reads it from another shard. */
  drain(): StreamRecord[] {
    return this.entries
      .splice(0)
      .map((entry) =>
        streamRecord(
          JSON.parse(Buffer.from(entry.data).toString('utf8')) as StreamMessage,
          'shardId-000000000009',
        ),
      );
  }
}

/** The consumer gives up on `records` after crashing half way through its writes, every time. */
async function givenUp(world: Fakes, records: readonly StreamRecord[]): Promise<string> {
  const crashing: ConsumeDeps = {
    ...world.deps,
    batches: Object.assign(Object.create(world.batches) as ConsumeDeps['batches'], {
      markDedupWritten: () => Promise.reject(new Error('crash after the lake write')),
    }),
  };
  await expect(consumeRecords(crashing, records)).rejects.toThrow('crash');
  const object = onFailureObject(records);
  await world.quarantine.put(object.key, object.body);
  return object.key;
}

function redriveOf(world: Fakes, ledger: MemoryOnFailureLedger, stream: RedriveStream) {
  return new RedriveService({
    ledger,
    objects: world.quarantine,
    stream,
    now: () => new Date('2024-05-02T10:00:00.000Z'),
  });
}

describe('the on-failure destination: recorded, redriven per sandbox, cleaned up', () => {
  it('rolls back the invocation given up on, counts its records per sandbox, and redrives each once', async () => {
    // Prepare: one batch of two sandboxes' records that the consumer crashed on until Lambda gave up
    const world = fakes({ 'ds-a': target('ds-a') });
    const ledger = new MemoryOnFailureLedger();
    const stream = new RedriveStream();
    const records = [
      streamRecord({ messageId: 'prod-1', record: { email: 'a@x.io' } }, SHARD),
      streamRecord({ messageId: 'dev-1', sandbox: 'dev', record: { email: 'b@x.io' } }, SHARD),
      streamRecord({ messageId: 'prod-2', record: { _id: 'rec-2', email: 'c@x.io' } }, SHARD),
    ];
    const key = await givenUp(world, records);
    const partlyWritten = await lakeMessageIds(world.lake);

    // Act
    const recorded = await recordOnFailure({ objects: world.quarantine, ledger, consumer: world.deps }, key);
    const afterRollBack = await lakeMessageIds(world.lake);
    const redrive = redriveOf(world, ledger, stream);
    const listed = await redrive.failures('prod', { limit: 10 });
    const first = await redrive.redrive('prod');
    await consumeRecords(world.deps, stream.drain());
    const again = await redrive.redrive('prod');

    // Assess: the crash had left records in the lake that Lambda then gave up on; the roll-back removed them
    expect(partlyWritten).toEqual(['dev-1', 'prod-1', 'prod-2']);
    expect(recorded).toEqual({ recorded: true, records: 3, sandboxes: 2, rolledBack: true });
    expect(afterRollBack).toEqual([]);
    expect(listed.items).toEqual([
      expect.objectContaining({
        id: key,
        records: 2,
        datasets: [{ datasetId: 'ds-a', records: 2 }],
        condition: 'RecordAgeExceeded',
        status: 'pending',
      }),
    ]);
    expect(first).toEqual({
      redriven: 1,
      messages: 2,
      batchIds: ['stream-ds-a-20240502T1000'],
      remaining: 0,
    });
    expect(await lakeMessageIds(world.lake)).toEqual(['prod-1', 'prod-2']);
    expect(again).toEqual({ redriven: 0, messages: 0, batchIds: [], remaining: 0 });
    // The object still holds the other sandbox's records, which only that sandbox's admin redrives.
    expect(world.quarantine.objects.has(key)).toBe(true);
    expect((await redrive.failures('dev', { limit: 10 })).items).toEqual([
      expect.objectContaining({ records: 1, status: 'pending' }),
    ]);
  });

  it('deletes the object once every sandbox has redriven its part', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const ledger = new MemoryOnFailureLedger();
    const stream = new RedriveStream();
    const key = await givenUp(world, [
      streamRecord({ messageId: 'prod-1', record: { email: 'a@x.io' } }, SHARD),
      streamRecord({ messageId: 'dev-1', sandbox: 'dev', record: { email: 'b@x.io' } }, SHARD),
    ]);
    await recordOnFailure({ objects: world.quarantine, ledger, consumer: world.deps }, key);
    const redrive = redriveOf(world, ledger, stream);

    // Act
    await redrive.redrive('prod');
    const kept = world.quarantine.objects.has(key);
    await redrive.redrive('dev');

    // Assess
    expect(kept).toBe(true);
    expect(world.quarantine.objects.has(key)).toBe(false);
    expect(ledger.objects.has(key)).toBe(false);
    expect((await redrive.failures('dev', { limit: 10 })).items).toEqual([
      expect.objectContaining({ status: 'redriven', redrivenAt: '2024-05-02T10:00:00.000Z' }),
    ]);
  });

  it('keeps the original ids, so a redriven record that is in the lake already counts as a duplicate', async () => {
    // Prepare: the record reached the lake through a producer's resend before the redrive
    const world = fakes({ 'ds-a': target('ds-a') });
    const ledger = new MemoryOnFailureLedger();
    const stream = new RedriveStream();
    const key = await givenUp(world, [
      streamRecord({ messageId: 'm-1', producerMessageId: 'order-7', record: { email: 'a@x.io' } }, SHARD),
    ]);
    await recordOnFailure({ objects: world.quarantine, ledger, consumer: world.deps }, key);
    await consumeRecords(world.deps, [
      streamRecord({ messageId: 'm-2', producerMessageId: 'order-7', record: { email: 'a@x.io' } }),
    ]);

    // Act
    await redriveOf(world, ledger, stream).redrive('prod');
    const redriven = stream.drain();
    await consumeRecords(world.deps, redriven);

    // Assess
    const message = JSON.parse(redriven[0]?.data.toString('utf8') ?? '{}') as StreamMessage;
    expect(message).toMatchObject({ messageId: 'm-1', producerMessageId: 'order-7', origin: 'redrive' });
    expect(await lakeMessageIds(world.lake)).toEqual(['m-2']);
    expect(totals(world.batches)).toMatchObject({ output: 1, duplicates: 1 });
  });
});
