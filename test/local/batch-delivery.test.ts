import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deliverBatch, type DeliveryPorts } from '../../local/kinesis/batch-delivery';
import type { KinesisEventSourceMapping } from '../../local/kinesis/event-source-mapping';

const NOW = 1_800_000_000_000;

const mapping = (overrides: Partial<KinesisEventSourceMapping> = {}): KinesisEventSourceMapping => ({
  id: 'm',
  logicalId: 'Mapping',
  functionName: 'fn',
  stream: {
    stackName: 's',
    logicalId: 'S',
    name: 'stream',
    arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/stream',
    shardCount: 1,
  },
  startingPosition: 'TRIM_HORIZON',
  startingPositionTimestamp: undefined,
  batchSize: 10,
  batchingWindowMs: 0,
  bisectOnError: false,
  maxRetryAttempts: 2,
  maxRecordAgeSeconds: -1,
  reportBatchItemFailures: true,
  onFailureDestination: undefined,
  ...overrides,
});

const record = (sequenceNumber: string, ageSeconds = 0): KinesisStreamRecord =>
  ({
    kinesis: { sequenceNumber, approximateArrivalTimestamp: (NOW - ageSeconds * 1000) / 1000 },
  }) as KinesisStreamRecord;

/** Drives a delivery with a scripted function and records what happened. */
async function run(
  m: KinesisEventSourceMapping,
  batch: KinesisStreamRecord[],
  fn: (sequenceNumbers: string[]) => unknown,
) {
  const invocations: string[][] = [];
  const checkpoints: string[] = [];
  const failures: { records: string[]; condition: string; attempts: number }[] = [];
  const ports: DeliveryPorts = {
    invoke: async (records) => {
      const sequenceNumbers = records.map((r) => r.kinesis.sequenceNumber);
      invocations.push(sequenceNumbers);
      return fn(sequenceNumbers);
    },
    checkpoint: (r) => checkpoints.push(r.kinesis.sequenceNumber),
    onFailure: async (records, condition, attempts) => {
      failures.push({ records: records.map((r) => r.kinesis.sequenceNumber), condition, attempts });
    },
    pause: async () => undefined,
    now: () => NOW,
  };
  await deliverBatch(m, batch, ports);
  return { invocations, checkpoints, failures };
}

describe('Lambda Kinesis batch semantics', () => {
  it('checkpoints the whole batch on success', async () => {
    // Act
    const outcome = await run(mapping(), [record('1'), record('2')], () => ({ batchItemFailures: [] }));

    // Assess
    expect(outcome).toEqual({ invocations: [['1', '2']], checkpoints: ['2'], failures: [] });
  });

  it('retries from the first failed record of a partial batch response', async () => {
    // Prepare
    let calls = 0;

    // Act
    const outcome = await run(mapping(), [record('1'), record('2'), record('3'), record('4')], () =>
      calls++ === 0 ? { batchItemFailures: [{ itemIdentifier: '4' }, { itemIdentifier: '2' }] } : {},
    );

    // Assess
    expect(outcome.invocations).toEqual([
      ['1', '2', '3', '4'],
      ['2', '3', '4'],
    ]);
    expect(outcome.checkpoints).toEqual(['1', '4']);
  });

  it('ignores the response when partial batch responses are off', async () => {
    // Act
    const outcome = await run(mapping({ reportBatchItemFailures: false }), [record('1')], () => ({
      batchItemFailures: [{ itemIdentifier: '1' }],
    }));

    // Assess
    expect(outcome.invocations).toEqual([['1']]);
    expect(outcome.checkpoints).toEqual(['1']);
  });

  it('treats an unknown item identifier as a failure of the whole batch', async () => {
    // Act
    const outcome = await run(mapping({ maxRetryAttempts: 0 }), [record('1')], () => ({
      batchItemFailures: [{ itemIdentifier: 'nope' }],
    }));

    // Assess
    expect(outcome.failures).toEqual([{ records: ['1'], condition: 'RetryAttemptsExhausted', attempts: 1 }]);
  });

  it('bisects on a function error down to the poison record, then gives it up after the retries', async () => {
    // Act
    const outcome = await run(
      mapping({ bisectOnError: true, maxRetryAttempts: 1 }),
      [record('1'), record('2'), record('3'), record('4')],
      (sequenceNumbers) => {
        if (sequenceNumbers.includes('3')) throw new Error('poison');
        return undefined;
      },
    );

    // Assess
    expect(outcome.invocations).toEqual([['1', '2', '3', '4'], ['1', '2'], ['3', '4'], ['3'], ['3'], ['4']]);
    expect(outcome.failures).toEqual([{ records: ['3'], condition: 'RetryAttemptsExhausted', attempts: 2 }]);
    expect(outcome.checkpoints).toEqual(['2', '3', '4']);
  });

  it('hands records older than the maximum age to the on-failure destination without invoking', async () => {
    // Act
    const outcome = await run(
      mapping({ maxRecordAgeSeconds: 60 }),
      [record('1', 120), record('2', 1)],
      () => undefined,
    );

    // Assess
    expect(outcome.failures).toEqual([{ records: ['1'], condition: 'RecordAgeExceeded', attempts: 0 }]);
    expect(outcome.invocations).toEqual([['2']]);
    expect(outcome.checkpoints).toEqual(['1', '2']);
  });
});
