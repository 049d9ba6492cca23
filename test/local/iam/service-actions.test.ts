import { describe, expect, it } from 'vitest';
import { dynamoDbAccessRequests, requestAttributes } from '../../../local/iam/actions/dynamodb';
import { kinesisAccessRequests } from '../../../local/iam/actions/kinesis';
import { eventBridgeAccessRequests } from '../../../local/iam/actions/event-bridge';
import { s3AccessRequests } from '../../../local/iam/actions/s3';
import { secretsManagerAccessRequests } from '../../../local/iam/actions/secrets-manager';
import { stepFunctionsAccessRequests } from '../../../local/iam/actions/step-functions';
import { signingAccessKeyId } from '../../../local/iam/function-credentials';

const SCOPE = { partition: 'aws', region: 'us-east-1', account: '000000000000' };
const TABLE_ARN = (table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;

describe('DynamoDB requests as IAM sees them', () => {
  it('maps an item operation to its action on the table ARN, and a query of an index to the index ARN', () => {
    // Act
    const get = dynamoDbAccessRequests(SCOPE, 'DynamoDB_20120810.GetItem', { TableName: 'catalog', Key: {} });
    const query = dynamoDbAccessRequests(SCOPE, 'DynamoDB_20120810.Query', {
      TableName: 'catalog',
      IndexName: 'gsi1',
    });

    // Assess
    expect(get).toMatchObject([{ action: 'dynamodb:GetItem', resource: TABLE_ARN('catalog') }]);
    expect(query).toMatchObject([
      { action: 'dynamodb:Query', resource: `${TABLE_ARN('catalog')}/index/gsi1` },
    ]);
  });

  it('checks a batch per table and a transaction per element, by the element operation', () => {
    // Act
    const batch = dynamoDbAccessRequests(SCOPE, 'DynamoDB_20120810.BatchWriteItem', {
      RequestItems: { a: [], b: [] },
    });
    const transaction = dynamoDbAccessRequests(SCOPE, 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 'a', Item: {} } }, { ConditionCheck: { TableName: 'b', Key: {} } }],
    });

    // Assess
    expect(batch.map(({ action, resource }) => [action, resource])).toEqual([
      ['dynamodb:BatchWriteItem', TABLE_ARN('a')],
      ['dynamodb:BatchWriteItem', TABLE_ARN('b')],
    ]);
    expect(transaction.map(({ action, resource }) => [action, resource])).toEqual([
      ['dynamodb:PutItem', TABLE_ARN('a')],
      ['dynamodb:ConditionCheckItem', TABLE_ARN('b')],
    ]);
  });

  it('names the attributes of an update: key, placeholders and plain names, not values, grammar or nested path parts', () => {
    // Act
    const attributes = requestAttributes({
      Key: { keyId: {} },
      UpdateExpression: 'SET #a = :v, b.c = if_not_exists(b.c, :w) REMOVE d[0]',
      ConditionExpression: 'attribute_exists(#k) AND size(e) > :n',
      ExpressionAttributeNames: { '#a': 'lastUsedAt', '#k': 'keyId' },
    });

    // Assess
    expect(attributes.sort()).toEqual(['b', 'd', 'e', 'keyId', 'lastUsedAt']);
  });

  it('sets ReturnValues to NONE when a write asks for nothing back, as DynamoDB defaults it', () => {
    // Act
    const [put] = dynamoDbAccessRequests(SCOPE, 'DynamoDB_20120810.PutItem', {
      TableName: 't',
      Item: { id: {} },
    });

    // Assess
    expect(put?.context?.['dynamodb:ReturnValues']).toBe('NONE');
  });
});

describe('Kinesis requests as IAM sees them', () => {
  it('maps a record write to the stream ARN by name or ARN, and a consumer operation to the consumer ARN', () => {
    // Act
    const byName = kinesisAccessRequests(SCOPE, 'Kinesis_20131202.PutRecords', { StreamName: 'ingest' });
    const consumer = kinesisAccessRequests(SCOPE, 'Kinesis_20131202.DescribeStreamConsumer', {
      ConsumerARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/ingest/consumer/c:1',
    });

    // Assess
    expect(byName).toEqual([
      { action: 'kinesis:PutRecords', resource: 'arn:aws:kinesis:us-east-1:000000000000:stream/ingest' },
    ]);
    expect(consumer[0]?.resource).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/ingest/consumer/c:1');
  });
});

