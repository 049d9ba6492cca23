import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisStreamWriter } from '../../lambdas/adapters/kinesis-stream-writer';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { eventually } from '../local/eventually';

const STREAM = 'collect-writer';

async function readAll(kinesis: KinesisClient, shardId: string): Promise<{ key: string; data: string }[]> {
  const iterator = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const out = await kinesis.send(
    new GetRecordsCommand({ ShardIterator: iterator.ShardIterator!, Limit: 10_000 }),
  );
  return (out.Records ?? []).map((record) => ({
    key: record.PartitionKey!,
    data: Buffer.from(record.Data!).toString('utf8'),
  }));
}

describe('KinesisStreamWriter against the Kinesis emulator', () => {
  let emulators: RunningEmulators;
  let clients: EmulatorClients;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
    await eventually(async () => {
      const described = await clients.kinesis.send(new DescribeStreamCommand({ StreamName: STREAM }));
      return described.StreamDescription?.StreamStatus === 'ACTIVE' ? true : undefined;
    }, 'the stream to become active');
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  it('stores every entry, over more than one PutRecords call, and says on which shard and sequence', async () => {
    // Prepare
    const writer = new KinesisStreamWriter({ client: clients.kinesis, streamName: STREAM });
    const entries = Array.from({ length: 620 }, (_, i) => ({
      partitionKey: `Email#person-${i % 40}@example.com`,
      data: Buffer.from(JSON.stringify({ n: i }), 'utf8'),
    }));

    // Act
    const outcomes = await writer.put(entries);

    // Assess
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const shards = [...new Set(outcomes.map((outcome) => (outcome.ok ? outcome.shardId : '')))].sort();
    const stored = (await Promise.all(shards.map((shard) => readAll(clients.kinesis, shard)))).flat();
    expect(stored).toHaveLength(620);
    expect(
      stored.map((record) => (JSON.parse(record.data) as { n: number }).n).sort((a, b) => a - b),
    ).toEqual(entries.map((_, i) => i));
    // One identity, one shard: every record of a partition key sits on the shard of its first record.
    const shardOfKey = new Map<string, string>();
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) return;
      const key = entries[i]!.partitionKey;
      expect(shardOfKey.get(key) ?? outcome.shardId).toBe(outcome.shardId);
      shardOfKey.set(key, outcome.shardId);
    });
  });

  it('reports every entry refused when the stream does not exist, after its bounded retries', async () => {
    // Prepare
    const writer = new KinesisStreamWriter({
      client: clients.kinesis,
      streamName: 'no-such-stream',
      sleep: async () => undefined,
    });

    // Act
    const outcomes = await writer.put([{ partitionKey: 'k', data: Buffer.from('{}') }]);

    // Assess
    expect(outcomes).toEqual([
      {
        ok: false,
        throttled: false,
        reason: expect.stringContaining('ResourceNotFoundException') as unknown,
      },
    ]);
  });
});
