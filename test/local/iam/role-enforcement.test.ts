import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../../lambdas/adapters/dynamo-api-key-store';
import { API_KEY_LAST_USED, ENV } from '../../../lambdas/config/env-names';
import type { ApiKeyRecord } from '../../../lambdas/core/api-keys/api-key';
import { LOCAL_REGION } from '../../../local/emulators';
import { functionCredentials } from '../../../local/iam/function-credentials';
import type { LocalFunction } from '../../../local/lambda/local-function';
import type { RunningRuntime } from '../../../local/runtime';
import { failureOf } from '../../support/failure-of';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../../e2e/local-runtime';

const RECORD: ApiKeyRecord = {
  keyId: 'key-under-test',
  keyHash: 'hash',
  name: 'a key',
  sandbox: 'prod',
  scopes: ['ingest'],
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'test',
};

/** The function's own SDK clients, as it builds them from its environment, against the runtime's endpoints. */
function clientsOf(fn: LocalFunction, endpoints: RunningRuntime['endpoints']) {
  const common = { region: LOCAL_REGION, credentials: functionCredentials(fn.stackName, fn.logicalId) };
  return {
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb })),
    s3: new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true }),
    kinesis: new KinesisClient({
      ...common,
      endpoint: endpoints.kinesis,
      requestHandler: new NodeHttpHandler(),
    }),
    sfn: new SFNClient({ ...common, endpoint: endpoints.sfn }),
    secrets: new SecretsManagerClient({ ...common, endpoint: endpoints.secretsManager }),
    events: new EventBridgeClient({ ...common, endpoint: endpoints.eventBridge }),
  };
}