describe('S3 requests as IAM sees them', () => {
  it('maps object reads, writes and deletes to the object ARN, and a listing to the bucket ARN', () => {
    // Act
    const calls = [
      s3AccessRequests('aws', 'GET', '/landing/uploads/a%20b.json'),
      s3AccessRequests('aws', 'GET', '/landing/k?versionId=3'),
      s3AccessRequests('aws', 'PUT', '/landing/k?partNumber=1&uploadId=u'),
      s3AccessRequests('aws', 'DELETE', '/landing/k'),
      s3AccessRequests('aws', 'DELETE', '/landing/k?uploadId=u'),
      s3AccessRequests('aws', 'GET', '/landing?list-type=2&prefix=uploads%2F'),
      s3AccessRequests('aws', 'GET', '/'),
    ].map(([request]) => [request?.action, request?.resource]);

    // Assess
    expect(calls).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::landing/uploads/a b.json'],
      ['s3:GetObjectVersion', 'arn:aws:s3:::landing/k'],
      ['s3:PutObject', 'arn:aws:s3:::landing/k'],
      ['s3:DeleteObject', 'arn:aws:s3:::landing/k'],
      ['s3:AbortMultipartUpload', 'arn:aws:s3:::landing/k'],
      ['s3:ListBucket', 'arn:aws:s3:::landing'],
      ['s3:ListAllMyBuckets', '*'],
    ]);
  });
});

describe('the caller of a signed request', () => {
  it('is the access key id of the Authorization header or of a presigned URL', () => {
    // Act
    const header = signingAccessKeyId(
      'AWS4-HMAC-SHA256 Credential=LOCALABC/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
      '/',
    );
    const presigned = signingAccessKeyId(
      undefined,
      '/b/k?X-Amz-Credential=LOCALDEF%2F20260101%2Fus-east-1%2Fs3%2Faws4_request',
    );
    const unsigned = signingAccessKeyId(undefined, '/b/k');

    // Assess
    expect([header, presigned, unsigned]).toEqual(['LOCALABC', 'LOCALDEF', undefined]);
  });
});

describe("the KMS key use AWS services make on the caller's behalf", () => {
  const KEY = 'arn:aws:kms:us-east-1:000000000000:key/data';

  it('asks GenerateDataKey of an upload to a KMS-encrypted bucket and Decrypt of a read, nothing of a listing', () => {
    // Prepare
    const keyOf = (bucket: string) => (bucket === 'lake' ? KEY : undefined);

    // Act
    const put = s3AccessRequests('aws', 'PUT', '/lake/a/b.parquet', keyOf);
    const get = s3AccessRequests('aws', 'GET', '/lake/a/b.parquet', keyOf);
    const list = s3AccessRequests('aws', 'GET', '/lake?prefix=a%2F', keyOf);
    const plain = s3AccessRequests('aws', 'PUT', '/logs/a', keyOf);

    // Assess
    expect(put.map(({ action }) => action)).toEqual(['s3:PutObject', 'kms:GenerateDataKey']);
    expect(get).toContainEqual({ action: 'kms:Decrypt', resource: KEY });
    expect(list).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::lake', context: { 's3:prefix': 'a/' } },
    ]);
    expect(plain).toHaveLength(1);
  });

  it('asks GenerateDataKey of a producer of a KMS-encrypted stream', () => {
    // Act
    const put = kinesisAccessRequests(
      SCOPE,
      'Kinesis_20131202.PutRecords',
      { StreamName: 'ingest' },
      () => KEY,
    );

    // Assess
    expect(put).toContainEqual({ action: 'kms:GenerateDataKey', resource: KEY });
  });

  it('asks a secret read for Decrypt on its customer managed key, and a new secret for its would-be ARN', () => {
    // Act
    const read = secretsManagerAccessRequests(SCOPE, 'GetSecretValue', { SecretId: 'conn/a' }, () => ({
      arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conn/a-AbCdEf',
      kmsKeyId: KEY,
    }));
    const create = secretsManagerAccessRequests(
      SCOPE,
      'CreateSecret',
      { Name: 'conn/b', SecretString: 'x', KmsKeyId: KEY },
      () => undefined,
    );

    // Assess
    expect(read).toEqual([
      {
        action: 'secretsmanager:GetSecretValue',
        resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conn/a-AbCdEf',
      },
      { action: 'kms:Decrypt', resource: KEY },
    ]);
    expect(create).toEqual([
      {
        action: 'secretsmanager:CreateSecret',
        resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conn/b-??????',
      },
      { action: 'kms:GenerateDataKey', resource: KEY },
    ]);
  });
});

describe('Step Functions and EventBridge requests as IAM sees them', () => {
  it('checks a start on the state machine and a describe on the execution', () => {
    // Act
    const start = stepFunctionsAccessRequests('StartExecution', { stateMachineArn: 'arn:sm' });
    const describeIt = stepFunctionsAccessRequests('DescribeExecution', { executionArn: 'arn:ex' });

    // Assess
    expect(start).toEqual([{ action: 'states:StartExecution', resource: 'arn:sm' }]);
    expect(describeIt).toEqual([{ action: 'states:DescribeExecution', resource: 'arn:ex' }]);
  });

  it('checks PutEvents once per bus its entries name, the default bus when none', () => {
    // Act
    const requests = eventBridgeAccessRequests(SCOPE, 'PutEvents', {
      Entries: [{ EventBusName: 'flows' }, {}, { EventBusName: 'flows' }],
    });

    // Assess
    expect(requests.map(({ resource }) => resource)).toEqual([
      'arn:aws:events:us-east-1:000000000000:event-bus/flows',
      'arn:aws:events:us-east-1:000000000000:event-bus/default',
    ]);
  });
});
