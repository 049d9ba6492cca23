/**
 * Lambda's S3 on-failure destination for a Kinesis event source mapping: the invocation record of a batch given up
 * on, with the whole event under `payload`, at Lambda's key layout (lambdas/core/streaming/on-failure-record.ts has
 * the shape, checked against what Lambda writes). Destinations other than S3 are not emulated (only logged).
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { onFailureObjectKey, type OnFailureRecord } from '../../lambdas/core/streaming/on-failure-record';
import type { FailureCondition } from './batch-delivery';
import type { KinesisEventSourceMapping } from './event-source-mapping';

export interface GivenUpBatch {
  readonly mapping: KinesisEventSourceMapping;
  readonly functionArn: string;
  readonly shardId: string;
  readonly records: readonly KinesisStreamRecord[];
  readonly condition: FailureCondition;
  readonly attempts: number;
  /** The last invocation's error, if the batch failed by one. */
  readonly error: unknown;
}

const isoOfEpochSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Writes the batch's invocation record to the mapping's S3 destination; answers its key (none without one). */
export async function writeOnFailureObject(
  s3: S3Client,
  batch: GivenUpBatch,
  now: Date = new Date(),
): Promise<string | undefined> {
  const bucket = /^arn:[^:]+:s3:::(.+)$/.exec(batch.mapping.onFailureDestination ?? '')?.[1];
  const [first] = batch.records;
  const last = batch.records[batch.records.length - 1];
  if (!bucket || !first || !last) return undefined;
  const record: OnFailureRecord = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.attempts,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(batch.error === undefined ? {} : { functionError: 'Unhandled' }),
    },
    version: '1.0',
    timestamp: now.toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.kinesis.sequenceNumber,
      endSequenceNumber: last.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: isoOfEpochSeconds(first.kinesis.approximateArrivalTimestamp),
      approximateArrivalOfLastRecord: isoOfEpochSeconds(last.kinesis.approximateArrivalTimestamp),
      batchSize: batch.records.length,
      streamArn: batch.mapping.stream.arn,
    },
    // The whole invocation event, as an object (not its JSON text), as Lambda writes it for S3 destinations.
    payload: { Records: [...batch.records] } satisfies KinesisStreamEvent,
  };
  const key = onFailureObjectKey(batch.mapping.id, batch.shardId, now, randomUUID());
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(record),
      ContentType: 'application/json',
    }),
  );
  return key;
}
