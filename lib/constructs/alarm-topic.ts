import { type IAspect, type Stack, Validations } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IConstruct } from 'constructs';

/** `cdk deploy -c alarmEmail=ops@example.com`: who is mailed when an alarm changes state. */
export const ALARM_EMAIL_CONTEXT = 'alarmEmail';

/** Loose on purpose: SNS itself confirms the address (the subscriber clicks a link); this catches a slip of the pen. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The deployment's alarm topic, encrypted with the data key and reachable over TLS only. CloudWatch publishes to it
 * for the alarms of this account and region, and may use the key for that topic's messages and nothing else; the
 * email address from context `alarmEmail` subscribes (SNS mails it a confirmation link first).
 */
export function alarmTopic(stack: Stack, id: string, dataKey: Key): Topic {
  const topicName = `${stack.stackName}-alarms`;
  const topic = new Topic(stack, id, { topicName, masterKey: dataKey, enforceSSL: true });
  const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  const fromThisAccountsAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
    },
  };
  topic.addToResourcePolicy(
    new PolicyStatement({
      principals: [cloudWatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromThisAccountsAlarms,
    }),
  );
  // By name, not by the topic's attribute: the key cannot reference the topic that references it.
  const topicArn = stack.formatArn({ service: 'sns', resource: topicName });
  dataKey.addToResourcePolicy(
    new PolicyStatement({
      principals: [cloudWatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        ...fromThisAccountsAlarms,
        StringEquals: {
          ...fromThisAccountsAlarms.StringEquals,
          'kms:EncryptionContext:aws:sns:topicArn': topicArn,
        },
      },
    }),
  );
  const email: unknown = stack.node.tryGetContext(ALARM_EMAIL_CONTEXT);
  if (email !== undefined && email !== '') {
    if (typeof email !== 'string' || !EMAIL_PATTERN.test(email))
      throw new Error(
        `context ${ALARM_EMAIL_CONTEXT} must be an email address (got ${JSON.stringify(email)})`,
      );
    const subscription = topic.addSubscription(new EmailSubscription(email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        'An alarm mail SNS cannot deliver is not lost: the alarm keeps its state and history in CloudWatch and on ' +
        'the pipeline dashboard; a dead-letter queue of undelivered alarm mails would be one more thing to watch.',
    });
  }
  return topic;
}

/**
 * Sends every alarm of the scope it is applied to (the app) to the topic, into alarm and back to OK, so an alarm
 * added to any stack later notifies without anyone remembering to wire it.
 */
export class NotifyEveryAlarm implements IAspect {
  private readonly action: SnsAction;

  constructor(topic: Topic) {
    this.action = new SnsAction(topic);
  }

  visit(node: IConstruct): void {
    if (!(node instanceof Alarm)) return;
    node.addAlarmAction(this.action);
    node.addOkAction(this.action);
  }
}
