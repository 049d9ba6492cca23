/**
 * Physical names of template resources: the name the template gives (TableName, BucketName, ...) or, as
 * CloudFormation would generate one, a deterministic name derived from stack and logical id, so a restart finds
 * the same tables, streams and buckets again.
 */
import { createHash } from 'node:crypto';

/** The property that carries an explicit physical name, per resource type. */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ApiGateway::Stage': 'StageName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
};

/** S3 bucket names are DNS labels: 3 to 63 lower-case letters, digits and hyphens. */
const BUCKET_NAME_MAX = 63;
/** Generous for every other service (DynamoDB allows 255, Kinesis 128, Lambda 64). */
const GENERATED_NAME_MAX = 64;
/** Enough hex digits of a hash to keep truncated names apart. */
const HASH_CHARS = 8;

const shortHash = (text: string, length = HASH_CHARS): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

export function generatedName(type: string, stackName: string, logicalId: string): string {
  const max = type === 'AWS::S3::Bucket' ? BUCKET_NAME_MAX : GENERATED_NAME_MAX;
  const base = `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (base.length <= max) return base;
  const hash = shortHash(base);
  return `${base.slice(0, max - hash.length - 1).replace(/-$/, '')}-${hash}`;
}

/** API Gateway ids are 10 (APIs) or 6 (resources, authorizers) lower-case alphanumerics. */
export function generatedId(seed: string, length: number): string {
  return shortHash(seed, length);
}
