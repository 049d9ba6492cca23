/**
 * The local STS: a function assumes a role of the template as STS decides it (the role's trust policy, the caller's
 * own policy, role chaining's one hour), and the session is then held to the role's policies and its session policy
 * at every local endpoint — the source-reader split of S3 dataflows runs locally as it does in AWS.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/config/env-names';
import { sessionPolicyOf } from '../../../lambdas/core/connections/source-session-policy';
import { LOCAL_REGION } from '../../../local/emulators';
import { functionCredentials } from '../../../local/iam/function-credentials';
import type { LocalFunction } from '../../../local/lambda/local-function';
import { failureOf } from '../../support/failure-of';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../../e2e/local-runtime';

const SOURCE_BUCKET = 'partner-exports';
const ADMIN = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

describe('a function assuming a role through the local STS', () => {
  let underTest: RuntimeUnderTest;
  let worker: LocalFunction;
  let authorizer: LocalFunction;
  let readerRole: string;

  const stsOf = (fn: LocalFunction) =>
    new STSClient({
      region: LOCAL_REGION,
      endpoint: underTest.runtime.endpoints.sts,
      credentials: functionCredentials(fn.stackName, fn.logicalId),
    });
  const s3With = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new S3Client({
      region: LOCAL_REGION,
      endpoint: underTest.runtime.endpoints.s3,
      forcePathStyle: true,
      credentials,
    });
  /** The worker's session of the reader, narrowed to the `people/` folder of the source bucket. */
  const readerSession = async () => {
    const { Credentials } = await stsOf(worker).send(
      new AssumeRoleCommand({
        RoleArn: readerRole,
        RoleSessionName: 'tributary-prod',
        DurationSeconds: 3600,
        Policy: sessionPolicyOf(
          { locations: [{ bucket: SOURCE_BUCKET, prefix: 'people' }], roleArns: [] },
          'aws',
        ),
      }),
    );
    return s3With({
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    });
  };
  const fn = (prefix: string): LocalFunction => {
    const found = underTest.runtime.functions.find((candidate) => candidate.logicalId.startsWith(prefix));
    if (!found) throw new Error(`the app has no ${prefix}`);
    return found;
  };

  beforeAll(async () => {
    underTest = await startRuntimeUnderTest({ sources: { bucketNames: [SOURCE_BUCKET] } });
    worker = fn('DataflowWorker');
    authorizer = fn('AuthorizerFunction');
    readerRole = underTest.runtime.resourceVariable(ENV.sourceReaderRole) ?? '';
    const admin = s3With(ADMIN);
    await admin.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    for (const key of ['people/a.json', 'other/b.json'])
      await admin.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: '{}' }));
  });
  afterAll(async () => {
    await underTest?.stop();
  });

  it('lets the dataflow worker read a granted folder through its reader session', async () => {
    // Prepare
    const reader = await readerSession();

    // Act
    const object = await reader.send(new GetObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'people/a.json' }));
    const listing = await reader.send(new ListObjectsV2Command({ Bucket: SOURCE_BUCKET, Prefix: 'people/' }));

    // Assess
    expect(await object.Body?.transformToString()).toBe('{}');
    expect(listing.Contents?.map((item) => item.Key)).toEqual(['people/a.json']);
  });

  it("refuses the reader session what its session policy leaves out, though the role's policy allows it", async () => {
    // Prepare
    const reader = await readerSession();

    // Act
    const read = await failureOf(
      reader.send(new GetObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'other/b.json' })),
    );
    const list = await failureOf(
      reader.send(new ListObjectsV2Command({ Bucket: SOURCE_BUCKET, Prefix: 'other/' })),
    );

    // Assess
    expect(read).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(list).toMatchObject({ name: 'AccessDenied' });
  });

  it("refuses the reader session the platform's buckets (the role's explicit deny)", async () => {
    // Prepare
    const reader = await readerSession();
    const landing = underTest.runtime.resourceVariable(ENV.landingBucket) ?? '';

    // Act
    const listing = await failureOf(reader.send(new ListObjectsV2Command({ Bucket: landing })));

    // Assess
    expect(listing).toMatchObject({ name: 'AccessDenied' });
  });

  it("refuses the reader role to a function its trust policy's tag condition and its own policy leave out", async () => {
    // Act
    const failure = await failureOf(
      stsOf(authorizer).send(
        new AssumeRoleCommand({ RoleArn: readerRole, RoleSessionName: 'tributary-prod' }),
      ),
    );

    // Assess
    expect(failure).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((failure as Error).message).toMatch(
      /not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::/,
    );
  });

  it('refuses a role outside the deployment, as STS refuses a role that does not trust the caller', async () => {
    // Act
    const failure = await failureOf(
      stsOf(worker).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::123456789012:role/tributary-source-partner',
          RoleSessionName: 'tributary-prod',
          ExternalId: 'x',
        }),
      ),
    );

    // Assess
    expect(failure).toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses a chained session longer than one hour, as STS does', async () => {
    // Act
    const failure = await failureOf(
      stsOf(worker).send(
        new AssumeRoleCommand({
          RoleArn: readerRole,
          RoleSessionName: 'tributary-prod',
          DurationSeconds: 7200,
        }),
      ),
    );

    // Assess
    expect(failure).toMatchObject({ name: 'ValidationError' });
    expect((failure as Error).message).toContain('role chaining');
  });
});
