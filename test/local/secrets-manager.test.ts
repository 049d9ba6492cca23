import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '../../local/emulators';
import type { RuntimeLog } from '../../local/runtime-log';
import { startSecretsAndEvents } from '../../local/secrets-and-events/secrets-and-events-service';
import { SECRETS_FILE } from '../../local/secrets-and-events/secret-store';
import type { RunningAwsJsonServer } from '../../local/aws-json-server';
import { freshDataDir, removeDataDir } from './fixture-runtime';

/** The error a call fails with, caught where it is made so that no rejection goes unhandled meanwhile. */
const errorOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => new Error('the call succeeded'),
    (error: unknown) => error,
  );

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const ARN_PATTERN = /^arn:aws:secretsmanager:us-east-1:000000000000:secret:(.+)-[A-Za-z0-9]{6}$/;

describe('the local Secrets Manager through the real SecretsManagerClient', () => {
  let dataDir: string;
  let endpoint: RunningAwsJsonServer;
  let client: SecretsManagerClient;
  const logged: string[] = [];
  const log: RuntimeLog = {
    info: (message) => logged.push(message),
    error: (message, error) => logged.push(`${message} ${String(error)}`),
  };

  const start = async (port?: number): Promise<void> => {
    endpoint = await startSecretsAndEvents({
      dataDir,
      log,
      region: LOCAL_REGION,
      account: '000000000000',
      ...(port === undefined ? {} : { port }),
    });
    // The client's defaults, plus where to find the service.
    client = new SecretsManagerClient({ region: LOCAL_REGION, credentials, endpoint: endpoint.url });
  };

  beforeAll(async () => {
    dataDir = freshDataDir();
    await start();
  });
  afterEach(() => {
    // No secret value ever reaches a log line.
    expect(logged.join('\n')).not.toMatch(/s3cr3t/);
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    removeDataDir(dataDir);
  });

  it('creates a secret and reads it back by name and by ARN', async () => {
    // Act
    const created = await client.send(
      new CreateSecretCommand({
        Name: 'tributary/connections/c1',
        SecretString: '{"password":"s3cr3t-1"}',
        KmsKeyId: 'alias/tributary-connections',
        Description: 'connection c1',
        Tags: [{ Key: 'sandbox', Value: 'prod' }],
      }),
    );
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'tributary/connections/c1' }));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const byPartialArn = await client.send(
      new GetSecretValueCommand({ SecretId: created.ARN?.slice(0, -7) }),
    );

    // Assess
    expect(created.ARN).toMatch(ARN_PATTERN);
    expect(ARN_PATTERN.exec(created.ARN ?? '')?.[1]).toBe('tributary/connections/c1');
    expect(created.Name).toBe('tributary/connections/c1');
    expect(created.VersionId).toEqual(expect.any(String));
    expect(byName).toMatchObject({
      ARN: created.ARN,
      Name: 'tributary/connections/c1',
      SecretString: '{"password":"s3cr3t-1"}',
      VersionId: created.VersionId,
      VersionStages: ['AWSCURRENT'],
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((byName.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(byArn.SecretString).toBe('{"password":"s3cr3t-1"}');
    expect(byPartialArn.ARN).toBe(created.ARN);
  });

  it('refuses a second secret of the same name with ResourceExistsException', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'duplicate', SecretString: 's3cr3t-2' }));

    // Act
    const again = await errorOf(
      client.send(new CreateSecretCommand({ Name: 'duplicate', SecretString: 's3cr3t-3' })),
    );

    // Assess
    expect(again).toBeInstanceOf(ResourceExistsException);
    expect(again).toMatchObject({
      message: 'The operation failed because the secret duplicate already exists.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers ResourceNotFoundException for an unknown secret, InvalidParameterException for a bad name', async () => {
    // Act
    const unknown = await errorOf(client.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' })));
    const badName = await errorOf(
      client.send(new CreateSecretCommand({ Name: 'spaces are refused', SecretString: 'x' })),
    );
    const bothValues = await errorOf(
      client.send(
        new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: Buffer.from('y') }),
      ),
    );

    // Assess
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(badName).toBeInstanceOf(InvalidParameterException);
    expect(bothValues).toBeInstanceOf(InvalidParameterException);
  });

  it('stages a new value as AWSCURRENT and keeps the former one as AWSPREVIOUS', async () => {
    // Prepare
    const created = await client.send(
      new CreateSecretCommand({ Name: 'rotated', SecretString: 's3cr3t-old' }),
    );

    // Act
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: 'rotated', SecretString: 's3cr3t-new' }),
    );
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'rotated' }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotated', VersionStage: 'AWSPREVIOUS' }),
    );
    const byVersion = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotated', VersionId: created.VersionId }),
    );

    // Assess
    expect(put).toMatchObject({ ARN: created.ARN, Name: 'rotated', VersionStages: ['AWSCURRENT'] });
    expect(put.VersionId).not.toBe(created.VersionId);
    expect(current).toMatchObject({ SecretString: 's3cr3t-new', VersionId: put.VersionId });
    expect(previous).toMatchObject({ SecretString: 's3cr3t-old', VersionStages: ['AWSPREVIOUS'] });
    expect(byVersion.SecretString).toBe('s3cr3t-old');
  });

  it('treats a repeated PutSecretValue token as a retry, and refuses it with another value', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'idempotent', SecretString: 's3cr3t-a' }));
    const token = 'a1b2c3d4-0000-4000-8000-000000000001';
    const first = await client.send(
      new PutSecretValueCommand({
        SecretId: 'idempotent',
        SecretString: 's3cr3t-b',
        ClientRequestToken: token,
      }),
    );

    // Act
    const retried = await client.send(
      new PutSecretValueCommand({
        SecretId: 'idempotent',
        SecretString: 's3cr3t-b',
        ClientRequestToken: token,
      }),
    );
    const changed = await errorOf(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'idempotent',
          SecretString: 's3cr3t-c',
          ClientRequestToken: token,
        }),
      ),
    );

    // Assess
    expect(first.VersionId).toBe(token);
    expect(retried.VersionId).toBe(token);
    expect(changed).toBeInstanceOf(ResourceExistsException);
  });

  it('updates the description and the value, and describes the secret without its value', async () => {
    // Prepare
    const created = await client.send(
      new CreateSecretCommand({
        Name: 'described',
        SecretString: 's3cr3t-d1',
        KmsKeyId: 'alias/k',
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );

    // Act
    const updated = await client.send(
      new UpdateSecretCommand({
        SecretId: 'described',
        Description: 'now described',
        SecretString: 's3cr3t-d2',
      }),
    );
    const onlyDescription = await client.send(
      new UpdateSecretCommand({ SecretId: 'described', Description: 'described again' }),
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    const value = await client.send(new GetSecretValueCommand({ SecretId: 'described' }));

    // Assess
    expect(updated.VersionId).toEqual(expect.any(String));
    expect(onlyDescription.VersionId).toBeUndefined();
    expect(described).toMatchObject({
      ARN: created.ARN,
      Name: 'described',
      Description: 'described again',
      KmsKeyId: 'alias/k',
      Tags: [{ Key: 'team', Value: 'data' }],
      VersionIdsToStages: {
        [updated.VersionId ?? '']: ['AWSCURRENT'],
        [created.VersionId ?? '']: ['AWSPREVIOUS'],
      },
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastChangedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(described)).not.toContain('s3cr3t');
    expect(value.SecretString).toBe('s3cr3t-d2');
  });

  it('keeps a binary value', async () => {
    // Act
    await client.send(
      new CreateSecretCommand({ Name: 'binary', SecretBinary: Buffer.from([0, 1, 254, 255]) }),
    );
    const read = await client.send(new GetSecretValueCommand({ SecretId: 'binary' }));

    // Assess
    expect(Buffer.from(read.SecretBinary ?? [])).toEqual(Buffer.from([0, 1, 254, 255]));
    expect(read.SecretString).toBeUndefined();
  });

  it('deletes a secret at once, with a recovery window or without recovery', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'windowed', SecretString: 's3cr3t-w' }));
    await client.send(new CreateSecretCommand({ Name: 'forced', SecretString: 's3cr3t-f' }));

    // Act
    const windowed = await client.send(
      new DeleteSecretCommand({ SecretId: 'windowed', RecoveryWindowInDays: 7 }),
    );
    const forced = await client.send(
      new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }),
    );
    const readAfter = await errorOf(client.send(new GetSecretValueCommand({ SecretId: 'windowed' })));
    const both = await errorOf(
      client.send(
        new DeleteSecretCommand({
          SecretId: 'rotated',
          ForceDeleteWithoutRecovery: true,
          RecoveryWindowInDays: 7,
        }),
      ),
    );
    const tooShort = await errorOf(
      client.send(new DeleteSecretCommand({ SecretId: 'rotated', RecoveryWindowInDays: 1 })),
    );
    const recreated = await client.send(
      new CreateSecretCommand({ Name: 'forced', SecretString: 's3cr3t-f2' }),
    );

    // Assess
    const sevenDaysMs = 7 * 86_400_000;
    expect(Math.abs((windowed.DeletionDate?.getTime() ?? 0) - (Date.now() + sevenDaysMs))).toBeLessThan(
      60_000,
    );
    expect(Math.abs((forced.DeletionDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(readAfter).toBeInstanceOf(ResourceNotFoundException);
    expect(both).toBeInstanceOf(InvalidParameterException);
    expect(tooShort).toBeInstanceOf(InvalidParameterException);
    expect(recreated.Name).toBe('forced');
  });

  it('answers requests no client would send in the AWS error shape', async () => {
    // Prepare
    const post = async (target: string, body: string) => {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
        body,
      });
      return { status: response.status, body: (await response.json()) as { __type: string } };
    };

    // Act
    const unknown = await post('secretsmanager.RotateSecret', '{}');
    const inherited = await post('secretsmanager.constructor', '{}');
    const notJson = await post('secretsmanager.GetSecretValue', '{nope');
    const notObject = await post('secretsmanager.GetSecretValue', '[1]');
    const badTags = await post('secretsmanager.CreateSecret', '{"Name":"t","Tags":[null]}');

    // Assess
    expect(
      [unknown, inherited, notJson, notObject, badTags].map(({ status, body }) => [status, body.__type]),
    ).toEqual([
      [400, 'UnknownOperationException'],
      [400, 'UnknownOperationException'],
      [400, 'SerializationException'],
      [400, 'SerializationException'],
      [400, 'InvalidParameterException'],
    ]);
  });

  it('keeps the secrets across a restart, in a file only the owner can read', async () => {
    // Prepare
    const created = await client.send(new CreateSecretCommand({ Name: 'kept', SecretString: 's3cr3t-kept' }));
    const port = Number(new URL(endpoint.url).port);
    client.destroy();
    await endpoint.stop();

    // Act
    await start(port);
    const read = await client.send(new GetSecretValueCommand({ SecretId: 'kept' }));

    // Assess
    expect(endpoint.url).toBe(`http://127.0.0.1:${port}`);
    expect(read).toMatchObject({
      ARN: created.ARN,
      SecretString: 's3cr3t-kept',
      VersionId: created.VersionId,
    });
    const file = join(dataDir, SECRETS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('s3cr3t-kept');
  });
});
