/**
 * Attacks on S3 source connections over HTTP, on the local runtime: a sandbox's admin names a bucket in a
 * connection, so it could name the platform's landing bucket (its name is in every presigned upload URL) and have
 * the dataflow worker copy another sandbox's uploads into its own dataset, or name a folder of a source bucket the
 * platform granted to another sandbox. Every such reference is refused when the connection is created or changed,
 * and again when it is tested, explored or run (a connection stored earlier, or a grant taken back since).
 */
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sourceS3 } from '../../lambdas/adapters/aws-clients';
import { ENV } from '../../lambdas/config/env-names';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { BatchApi, type FileAnswer } from '../support/batch-api';
import { ORDER_SCHEMA, ORDER_SCHEMA_ID } from '../support/batch-files';
import { DataflowApi } from '../support/dataflow-api';
import { PLATFORM_BUCKETS, sourceAccessOf, TEST_READER_ROLE } from '../support/memory-source-access';
import { resourceName } from '../support/resource-name';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

/** The deployment's one source bucket; each sandbox is granted a folder of it. */
const SOURCE_BUCKET = 'partner-exports';
const VICTIM = 'prod';
const ATTACKER = 'acme';
const ORDERS_CSV = 'orderId,quantity\nv1,1\nv2,2\n';

/** The batch client of one sandbox: every request names it. */
class SandboxApi extends BatchApi {
  constructor(
    url: string,
    key: string,
    private readonly sandbox: string,
  ) {
    super(url, key);
  }

  override send(path: string, init: Parameters<BatchApi['send']>[1] = {}): Promise<FileAnswer> {
    return super.send(path, { ...init, headers: { 'x-sandbox-name': this.sandbox, ...init.headers } });
  }
}

const problemOf = (answer: FileAnswer) =>
  answer.body as { code: string; violations?: { pointer: string; message: string }[] };

