/**
 * A function S3 notifies of created objects: its dead-letter queue (S3 invokes asynchronously, and an event Lambda
 * gives up on after its two retries would otherwise be lost without a word) and the notification itself, set from
 * the function's stack on the storage stack's bucket.
 */
import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket, EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ownLogGroupOf } from './log-groups';

/** SQS's longest retention: an S3 event Lambda gave up on stays long enough to be noticed and redriven. */
export const S3_EVENT_DLQ_RETENTION = Duration.days(14);

/** The dead-letter queue of `owner` (named in the acknowledgements), a function S3 invokes. */
export function s3EventDeadLetterQueue(scope: Construct, id: string, owner: string): Queue {
  const queue = new Queue(scope, id, {
    retentionPeriod: S3_EVENT_DLQ_RETENTION,
    // The messages are S3 event records (bucket, object key, size), not the objects' contents.
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  Validations.of(queue).acknowledge(
    {
      id: 'AwsSolutions-SQS3',
      reason: `This queue is the ${owner}'s dead-letter queue; a queue for it would hold nothing more.`,
    },
    {
      id: 'Serverless-SQSRedrivePolicy',
      reason: `This queue is the ${owner}'s dead-letter queue; it is the end of the redrive chain.`,
    },
  );
  return queue;
}

/**
 * Notifies `fn` of every object created under `prefix` in `bucket`. Set from `stack` on the storage stack's bucket
 * (imported, so CDK manages only this configuration): a notification owned by the storage stack would make it
 * depend on this one.
 */
export function notifyObjectCreated(
  stack: Stack,
  id: string,
  target: { readonly bucket: IBucket; readonly prefix: string; readonly fn: IFunction },
): void {
  const { bucket, prefix, fn } = target;
  const imported = Bucket.fromBucketAttributes(stack, id, {
    bucketArn: bucket.bucketArn,
    bucketName: bucket.bucketName,
  });
  imported.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn), { prefix });
  // CDK's singleton that writes the notification configuration of an imported bucket.
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (handler) {
    ownLogGroupOf(stack, handler);
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's bucket-notifications handler runs only at deployment to write a bucket's notification " +
        'configuration; its basic execution role is what it needs to log.',
    });
  }
}
