import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_KEYS, ENV } from '../../lambdas/config/env-names';
import {
  CONSUMER_BATCH_SIZE,
  CONSUMER_BATCHING_WINDOW,
  CONSUMER_PARALLELIZATION_FACTOR,
} from '../../lib/streaming-stack';
import { ON_DEMAND_MAX_RECORD_AGE, PROVISIONED_MAX_RECORD_AGE } from '../../lib/stream-capacity';
import { METRICS } from '../../lambdas/config/metric-names';
import {
  CONTENT_DEDUP_WINDOW_MS,
  CONTENT_MARKER_RETENTION_DAYS,
} from '../../lambdas/core/streaming/consume-dedup';
import { ON_FAILURE_PREFIX } from '../../lambdas/core/streaming/on-failure-record';
import { COLLECT_PUT_HORIZON_MS } from '../../lambdas/core/streaming/stream-progress';
import { synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

describe('streaming stack', () => {
  let tributary: SynthesizedTributary;
  let template: Template;

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    template = Template.fromStack(tributary.streaming);
  });
  afterAll(() => tributary.dispose());

  it('binds the consumer to the stream with every mapping setting explicit', () => {
    // Prepare: the synthesized template

    // Act
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');

    // Assess
    const [mapping] = Object.values(mappings) as [{ Properties: Record<string, unknown> }];
    expect(Object.keys(mappings)).toHaveLength(1);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: CONSUMER_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: CONSUMER_BATCHING_WINDOW.toSeconds(),
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: tributary.storage.ingestStreamCapacity.consumerMaxRecordAge.toSeconds(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: CONSUMER_PARALLELIZATION_FACTOR,
    });
    const destination = JSON.stringify(mapping.Properties['DestinationConfig']);
    expect(destination).toContain('QuarantineBucket');
  });

  it('retries transient failures until the record age gives them to the on-failure destination', () => {
    // Act
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as [
      { Properties: Record<string, unknown> },
    ];

    // Assess: no retry budget that a throttled store could use up before the record age
    expect(mapping.Properties['MaximumRetryAttempts']).toBe(-1);
    const { consumerMaxRecordAge, retention } = tributary.storage.ingestStreamCapacity;
    expect(consumerMaxRecordAge.toSeconds()).toBeLessThan(retention.toSeconds());
    // A content marker outlives every redelivery of the records it was compared with, so they decide alike, in
    // either stream mode.
    for (const maxRecordAge of [PROVISIONED_MAX_RECORD_AGE, ON_DEMAND_MAX_RECORD_AGE])
      expect(CONTENT_MARKER_RETENTION_DAYS * 86_400_000).toBeGreaterThan(
        maxRecordAge.toMilliseconds() + CONTENT_DEDUP_WINDOW_MS,
      );
  });

  it('records every on-failure object: S3 notifies the recorder of each object under aws/lambda/', () => {
    // Act
    const notifications = template.findResources('Custom::S3BucketNotifications');

    // Assess
    const [notification] = Object.values(notifications) as [{ Properties: Record<string, unknown> }];
    const configuration = JSON.stringify(notification.Properties['NotificationConfiguration']);
    expect(configuration).toContain('OnFailureRecorder');
    expect(configuration).toContain(`"Value":"${ON_FAILURE_PREFIX}"`);
    expect(JSON.stringify(notification.Properties['BucketName'])).toContain('QuarantineBucket');
  });

  it('names every resource the consumer uses in its environment', () => {
    // Prepare
    const [fn] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('stream consumer') },
      }),
    ) as [{ Properties: { Environment: { Variables: Record<string, unknown> } } }];

    // Act
    const names = Object.keys(fn.Properties.Environment.Variables);

    // Assess
    expect(names).toEqual(
      expect.arrayContaining([
        ENV.catalogTable,
        ENV.profilesTable,
        ENV.batchesTable,
        ENV.lakeBucket,
        ENV.quarantineBucket,
      ]),
    );
  });

  it('alarms on iterator age, errors, partial batch failures and every object given to the on-failure destination', () => {
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { MetricName: string; Namespace: string; Threshold: number };
    }[];

    // Assess
    const byName = (name: string) => alarms.find((alarm) => alarm.Properties.MetricName === name)?.Properties;
    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual(
      [
        'ApproximateNumberOfMessagesVisible',
        'Errors',
        'Errors',
        'IteratorAge',
        METRICS.onFailureObjects,
        METRICS.partialBatchFailures,
      ].sort(),
    );
    for (const name of [METRICS.onFailureObjects, METRICS.partialBatchFailures])
      expect(byName(name)).toMatchObject({ Namespace: METRICS.namespace, Threshold: 1 });
  });

  it('lets no function that puts to the stream run past the horizon after which a window may close', () => {
    // Act: every function of every stack that names the ingest stream (collect, the batches API)
    const writers = [tributary.api, tributary.batch, tributary.dataflows, tributary.streaming].flatMap(
      (stack) =>
        Object.values(
          Template.fromStack(stack).findResources('AWS::Lambda::Function', {
            Properties: {
              Environment: { Variables: Match.objectLike({ [ENV.ingestStream]: Match.anyValue() }) },
            },
          }),
        ),
    ) as { Properties: { Timeout: number } }[];

    // Assess
    expect(writers.length).toBeGreaterThanOrEqual(2);
    for (const writer of writers)
      expect(writer.Properties.Timeout * 1000).toBeLessThan(COLLECT_PUT_HORIZON_MS);
  });

  it('keeps the batches table encrypted, recoverable and indexed by dataset', () => {
    // Act / Assess
    tributary.storageTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: BATCHES_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: BATCHES_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: BATCHES_KEYS.gsi1.name })],
      TimeToLiveSpecification: { AttributeName: BATCHES_KEYS.timeToLive, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(tributary.streaming);

    // Assess
    expect(report.violations).toEqual([]);
  });
});
