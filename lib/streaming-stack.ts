import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, S3OnFailureDestination } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config/env-names';
import { METRICS, type MetricName, STAGE_DIMENSION } from '../lambdas/config/metric-names';
import { ON_FAILURE_PREFIX } from '../lambdas/core/streaming/on-failure-record';
import { notifyObjectCreated, s3EventDeadLetterQueue } from './constructs/s3-notified-function';
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
 * Retries of a failing batch: until its records reach the maximum record age (-1), so a transient failure — a
 * throttled profile store, an S3 outage — never discards records however long it lasts. A record the consumer cannot
 * take is not thrown on (it is quarantined, or kept in the lake with its profile refusal explained), so what still
 * fails is transient; a poison record (a bug) is isolated by bisection and blocks only its shard, with the iterator
 * age alarm, until the record age gives it to the on-failure destination, from which it is redriven.
 */
export const CONSUMER_RETRY_ATTEMPTS = -1;
/**
 * One invocation per shard at a time: records of one primary identity share a shard and must apply in order
 * (DESIGN §5 Ordering); throughput scales with the stream's shards instead (more provisioned shards, or on-demand).
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
  /** The deployment's stage label (`DeploymentStage.label`): the Stage dimension of its custom metrics. */
  readonly stageLabel: string;
}

/** The stream consumer: Kinesis → lake (Parquet), quarantine, profiles and streaming batches in the catalog. */
export class StreamingStack extends Stack {
  readonly consumer: TributaryFunction;
  readonly recorder: TributaryFunction;
  /** The Stage dimension value its functions emit their custom metrics with. */
  readonly stageLabel: string;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { storage } = props;
    this.stageLabel = props.stageLabel;

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
      .bindIdentityHashing(storage.identityHashing)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      // readWrite: a re-run that writes less removes the objects of its earlier, larger run (chunk manifests).
      .bindBucket(storage.lakeBucket, 'readWrite', ENV.lakeBucket)
      .bindBucket(storage.quarantineBucket, 'readWrite', ENV.quarantineBucket)
      .emitsMetricsOf(this.stageLabel)
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
        // Below the stream's retention (stream-capacity.ts): records given up on reach the on-failure destination, and
        // the content de-duplication markers' retention (core/streaming/consume-dedup.ts) covers the redelivery.
        maxRecordAge: storage.ingestStreamCapacity.consumerMaxRecordAge,
        // The consumer answers the first record it did not write; the retry resumes there (docs/streaming.md).
        reportBatchItemFailures: true,
        parallelizationFactor: CONSUMER_PARALLELIZATION_FACTOR,
        // Records given up on — their whole data — land beside the quarantine, where the recorder counts them and
        // the redrive reads them.
        onFailure: new S3OnFailureDestination(storage.quarantineBucket),
      }),
    );

    this.recorder = this.onFailureRecorder(storage);

    new Alarm(this, 'ConsumerIteratorAge', {
      alarmDescription: 'The stream consumer is falling behind the ingest stream',
      metric: this.consumer.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: ITERATOR_AGE_ALARM_MS,
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.anyInFiveMinutes(
      'ConsumerErrors',
      'The stream consumer failed invocations (each is retried, bisected, until the record age gives it up)',
      this.consumer.metricErrors({ period: Duration.minutes(5) }),
    );
    this.anyInFiveMinutes(
      'ConsumerPartialBatchFailures',
      'The stream consumer left records for the retry (the profile store failed transiently); they are retried',
      this.customMetric(METRICS.partialBatchFailures),
    );
    this.anyInFiveMinutes(
      'ConsumerOnFailureObjects',
      'Lambda gave up on stream records: they are in the on-failure destination; redrive them (POST /streaming/redrive)',
      this.customMetric(METRICS.onFailureObjects),
    );
  }

  /**
   * The on-failure recorder: S3 notifies it of every object Lambda writes to the on-failure destination (the
   * quarantine bucket, under `aws/lambda/`); it counts the object, rolls back the chunk given up on and records each
   * sandbox's part for the redrive.
   */
  private onFailureRecorder(storage: TributaryStorage): TributaryFunction {
    const failures = s3EventDeadLetterQueue(this, 'OnFailureRecorderFailures', 'on-failure recorder');
    const recorder = new TributaryFunction(this, 'OnFailureRecorder', {
      handlerPath: 'lambdas/handlers/stream-failures.ts',
      description: 'Counts and records for redrive the stream records the consumer gave up on',
      logKey: storage.dataKey,
      deadLetterQueue: failures,
    })
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      // readWrite: rolling back the chunk given up on removes its objects (as the consumer's own re-runs do).
      .bindBucket(storage.lakeBucket, 'readWrite', ENV.lakeBucket)
      .bindBucket(storage.quarantineBucket, 'readWrite', ENV.quarantineBucket)
      .emitsMetricsOf(this.stageLabel);
    notifyObjectCreated(this, 'Quarantine', {
      bucket: storage.quarantineBucket,
      prefix: ON_FAILURE_PREFIX,
      fn: recorder,
    });
    this.anyInFiveMinutes(
      'OnFailureRecorderFailuresQueued',
      'An on-failure object was not recorded for redrive: its S3 event is in the recorder dead-letter queue',
      failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    );
    this.anyInFiveMinutes(
      'OnFailureRecorderErrors',
      'The on-failure recorder failed invocations (retried twice, then dead-lettered)',
      recorder.metricErrors({ period: Duration.minutes(5) }),
    );
    return recorder;
  }

  /**
   * A metric this stack's functions emit in embedded metric format, summed over five minutes: with the Stage
   * dimension they emit it with (a metric named without it is another metric, which never has data).
   */
  customMetric(metricName: MetricName): Metric {
    return new Metric({
      namespace: METRICS.namespace,
      metricName,
      dimensionsMap: { [STAGE_DIMENSION]: this.stageLabel },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }

  /** An alarm on any occurrence within five minutes: each of these is a record at risk or in wait. */
  private anyInFiveMinutes(id: string, alarmDescription: string, metric: IMetric): Alarm {
    return new Alarm(this, id, {
      alarmDescription,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