describe('S3 connections cannot reach the platform buckets or another sandbox’s sources', () => {
  let subject: RuntimeUnderTest;
  let clients: EmulatorClients;
  let platform: DataflowApi;
  let attacker: SandboxApi;
  let attackerFlows: DataflowApi;
  let attackerDataset: string;
  /** The landing bucket's name, as the victim's presigned upload URL shows it. */
  let landingBucket: string;

  const s3Connection = (params: Record<string, unknown>) => ({
    name: `probe ${randomUUID()}`,
    type: 's3',
    params: { inputFormat: { format: 'csv' }, ...params },
  });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest({ sources: { bucketNames: [SOURCE_BUCKET] } });
    const { url, adminKey } = subject.runtime;
    clients = createEmulatorClients(subject.runtime.endpoints);
    await clients.s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    await clients.s3.send(
      new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'prod-orders/o.csv', Body: ORDERS_CSV }),
    );
    const victim = new BatchApi(url, adminKey);
    platform = new DataflowApi(victim);
    await victim.send('/sandboxes', { method: 'POST', json: { name: ATTACKER } });
    const created = await victim.send('/api-keys', {
      method: 'POST',
      json: { name: 'acme admin', scopes: ['admin'], sandbox: ATTACKER },
    });
    attacker = new SandboxApi(url, (created.body as { key: string }).key, ATTACKER);
    attackerFlows = new DataflowApi(attacker);
    await platform.grantSources(VICTIM, { locations: [{ bucket: SOURCE_BUCKET, prefix: 'prod-orders' }] });
    await platform.grantSources(ATTACKER, { locations: [{ bucket: SOURCE_BUCKET, prefix: 'acme-orders' }] });

    // The victim uploads a file through a presigned URL, which names the landing bucket.
    await victim.createSchema(ORDER_SCHEMA);
    const victimDataset = await victim.createDataset('victim orders', ORDER_SCHEMA_ID);
    const batchId = await victim.createBatch({ datasetId: victimDataset, inputFormat: { format: 'csv' } });
    const granted = await victim.fileAction(batchId, victimDataset, 'orders.csv', 'UPLOAD_URL', {
      sizeInBytes: Buffer.byteLength(ORDERS_CSV),
    });
    const { url: uploadUrl } = granted.body as { url: string };
    // The URL writes once (If-None-Match); the body's length is the one it signs.
    await fetch(uploadUrl, { method: 'PUT', headers: { 'if-none-match': '*' }, body: ORDERS_CSV });
    // The local emulator addresses buckets by path: /<bucket>/<key>.
    landingBucket = decodeURIComponent(new URL(uploadUrl).pathname.split('/')[1] ?? '');

    await attacker.createSchema(ORDER_SCHEMA);
    attackerDataset = await attacker.createDataset('stolen orders', ORDER_SCHEMA_ID);
  });
  afterAll(async () => {
    clients.destroy();
    await subject.stop();
  });

  it("refuses an S3 connection naming the platform's landing bucket, read from a presigned upload URL", async () => {
    // Act
    const answer = await attacker.send('/connections', {
      method: 'POST',
      json: s3Connection({ bucket: landingBucket, prefix: `uploads/${VICTIM}` }),
    });

    // Assess
    expect(landingBucket).toBe(resourceName(subject.runtime, ENV.landingBucket));
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(problemOf(answer)).toMatchObject({
      code: 'platform-bucket',
      violations: [{ pointer: '/params/bucket' }],
    });
  });

  it.each([
    ['lake', ENV.lakeBucket],
    ['quarantine', ENV.quarantineBucket],
  ])('refuses an S3 connection naming the platform’s %s bucket', async (_name, variable) => {
    // Act
    const answer = await attacker.send('/connections', {
      method: 'POST',
      json: s3Connection({ bucket: resourceName(subject.runtime, variable) }),
    });

    // Assess
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(problemOf(answer).code).toBe('platform-bucket');
  });

  it('refuses changing an allowed connection to the landing bucket', async () => {
    // Prepare
    const id = await attackerFlows.createConnection(
      s3Connection({ bucket: SOURCE_BUCKET, prefix: 'acme-orders' }),
    );

    // Act
    const answer = await attacker.send(`/connections/${id}`, {
      method: 'PATCH',
      json: { params: { bucket: landingBucket, inputFormat: { format: 'csv' } } },
    });
    const stored = await attacker.send(`/connections/${id}`);

    // Assess
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(problemOf(answer)).toMatchObject({
      code: 'platform-bucket',
      violations: [{ pointer: '/params/bucket' }],
    });
    expect(stored.body).toMatchObject({ params: { bucket: SOURCE_BUCKET } });
  });

  it("refuses a folder or bucket granted only to another sandbox, and a folder that merely starts like the sandbox's own", async () => {
    // Act
    const attempts = await Promise.all(
      [
        { bucket: SOURCE_BUCKET, prefix: 'prod-orders' },
        { bucket: SOURCE_BUCKET },
        { bucket: SOURCE_BUCKET, prefix: 'acme-orders-archive' },
        { bucket: 'another-teams-bucket', prefix: 'acme-orders' },
      ].map((params) => attacker.send('/connections', { method: 'POST', json: s3Connection(params) })),
    );
    const own = await attacker.send('/connections', {
      method: 'POST',
      json: s3Connection({ bucket: SOURCE_BUCKET, prefix: 'acme-orders/2026' }),
    });

    // Assess
    expect(attempts.map((answer) => [answer.status, problemOf(answer).code])).toEqual([
      [400, 'prefix-not-allowed'],
      [400, 'prefix-not-allowed'],
      [400, 'prefix-not-allowed'],
      [400, 'bucket-not-allowed'],
    ]);
    expect(JSON.stringify(attempts.map((answer) => answer.body))).not.toContain('prod-orders/');
    expect(own.status, JSON.stringify(own.body)).toBe(201);
  });

  it('fails the test, explore and run of a connection to the landing bucket stored before it was refused, copying nothing', async () => {
    // Prepare: the connection as a deployment without these checks stored it.
    const id = `01J${randomUUID().replaceAll('-', '').slice(0, 23).toUpperCase()}`;
    const at = new Date().toISOString();
    await clients.documents.send(
      new PutCommand({
        TableName: resourceName(subject.runtime, ENV.catalogTable),
        Item: {
          pk: `${ATTACKER}#connection`,
          sk: id,
          id,
          sandbox: ATTACKER,
          name: 'uploads of prod',
          type: 's3',
          params: { bucket: landingBucket, prefix: `uploads/${VICTIM}`, inputFormat: { format: 'csv' } },
          createdAt: at,
          createdBy: 'before-the-fix',
          updatedAt: at,
          revision: 1,
        },
      }),
    );
    const flow = await attackerFlows.createDataflow({
      name: 'copy prod uploads',
      connectionId: id,
      datasetId: attackerDataset,
    });

    // Act
    const tested = await attacker.send(`/connections/${id}/test`, { method: 'POST' });
    const explored = await attacker.send(`/connections/${id}/explore`);
    const run = await attackerFlows.waitForRun(flow.id, await attackerFlows.runNow(flow.id));
    const batches = await attacker.send(`/catalog/batches?datasetId=${attackerDataset}`);

    // Assess
    expect(tested.body).toMatchObject({ status: 'failed', code: 'platform-bucket', retryable: false });
    expect(explored.status).toBe(403);
    expect(problemOf(explored).code).toBe('platform-bucket');
    expect(run).toMatchObject({ status: 'failed', metrics: { filesRead: 0 } });
    expect(run.batchId).toBeUndefined();
    expect(JSON.stringify(run.errors)).toContain('platform-bucket');
    expect((batches.body as { items: unknown[] }).items).toEqual([]);
  });

  it("stops a connection's reads once the platform takes the sandbox's grant back", async () => {
    // Prepare
    await clients.s3.send(
      new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'acme-orders/a.csv', Body: ORDERS_CSV }),
    );
    const id = await attackerFlows.createConnection(
      s3Connection({ bucket: SOURCE_BUCKET, prefix: 'acme-orders' }),
    );
    const flow = await attackerFlows.createDataflow({
      name: 'acme orders',
      connectionId: id,
      datasetId: attackerDataset,
    });
    await platform.grantSources(ATTACKER, { locations: [] });

    // Act
    const tested = await attacker.send(`/connections/${id}/test`, { method: 'POST' });
    const explored = await attacker.send(`/connections/${id}/explore`);
    const run = await attackerFlows.waitForRun(flow.id, await attackerFlows.runNow(flow.id));

    // Assess
    expect(tested.body).toMatchObject({ status: 'failed', code: 'bucket-not-allowed' });
    expect(explored.status).toBe(403);
    expect(run).toMatchObject({ status: 'failed', metrics: { filesRead: 0 } });
    expect(JSON.stringify(run.errors)).toContain('bucket-not-allowed');
  });

  it("lets only the platform key grant sources, within the deployment's buckets and never a platform bucket", async () => {
    // Prepare
    await platform.grantSources(ATTACKER, { locations: [{ bucket: SOURCE_BUCKET, prefix: 'acme-orders' }] });

    // Act
    const bySandboxAdmin = await attacker.send(`/sandboxes/${ATTACKER}/source-access`, {
      method: 'PUT',
      json: { locations: [{ bucket: SOURCE_BUCKET }], roleArns: [] },
    });
    const othersGrant = await attacker.send(`/sandboxes/${VICTIM}/source-access`);
    const ownGrant = await attacker.send(`/sandboxes/${ATTACKER}/source-access`);
    const outsideDeployment = await platform.api.send(`/sandboxes/${ATTACKER}/source-access`, {
      method: 'PUT',
      json: { locations: [{ bucket: 'another-teams-bucket' }, { bucket: landingBucket }], roleArns: [] },
    });

    // Assess
    expect(bySandboxAdmin.status).toBe(403);
    expect(othersGrant.status).toBe(403);
    expect(ownGrant.status).toBe(200);
    expect(ownGrant.body).toMatchObject({
      sandbox: ATTACKER,
      locations: [{ bucket: SOURCE_BUCKET, prefix: 'acme-orders' }],
      roleArns: [],
      externalId: expect.stringMatching(/^tributary:[0-9a-z]+:acme$/) as unknown,
    });
    expect(outsideDeployment.status).toBe(400);
    expect(problemOf(outsideDeployment).violations?.map((violation) => violation.pointer)).toEqual([
      '/locations/0/bucket',
      '/locations/1/bucket',
    ]);
  });
});

