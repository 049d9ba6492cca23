/**
 * Lambda's Kinesis batch semantics for one batch of one shard: invoke; on a partial batch response, checkpoint
 * before the first failed record and retry from it; on a function error, bisect (if enabled) or retry; once the
 * retries are spent or the records too old, hand the batch to the on-failure destination and move on.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { KinesisEventSourceMapping } from './event-source-mapping';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DeliveryPorts {
  invoke(records: readonly KinesisStreamRecord[]): Promise<unknown>;
  checkpoint(record: KinesisStreamRecord): void;
  onFailure(
    records: readonly KinesisStreamRecord[],
    condition: FailureCondition,
    attempts: number,
    error: unknown,
  ): Promise<void>;
  /** Waits between retries; rejects (ending the delivery without checkpoint) when the runtime stops. */
  pause(): Promise<void>;
  now(): number;
}

type Outcome =
  { kind: 'success' } | { kind: 'partial'; firstFailed: number } | { kind: 'error'; error: unknown };

function outcomeOf(
  mapping: KinesisEventSourceMapping,
  records: readonly KinesisStreamRecord[],
  result: unknown,
): Outcome {
  if (!mapping.reportBatchItemFailures || typeof result !== 'object' || result === null)
    return { kind: 'success' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'error', error: new Error('batchItemFailures is not a list') };
  if (failures.length === 0) return { kind: 'success' };
  const positions = failures.map((failure: { itemIdentifier?: unknown } | null) =>
    records.findIndex((record) => record.kinesis.sequenceNumber === failure?.itemIdentifier),
  );
  // Lambda treats an identifier that names no record of the batch as a failure of the whole batch.
  if (positions.some((position) => position < 0)) {
    return { kind: 'error', error: new Error('batchItemFailures names a record that is not in the batch') };
  }
  return { kind: 'partial', firstFailed: Math.min(...positions) };
}

function isExpired(mapping: KinesisEventSourceMapping, record: KinesisStreamRecord, now: number): boolean {
  return (
    mapping.maxRecordAgeSeconds >= 0 &&
    now - record.kinesis.approximateArrivalTimestamp * 1000 > mapping.maxRecordAgeSeconds * 1000
  );
}

export async function deliverBatch(
  mapping: KinesisEventSourceMapping,
  batch: readonly KinesisStreamRecord[],
  ports: DeliveryPorts,
): Promise<void> {
  let pending = [...batch];
  let attempts = 0;
  let lastError: unknown;
  while (pending.length > 0) {
    const expired = pending.filter((record) => isExpired(mapping, record, ports.now()));
    if (expired.length > 0) {
      // Records arrive in order, so the expired ones lead the batch.
      await ports.onFailure(expired, 'RecordAgeExceeded', attempts, lastError);
      ports.checkpoint(expired[expired.length - 1] as KinesisStreamRecord);
      pending = pending.slice(expired.length);
      if (pending.length === 0) return;
    }
    let outcome: Outcome;
    try {
      outcome = outcomeOf(mapping, pending, await ports.invoke(pending));
    } catch (error) {
      outcome = { kind: 'error', error };
    }
    attempts += 1;
    if (outcome.kind === 'success') {
      ports.checkpoint(pending[pending.length - 1] as KinesisStreamRecord);
      return;
    }
    if (outcome.kind === 'partial') {
      if (outcome.firstFailed > 0) {
        ports.checkpoint(pending[outcome.firstFailed - 1] as KinesisStreamRecord);
        pending = pending.slice(outcome.firstFailed);
        // Progress was made: the retry budget is for the record that now leads the batch, which failed once.
        attempts = 1;
      }
      lastError = new Error('partial batch failure');
    } else {
      lastError = outcome.error;
      if (mapping.bisectOnError && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        await deliverBatch(mapping, pending.slice(0, half), ports);
        await deliverBatch(mapping, pending.slice(half), ports);
        return;
      }
    }
    // MaximumRetryAttempts counts retries, so a batch is invoked at most one time more than that.
    if (mapping.maxRetryAttempts >= 0 && attempts > mapping.maxRetryAttempts) {
      await ports.onFailure(pending, 'RetryAttemptsExhausted', attempts, lastError);
      ports.checkpoint(pending[pending.length - 1] as KinesisStreamRecord);
      return;
    }
    await ports.pause();
  }
}
