import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_KEYS, ENV } from '../../lambdas/config/env-names';
import {
  CONSUMER_BATCH_SIZE,
  CONSUMER_BATCHING_WINDOW,
  CONSUMER_MAX_RECORD_AGE,
  CONSUMER_PARALLELIZATION_FACTOR,
  CONSUMER_RETRY_ATTEMPTS,
} from '../../lib/streaming-stack';
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
      MaximumRetryAttempts: CONSUMER_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: CONSUMER_MAX_RECORD_AGE.toSeconds(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: CONSUMER_PARALLELIZATION_FACTOR,
    });
    const destination = JSON.stringify(mapping.Properties['DestinationConfig']);
    expect(destination).toContain('QuarantineBucket');
    expect(CONSUMER_RETRY_ATTEMPTS).toBeGreaterThan(0);
  });

  it('names every resource the consumer uses in its environment', () => {
    // Prepare
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as [
      { Properties: { Environment: { Variables: Record<string, unknown> } } },
    ];

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

  it('alarms on iterator age and on function errors', () => {
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { MetricName: string };
    }[];

    // Assess
    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual(['Errors', 'IteratorAge']);
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
