import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION, startEmulators, type RunningEmulators } from '../../local/emulators';

describe('embedded emulators', () => {
  let emulators: RunningEmulators;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('answers the real SDK clients over their wire protocols', async () => {
    // Prepare
    const dynamo = new DynamoDBClient({
      endpoint: emulators.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials,
    });
    const kinesis = new KinesisClient({
      endpoint: emulators.endpoints.kinesis,
      region: LOCAL_REGION,
      credentials,
      requestHandler: new NodeHttpHandler(),
    });
    const s3 = new S3Client({
      endpoint: emulators.endpoints.s3,
      region: LOCAL_REGION,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });

    // Act
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'items',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    await s3.send(new CreateBucketCommand({ Bucket: 'landing' }));
    await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: 'a/b.txt', Body: 'hello' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'landing', Key: 'a/b.txt' }));

    // Assess
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['items']);
    expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual(['events']);
    expect(await object.Body?.transformToString()).toBe('hello');
  });
});
