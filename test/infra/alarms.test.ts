import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { ALARM_EMAIL_CONTEXT } from '../../lib/constructs/alarm-topic';
import { logicalIdOf, synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

const resourcesOf = (stack: Stack, type: string): Resource[] =>
  Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>).filter(
    (resource) => resource.Type === type,
  );

const stacksOf = (tributary: SynthesizedTributary): Stack[] =>
  tributary.app.node.findAll().filter((construct): construct is Stack => Stack.isStack(construct));

const alarmsOf = (tributary: SynthesizedTributary): Alarm[] =>
  tributary.app.node.findAll().filter((construct): construct is Alarm => construct instanceof Alarm);

describe('alarm notifications and the pipeline dashboard', () => {
  let disposables: SynthesizedTributary[] = [];
  afterEach(() => {
    for (const disposable of disposables) disposable.dispose();
    disposables = [];
  });
  const synthesized = (context: Record<string, unknown> = {}): SynthesizedTributary => {
    const tributary = synthesizeTributary({ nag: false, context });
    disposables.push(tributary);
    return tributary;
  };

  it("wires every alarm of every stack to the deployment's alarm topic, into alarm and back to OK", () => {
    // Prepare
    const tributary = synthesized();
    const topic = logicalIdOf(tributary.storage.alarmTopic);

    // Act
    const alarms = stacksOf(tributary).flatMap((stack) =>
      resourcesOf(stack, 'AWS::CloudWatch::Alarm').map((alarm) => ({ stack: stack.stackName, alarm })),
    );

    // Assess
    expect(alarms).toHaveLength(alarmsOf(tributary).length);
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    const unwired = alarms.filter(
      ({ alarm }) =>
        !['AlarmActions', 'OKActions'].every((actions) => {
          const wired = alarm.Properties[actions] as unknown[] | undefined;
          return wired?.length === 1 && JSON.stringify(wired[0]).includes(topic);
        }),
    );
    expect(
      unwired.map(({ stack, alarm }) => `${stack}: ${String(alarm.Properties['AlarmDescription'])}`),
    ).toEqual([]);
  });

  it('encrypts the alarm topic with the data key, refuses plain HTTP, and lets CloudWatch alarms of the account publish', () => {
    // Prepare
    const tributary = synthesized();

    // Act
    const [topic] = resourcesOf(tributary.storage, 'AWS::SNS::Topic') as [Resource];
    const [policy] = resourcesOf(tributary.storage, 'AWS::SNS::TopicPolicy') as [Resource];
    const [key] = resourcesOf(tributary.storage, 'AWS::KMS::Key') as [Resource];
    const keyPolicy = JSON.stringify(key.Properties['KeyPolicy']);

    // Assess
    expect(topic.Properties['KmsMasterKeyId']).toEqual({
      'Fn::GetAtt': [logicalIdOf(tributary.storage.dataKey), 'Arn'],
    });
    const document = JSON.stringify(policy.Properties['PolicyDocument']);
    expect(document).toContain('"aws:SecureTransport":"false"');
    expect(document).toContain('cloudwatch.amazonaws.com');
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    expect(keyPolicy).toContain('kms:EncryptionContext:aws:sns:topicArn');
  });

  it('subscribes the address of -c alarmEmail, and none without it', () => {
    // Act
    const subscribed = resourcesOf(
      synthesized({ [ALARM_EMAIL_CONTEXT]: 'ops@example.com' }).storage,
      'AWS::SNS::Subscription',
    );
    const unsubscribed = resourcesOf(synthesized().storage, 'AWS::SNS::Subscription');

    // Assess
    expect(subscribed.map((subscription) => subscription.Properties)).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }),
    ]);
    expect(unsubscribed).toEqual([]);
  });

  it('stays nag-clean (AwsSolutions and Serverless) with an alarm email subscribed', () => {
    // Prepare
    const tributary = synthesized({ [ALARM_EMAIL_CONTEXT]: 'ops@example.com' });

    // Act
    const violations = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap(
      (pack) => pack.validateScope(tributary.app).violations,
    );

    // Assess
    expect(violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it('refuses an alarmEmail that is not an email address', () => {
    expect(() => synthesized({ [ALARM_EMAIL_CONTEXT]: 'ops-at-example' })).toThrow(/alarmEmail/);
  });

  it('draws the pipeline on one dashboard: intake, stream, consumer, batches, dataflows, errors and every alarm', () => {
    // Prepare
    const tributary = synthesized();

    // Act
    const [dashboard] = resourcesOf(tributary.monitoring, 'AWS::CloudWatch::Dashboard') as [Resource];
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);

    // Assess
    for (const metric of [
      'IncomingRecords',
      'WriteProvisionedThroughputExceeded',
      '5XXError',
      'IteratorAge',
      'ConsumerPartialBatchFailures',
      'ConsumerOnFailureRecords',
      'ExecutionsFailed',
      'Errors',
      'Throttles',
    ])
      expect(body, metric).toContain(metric);
    const missing = alarmsOf(tributary)
      .map(logicalIdOf)
      .filter((alarm) => !body.includes(alarm));
    expect(missing).toEqual([]);
  });
});
