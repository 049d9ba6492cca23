import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  KinesisStreamWriter,
  MAX_BYTES_PER_PUT,
  MAX_PUT_ATTEMPTS,
  MAX_RECORDS_PER_PUT,
  putChunks,
} from '../../../lambdas/adapters/kinesis-stream-writer';
import type { StreamEntry } from '../../../lambdas/core/streaming/collect-stream';

const kinesisMock = mockClient(KinesisClient);

const entry = (key: string, bytes = 10): StreamEntry => ({
  partitionKey: key,
  data: Buffer.alloc(bytes, 120),
});

function writer(sleeps: number[] = []) {
  return new KinesisStreamWriter({
    client: new KinesisClient({ region: 'us-east-1' }),
    streamName: 'ingest',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
}

const sentKeys = (call: number): string[] =>
  (kinesisMock.commandCalls(PutRecordsCommand)[call]?.args[0].input as PutRecordsCommandInput).Records!.map(
    (record) => record.PartitionKey!,
  );

describe('KinesisStreamWriter', () => {
  afterEach(() => kinesisMock.reset());

  it('cuts calls at 500 records and at 5 MiB', () => {
    // Prepare
    const many = Array.from({ length: MAX_RECORDS_PER_PUT * 2 + 1 }, (_, i) => entry(`k${i}`));
    const large = Array.from({ length: 6 }, (_, i) => entry(`k${i}`, 1024 * 1024 - 10));

    // Act
    const byCount = putChunks(many).map((chunk) => chunk.length);
    const bySize = putChunks(large).map((chunk) => chunk.length);

    // Assess
    expect(byCount).toEqual([500, 500, 1]);
    expect(bySize).toEqual([5, 1]);
    expect(5 * (1024 * 1024 - 10 + 2)).toBeLessThanOrEqual(MAX_BYTES_PER_PUT);
  });

  it('retries only the refused entries, with a jittered back-off, and reports where each landed', async () => {
    // Prepare
    const sleeps: number[] = [];
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { ShardId: 'shardId-1', SequenceNumber: '1' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolvesOnce({
        FailedRecordCount: 0,
        Records: [
          { ShardId: 'shardId-2', SequenceNumber: '2' },
          { ShardId: 'shardId-3', SequenceNumber: '3' },
        ],
      });

    // Act
    const outcomes = await writer(sleeps).put([entry('a'), entry('b'), entry('c')]);

    // Assess
    expect(outcomes).toEqual([
      { ok: true, shardId: 'shardId-1', sequenceNumber: '1' },
      { ok: true, shardId: 'shardId-2', sequenceNumber: '2' },
      { ok: true, shardId: 'shardId-3', sequenceNumber: '3' },
    ]);
    expect(sentKeys(0)).toEqual(['a', 'b', 'c']);
    expect(sentKeys(1)).toEqual(['b', 'c']);
    expect(sleeps).toEqual([50]);
  });

  it('gives up after the bounded attempts and reports each entry as refused, throttled or not', async () => {
    // Prepare
    const sleeps: number[] = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records!.length,
      Records: input.Records!.map((record) =>
        record.PartitionKey === 'throttled'
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
          : { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
      ),
    }));

    // Act
    const outcomes = await writer(sleeps).put([entry('throttled'), entry('failing')]);

    // Assess
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(MAX_PUT_ATTEMPTS);
    expect(outcomes).toEqual([
      { ok: false, throttled: true, reason: 'ProvisionedThroughputExceededException: slow down' },
      { ok: false, throttled: false, reason: 'InternalFailure: oops' },
    ]);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('treats a failed call as a refusal of all its entries and tries them again', async () => {
    // Prepare
    const throttling = Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(throttling)
      .resolves({ FailedRecordCount: 0, Records: [{ ShardId: 'shardId-1', SequenceNumber: '9' }] });

    // Act
    const outcomes = await writer().put([entry('a')]);

    // Assess
    expect(outcomes).toEqual([{ ok: true, shardId: 'shardId-1', sequenceNumber: '9' }]);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(2);
  });

  it('reports a call that keeps failing as throttled when the stream said so', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const [outcome] = await writer().put([entry('a')]);

    // Assess
    expect(outcome).toEqual({
      ok: false,
      throttled: true,
      reason: 'ProvisionedThroughputExceededException: Rate exceeded',
    });
  });
});
