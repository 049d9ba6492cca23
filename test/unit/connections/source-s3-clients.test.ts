import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { s3, sourceS3 } from '../../../lambdas/adapters/aws-clients';
import { SourceError } from '../../../lambdas/core/connections/connection-types';

const ROLE = 'arn:aws:iam::123456789012:role/partner-read';

describe('sourceS3', () => {
  const sts = mockClient(STSClient);

  afterEach(() => {
    sts.reset();
    vi.unstubAllEnvs();
  });

  it('reads with the runtime client when the connection names neither region nor role', () => {
    // Assess
    expect(sourceS3({})).toBe(s3());
  });

  it('refuses a role where S3 is an emulator and there is no STS (the local runtime)', () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:4569');
    vi.stubEnv('AWS_ENDPOINT_URL_STS', undefined);

    // Act
    const error = (() => {
      try {
        sourceS3({ roleArn: ROLE });
        return undefined;
      } catch (thrown) {
        return thrown;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'role-not-supported', retryable: false });
  });

  it("signs with the role's credentials from STS, and reuses the client per region and role", async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
    const expiration = new Date(Date.now() + 3_600_000);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: expiration,
      },
    });

    // Act
    const client = sourceS3({ roleArn: ROLE, region: 'eu-west-1' });
    const credentials = await client.config.credentials();

    // Assess
    expect(sourceS3({ roleArn: ROLE, region: 'eu-west-1' })).toBe(client);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(credentials).toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 'token', expiration });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'tributary-source',
    });
  });

  it('answers a SourceError when the role cannot be assumed', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const error = await sourceS3({ roleArn: `${ROLE}-other` })
      .config.credentials()
      .catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'assume-role-failed', retryable: false });
    expect((error as SourceError).message).toContain(`${ROLE}-other`);
  });
});