describe('each function is held to its own role at the local endpoints', () => {
  let underTest: RuntimeUnderTest;
  let authorizer: LocalFunction;
  let apiKeysTable: string;

  beforeAll(async () => {
    underTest = await startRuntimeUnderTest();
    const found = underTest.runtime.functions.find((fn) => fn.logicalId.startsWith('AuthorizerFunction'));
    if (!found) throw new Error('the app has no authorizer function');
    authorizer = found;
    apiKeysTable = authorizer.environment[ENV.apiKeysTable] ?? '';
  });
  afterAll(async () => {
    await underTest?.stop();
  });

  it('gives each function its own access key id', () => {
    // Act
    const keys = underTest.runtime.functions.map(
      (fn) => functionCredentials(fn.stackName, fn.logicalId).accessKeyId,
    );

    // Assess
    expect(keys.every((key) => /^LOCAL[0-9A-F]{15}$/.test(key ?? ''))).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses the authorizer a write to the API keys table, which it may only read, with DynamoDB AccessDeniedException', async () => {
    // Prepare
    const { documents } = clientsOf(authorizer, underTest.runtime.endpoints);
    const store = new DynamoApiKeyStore(documents, apiKeysTable);

    // Act
    const failure = await failureOf(store.put(RECORD));

    // Assess
    expect(failure).toMatchObject({ name: 'AccessDeniedException' });
    expect((failure as Error).message).toMatch(
      /not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:/,
    );
  });

  it('lets the authorizer read a key and record its last use, the one write its grant allows', async () => {
    // Prepare: the key seeded with the runtime's own credentials, which are unrestricted
    const seeding = new DynamoApiKeyStore(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({
          region: LOCAL_REGION,
          endpoint: underTest.runtime.endpoints.dynamodb,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
      ),
      apiKeysTable,
    );
    await seeding.put(RECORD);
    const { documents } = clientsOf(authorizer, underTest.runtime.endpoints);
    const store = new DynamoApiKeyStore(documents, apiKeysTable);

    // Act
    await store.touch(RECORD.keyId, '2026-02-02T00:00:00.000Z');
    const read = await store.get(RECORD.keyId);

    // Assess
    expect(read?.lastUsedAt).toBe('2026-02-02T00:00:00.000Z');
  });

  it('refuses the authorizer an update naming an attribute beyond its grant (the conditions are evaluated)', async () => {
    // Prepare
    const { documents } = clientsOf(authorizer, underTest.runtime.endpoints);

    // Act
    const lastUse = (extra: { scopes?: string[]; returnValues?: 'ALL_NEW' }) =>
      failureOf(
        documents.send(
          new UpdateCommand({
            TableName: apiKeysTable,
            Key: { keyId: RECORD.keyId },
            UpdateExpression: `SET #lastUsedAt = :at${extra.scopes ? ', scopes = :scopes' : ''}`,
            ExpressionAttributeNames: { '#lastUsedAt': API_KEY_LAST_USED },
            ExpressionAttributeValues: { ':at': 'now', ...(extra.scopes ? { ':scopes': extra.scopes } : {}) },
            ...(extra.returnValues ? { ReturnValues: extra.returnValues } : {}),
          }),
        ),
      );
    const escalate = lastUse({ scopes: ['admin'] });
    const readBack = lastUse({ returnValues: 'ALL_NEW' });

    // Assess
    expect(await escalate).toMatchObject({ name: 'AccessDeniedException' });
    expect(await readBack).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses a read of a table outside the role before the emulator answers', async () => {
    // Prepare
    const { documents } = clientsOf(authorizer, underTest.runtime.endpoints);

    // Act
    const failure = await failureOf(
      documents.send(new GetCommand({ TableName: 'no-such-table', Key: { id: 'x' } })),
    );

    // Assess: AWS checks IAM first, so the caller learns nothing of the table (not ResourceNotFoundException)
    expect(failure).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses the authorizer a Kinesis write with Kinesis AccessDeniedException', async () => {
    // Prepare
    const { kinesis } = clientsOf(authorizer, underTest.runtime.endpoints);

    // Act
    const write = kinesis.send(
      new PutRecordCommand({ StreamName: 'any-stream', PartitionKey: 'p', Data: new Uint8Array([1]) }),
    );

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses the authorizer an S3 upload with S3 AccessDenied, and a URL it presigns carries its identity', async () => {
    // Prepare
    const landingBucket = underTest.runtime.resourceVariable(ENV.landingBucket) ?? '';
    const { s3 } = clientsOf(authorizer, underTest.runtime.endpoints);
    const put = new PutObjectCommand({ Bucket: landingBucket, Key: 'uploads/x.json', Body: '{}' });

    // Act
    const direct = await failureOf(s3.send(put));
    const presigned = await fetch(await getSignedUrl(s3, put), { method: 'PUT', body: '{}' });

    // Assess
    expect(direct).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(presigned.status).toBe(403);
    expect(await presigned.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('answers a denial on a key holding XML characters with well-formed AccessDenied', async () => {
    // Prepare
    const landingBucket = underTest.runtime.resourceVariable(ENV.landingBucket) ?? '';
    const { s3 } = clientsOf(authorizer, underTest.runtime.endpoints);

    // Act
    const failure = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: landingBucket, Key: 'uploads/a&b<c>.json', Body: '{}' })),
    );

    // Assess
    expect(failure).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((failure as Error).message).toContain('uploads/a&b<c>.json');
  });

  it('accepts an upload through a URL presigned by a function whose role grants it', async () => {
    // Prepare
    const batches = underTest.runtime.functions.find((fn) => fn.logicalId.startsWith('BatchesFunction'));
    if (!batches) throw new Error('the app has no batches function');
    const { s3 } = clientsOf(batches, underTest.runtime.endpoints);
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: batches.environment[ENV.landingBucket] ?? '', Key: 'uploads/y.json' }),
    );

    // Act
    const answer = await fetch(url, { method: 'PUT', body: '{}' });

    // Assess
    expect(answer.status).toBe(200);
  });

  it("refuses the authorizer a Step Functions start, a secret's creation and an event, each in its service's words", async () => {
    // Prepare
    const { sfn, secrets, events } = clientsOf(authorizer, underTest.runtime.endpoints);
    const machine = underTest.runtime.resourceVariable(ENV.ingestBatchStateMachine) ?? '';

    // Act
    const start = failureOf(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{}' })));
    const secret = failureOf(
      secrets.send(new CreateSecretCommand({ Name: 'tributary/any', SecretString: 'x' })),
    );
    const event = failureOf(
      events.send(
        new PutEventsCommand({
          Entries: [{ Source: 'tributary', DetailType: 'x', Detail: '{}', EventBusName: 'default' }],
        }),
      ),
    );

    // Assess
    expect(await start).toMatchObject({ name: 'AccessDeniedException' });
    expect(((await start) as Error).message).toMatch(/states:StartExecution on resource: arn:aws:states:/);
    expect(await secret).toMatchObject({ name: 'AccessDeniedException' });
    expect(((await secret) as Error).message).toMatch(
      /secretsmanager:CreateSecret on resource: arn:aws:secretsmanager:.*:secret:tributary\/any-\?{6}/,
    );
    expect(await event).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('lets the batches function start the ingest workflow its role grants', async () => {
    // Prepare
    const batches = underTest.runtime.functions.find((fn) => fn.logicalId.startsWith('BatchesFunction'));
    if (!batches) throw new Error('the app has no batches function');
    const { sfn } = clientsOf(batches, underTest.runtime.endpoints);
    const machine = underTest.runtime.resourceVariable(ENV.ingestBatchStateMachine) ?? '';

    // Act
    const failure = await failureOf(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'not-json', input: 'not json' })),
    );

    // Assess: past IAM, the service itself refuses the input
    expect(failure).toMatchObject({ name: 'InvalidExecutionInput' });
  });
});
