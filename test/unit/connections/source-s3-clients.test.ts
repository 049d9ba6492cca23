import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sourceS3 } from '../../../lambdas/adapters/aws-clients';
import { S3SourceObjects } from '../../../lambdas/adapters/s3-source-reader';
import { OBJECT_CHANGED, SourceError } from '../../../lambdas/core/connections/connection-types';
import type { S3SourceGrant } from '../../../lambdas/core/connections/source-access';
import { sessionPolicyOf } from '../../../lambdas/core/connections/source-session-policy';

const ROLE = 'arn:aws:iam::123456789012:role/tributary-source-partner';
const READER = 'arn:aws:iam::444455556666:role/source-reader';

/** A grant of the bucket `partner-exports` to sandbox `prod`, with the given extras. */
const grantOf = (extra: Partial<S3SourceGrant> = {}): S3SourceGrant => ({
  sandbox: 'prod',
  rules: { locations: [{ bucket: 'partner-exports', prefix: 'people' }], roleArns: [] },
  partition: 'aws',
  ...extra,
});

const credentialsOf = (id: string) => ({
  Credentials: {
    AccessKeyId: id,
    SecretAccessKey: 'secret',
    SessionToken: `token-${id}`,
    Expiration: new Date(Date.now() + 3_600_000),
  },
});

describe('sourceS3', () => {
  const sts = mockClient(STSClient);

  afterEach(() => {
    sts.reset();
    vi.unstubAllEnvs();
  });

  it("signs with the source reader's session for the sandbox, and reuses the client per grant", async () => {
    // Prepare
    vi.stubEnv('SOURCE_READER_ROLE_ARN', READER);
    sts.on(AssumeRoleCommand).resolves(credentialsOf('ASIA1'));
    const grant = grantOf({ region: 'eu-west-1' });

    // Act
    const client = sourceS3(grant);
    const credentials = await client.config.credentials();

    // Assess
    expect(sourceS3(grantOf({ region: 'eu-west-1' }))).toBe(client);
    expect(sourceS3(grantOf({ region: 'eu-west-1', sandbox: 'dev' }))).not.toBe(client);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(credentials).toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 'token-ASIA1' });
    const [call] = sts.commandCalls(AssumeRoleCommand);
    expect(call?.args[0].input).toMatchObject({
      RoleArn: READER,
      RoleSessionName: 'tributary-prod',
      Policy: sessionPolicyOf(grant.rules, 'aws'),
    });
  });

  it('answers a SourceError when the role cannot be assumed', async () => {
    // Prepare
    vi.stubEnv('SOURCE_READER_ROLE_ARN', READER);
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const error = await sourceS3(grantOf({ role: { arn: `${ROLE}-other`, externalId: 'tributary:d:prod' } }))
      .config.credentials()
      .catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'assume-role-failed', retryable: false });
    expect((error as SourceError).message).toContain(`${ROLE}-other`);
  });
});

describe('S3SourceObjects.open', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(client);
  const objects = new S3SourceObjects(() => client);
  const params = { bucket: 'partner-exports', inputFormat: { format: 'json' } } as const;

  afterEach(() => mock.reset());

  it('reads the object as listed, by its ETag, and tells an object overwritten since from a missing one', async () => {
    // Prepare
    mock
      .on(GetObjectCommand, { IfMatch: '"listed"' })
      // The SDK answers a Node stream with helpers mixed in; the adapter needs only the stream.
      .resolves({ Body: Readable.from([Buffer.from('{}\n')]) as never });
    mock.on(GetObjectCommand, { IfMatch: '"stale"' }).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );

    // Act
    const listed = await objects.open(params, 'people/a.jsonl', '"listed"');
    const stale = await objects.open(params, 'people/a.jsonl', '"stale"').catch((thrown: unknown) => thrown);

    // Assess
    expect(listed).toBeInstanceOf(Readable);
    expect(stale).toBeInstanceOf(SourceError);
    expect(stale).toMatchObject({ code: OBJECT_CHANGED, retryable: true });
    expect(mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.IfMatch)).toEqual([
      '"listed"',
      '"stale"',
    ]);
  });
});