describe("in AWS, the reader session of a sandbox reaches only that sandbox's folders (STS calls)", () => {
  const sts = mockClient(STSClient);
  const { service } = sourceAccessOf({
    acme: { locations: [{ bucket: 'shared-drop', prefix: 'acme-orders' }], roleArns: [] },
    prod: { locations: [{ bucket: 'shared-drop', prefix: 'prod-orders' }], roleArns: [] },
  });

  beforeAll(() => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
    vi.stubEnv('SOURCE_READER_ROLE_ARN', TEST_READER_ROLE);
  });
  afterEach(() => sts.reset());
  afterAll(() => vi.unstubAllEnvs());

  it("reads as the source reader with a session policy of the sandbox's folders only, never the function's own role", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'READER',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const grant = await service.grantFor('acme', {
      bucket: 'shared-drop',
      prefix: 'acme-orders/2026',
      inputFormat: { format: 'csv' },
    });

    // Act
    const read = await sourceS3(grant).config.credentials();
    const [call] = sts.commandCalls(AssumeRoleCommand);
    const policy = call?.args[0].input.Policy ?? '';

    // Assess
    expect(read).toMatchObject({ accessKeyId: 'READER' });
    expect(call?.args[0].input).toMatchObject({
      RoleArn: TEST_READER_ROLE,
      RoleSessionName: 'tributary-acme',
    });
    expect(JSON.parse(policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::shared-drop/acme-orders/*'] },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::shared-drop',
          Condition: { StringLike: { 's3:prefix': ['acme-orders/*'] } },
        },
      ],
    });
    expect(policy).not.toContain('prod-orders');
  });

  it('refuses the landing bucket even where the deployment names it among its sources', async () => {
    // Act
    const refused = await service
      .grantFor('acme', { bucket: PLATFORM_BUCKETS.landing, inputFormat: { format: 'csv' } })
      .catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ code: 'platform-bucket', field: 'bucket', retryable: false });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});
