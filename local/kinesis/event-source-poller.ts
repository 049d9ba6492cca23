/**
 * Polls every shard of every Kinesis event source mapping and delivers records in order per shard, with
 * Lambda's batching, retry and on-failure semantics (see batch-delivery.ts), resuming from persisted checkpoints.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type _Record as StreamRecord,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { EmulatorClients } from '../emulator-clients';
import { LOCAL_REGION } from '../emulators';
import { LOCAL_ACCOUNT } from '../template/cloudformation';
import type { FunctionHost } from '../lambda/function-host';
import type { LocalFunction } from '../lambda/local-function';
import type { RuntimeLog } from '../runtime-log';
import { deliverBatch, type FailureCondition } from './batch-delivery';
import { CheckpointStore } from './checkpoints';
import type { KinesisEventSourceMapping } from './event-source-mapping';
import { writeOnFailureObject } from './on-failure-destination';

/** Lambda polls a shard about once a second; a tenth of that keeps the local loop (and tests) snappy for little CPU. */
export const POLL_INTERVAL_MS = 100;
/** Pause between retries of a failing batch: Lambda backs off too, but locally waiting longer only slows feedback. */
export const RETRY_DELAY_MS = 100;
/** After a failed read (e.g. an expired iterator) wait a little and read again from the checkpoint. */
const READ_ERROR_DELAY_MS = 1000;

export interface KinesisPollerOptions {
  readonly mappings: readonly KinesisEventSourceMapping[];
  readonly host: FunctionHost;
  readonly clients: EmulatorClients;
  readonly dataDir: string;
  readonly log: RuntimeLog;
}

export interface RunningPollers {
  stop(): Promise<void>;
}

class Stopped extends Error {}

function toLambdaRecord(
  record: StreamRecord,
  mapping: KinesisEventSourceMapping,
  shardId: string,
  fn: LocalFunction,
): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber: record.SequenceNumber ?? '',
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber ?? ''}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${fn.name}-role`,
    awsRegion: LOCAL_REGION,
    eventSourceARN: mapping.stream.arn,
  };
}

export function startKinesisPollers(options: KinesisPollerOptions): RunningPollers {
  const { mappings, host, clients, dataDir, log } = options;
  const abort = new AbortController();
  const pause = async (ms: number): Promise<void> => {
    try {
      await sleep(ms, undefined, { signal: abort.signal });
    } catch {
      throw new Stopped();
    }
  };

  async function onFailure(
    mapping: KinesisEventSourceMapping,
    fn: LocalFunction,
    shardId: string,
    records: readonly KinesisStreamRecord[],
    condition: FailureCondition,
    attempts: number,
    error: unknown,
  ): Promise<void> {
    log.error(
      `${mapping.logicalId}: ${records.length} record(s) of ${shardId} given up (${condition})`,
      error,
    );
    await writeOnFailureObject(clients.s3, {
      mapping,
      functionArn: fn.arn,
      shardId,
      records,
      condition,
      attempts,
      error,
    });
  }

  async function pollShard(
    mapping: KinesisEventSourceMapping,
    fn: LocalFunction,
    shardId: string,
    checkpoints: CheckpointStore,
  ): Promise<void> {
    const iterator = async (): Promise<string | undefined> => {
      const after = checkpoints.sequenceNumber(shardId);
      const input: GetShardIteratorCommandInput = {
        StreamName: mapping.stream.name,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      };
      if (after)
        Object.assign(input, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after });
      else if (
        mapping.startingPosition === 'AT_TIMESTAMP' &&
        mapping.startingPositionTimestamp !== undefined
      ) {
        Object.assign(input, {
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(mapping.startingPositionTimestamp * 1000),
        });
      } else if (mapping.startingPosition === 'LATEST') {
        Object.assign(input, {
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(checkpoints.createdAt),
        });
      }
      return (await clients.kinesis.send(new GetShardIteratorCommand(input))).ShardIterator;
    };

    let shardIterator = await iterator();
    let buffer: KinesisStreamRecord[] = [];
    let firstBufferedAt = 0;
    while (!abort.signal.aborted) {
      try {
        if (buffer.length < mapping.batchSize && shardIterator) {
          const read = await clients.kinesis.send(
            new GetRecordsCommand({ ShardIterator: shardIterator, Limit: mapping.batchSize - buffer.length }),
          );
          shardIterator = read.NextShardIterator;
          if (buffer.length === 0) firstBufferedAt = Date.now();
          buffer.push(...(read.Records ?? []).map((record) => toLambdaRecord(record, mapping, shardId, fn)));
        }
        const windowOpen = Date.now() - firstBufferedAt < mapping.batchingWindowMs;
        if (buffer.length === 0 || (buffer.length < mapping.batchSize && windowOpen)) {
          await pause(POLL_INTERVAL_MS);
          continue;
        }
        const batch = buffer.splice(0, mapping.batchSize);
        await deliverBatch(mapping, batch, {
          invoke: (records) => host.invoke(fn, { Records: [...records] } satisfies KinesisStreamEvent),
          checkpoint: (record) => checkpoints.save(shardId, record.kinesis.sequenceNumber),
          onFailure: (records, condition, attempts, error) =>
            onFailure(mapping, fn, shardId, records, condition, attempts, error),
          pause: () => pause(RETRY_DELAY_MS),
          now: () => Date.now(),
        });
      } catch (error) {
        if (error instanceof Stopped || abort.signal.aborted) return;
        log.error(
          `${mapping.logicalId}: reading ${shardId} of ${mapping.stream.name} failed; resuming from the checkpoint`,
          error,
        );
        buffer = [];
        await pause(READ_ERROR_DELAY_MS).catch(() => undefined);
        shardIterator = await iterator().catch(() => undefined);
      }
    }
  }

  async function runMapping(mapping: KinesisEventSourceMapping): Promise<void> {
    const fn = host.find(mapping.functionName);
    if (!fn) throw new Error(`${mapping.logicalId}: no local function ${mapping.functionName}`);
    const checkpoints = new CheckpointStore(dataDir, mapping.id);
    const shards = await clients.kinesis.send(new ListShardsCommand({ StreamName: mapping.stream.name }));
    await Promise.all(
      (shards.Shards ?? []).map((shard) => pollShard(mapping, fn, shard.ShardId ?? '', checkpoints)),
    );
  }

  const running = mappings.map((mapping) =>
    runMapping(mapping).catch((error: unknown) =>
      log.error(`event source mapping ${mapping.logicalId} stopped`, error),
    ),
  );
  return {
    async stop() {
      abort.abort();
      await Promise.all(running);
    },
  };
}
