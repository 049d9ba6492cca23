import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, S3OnFailureDestination } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config/env-names';
import { TributaryFunction } from './constructs/tributary-function';
import type { TributaryStorage } from './storage-stack';

/**
 * Records per invocation. A hundred records make one Parquet file per dataset and batch of reasonable size and keep
 * an invocation (validation, marker claims, profile writes) to a few seconds; more would lengthen what a bisect or a
 * partial failure re-runs.
 */
export const CONSUMER_BATCH_SIZE = 100;
/** Wait up to five seconds to fill a batch: fewer, larger lake files at low traffic, at a latency producers accept. */
export const CONSUMER_BATCHING_WINDOW = Duration.seconds(5);
/**
 * Retries of a failing batch (each bisected) before its records go to the on-failure destination. Ten halvings of
 * 100 records isolate a poison record; the default (-1) would retry it until it expires and block its shard.
 */
export const CONSUMER_RETRY_ATTEMPTS = 10;
/**
 * Records older than a day skip to the on-failure destination: a day of outage is worth an alarm and a replay,
 * not an ever-growing backlog; it stays below the stream's seven-day retention so nothing expires unseen.
 */
export const CONSUMER_MAX_RECORD_AGE = Duration.days(1);
/**
 * One invocation per shard at a time: records of one primary identity share a shard and must apply in order
 * (DESIGN §5 Ordering); throughput scales with the on-demand stream's shards instead.
 */
export const CONSUMER_PARALLELIZATION_FACTOR = 1;
/** An invocation of 100 records takes seconds; a minute leaves room for throttled DynamoDB retries. */
export const CONSUMER_TIMEOUT = Duration.minutes(1);
/** Validation and Parquet encoding are CPU-bound: 1 GB buys most of a vCPU. */
export const CONSUMER_MEMORY_MB = 1024;
/** A consumer five minutes behind its stream is stuck or under-provisioned; someone should look. */
export const ITERATOR_AGE_ALARM_MS = 5 * 60_000;

export interface StreamingStackProps extends StackProps {
  readonly storage: TributaryStorage;
}

/** The stream consumer: Kinesis → lake (Parquet), quarantine, profiles and streaming batches in the catalog. */
export class StreamingStack extends Stack {
  readonly consumer: TributaryFunction;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { storage } = props;

    this.consumer = new TributaryFunction(this, 'StreamConsumer', {
      handlerPath: 'lambdas/handlers/stream-consumer.ts',
      description:
        'Tributary stream consumer: validates streamed records into the lake, quarantine and profiles',
      logKey: storage.dataKey,
      memorySize: CONSUMER_MEMORY_MB,
      timeout: CONSUMER_TIMEOUT,
    })
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable)
      .bindTable(storage.profilesTable, 'readWrite', ENV.profilesTable)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      // readWrite: a re-run that writes less removes the objects of its earlier, larger run (chunk manifests).
      .bindBucket(storage.lakeBucket, 'readWrite', ENV.lakeBucket)
      .bindBucket(storage.quarantineBucket, 'readWrite', ENV.quarantineBucket)
      .acknowledgeNoDeadLetterQueue(
        'Invoked synchronously by the Kinesis event source mapping, whose on-failure destination (the quarantine ' +
          'bucket) receives what it gives up on; a function dead-letter queue applies only to async invokes.',
      );

    this.consumer.addEventSource(
      new KinesisEventSource(storage.ingestStream, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: CONSUMER_BATCH_SIZE,
        maxBatchingWindow: CONSUMER_BATCHING_WINDOW,
        // A thrown error (a crash mid-batch) halves the batch, so a poison record ends alone.
        bisectBatchOnError: true,
        retryAttempts: CONSUMER_RETRY_ATTEMPTS,
        maxRecordAge: CONSUMER_MAX_RECORD_AGE,
        // The consumer answers the first record it did not write; the retry resumes there (docs/streaming.md).
        reportBatchItemFailures: true,
        parallelizationFactor: CONSUMER_PARALLELIZATION_FACTOR,
        // Metadata of records given up on (shard, sequence range) lands beside the quarantine for a replay.
        onFailure: new S3OnFailureDestination(storage.quarantineBucket),
      }),
    );

    new Alarm(this, 'ConsumerIteratorAge', {
      alarmDescription: 'The stream consumer is falling behind the ingest stream',
      metric: this.consumer.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: ITERATOR_AGE_ALARM_MS,
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'ConsumerErrors', {
      alarmDescription: 'The stream consumer failed invocations (each is retried, bisected, then given up)',
      metric: this.consumer.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
