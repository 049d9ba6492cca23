import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../../lambdas/adapters/secrets-manager-secret-store';

const NAME = 'tributary/connections/prod/01J0000000000000000000000';
const ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${NAME}-AbCdEf`;
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const metadata = { httpStatusCode: 400, $fault: 'client' as const };

describe('SecretsManagerSecretStore', () => {
  const secrets = mockClient(SecretsManagerClient);

  beforeEach(() => {
    secrets.reset();
  });

  it('creates the secret under its name with the deployment key, and answers its ARN', async () => {
    // Prepare
    secrets.on(CreateSecretCommand).resolves({ ARN, Name: NAME });
    const store = new SecretsManagerSecretStore(new SecretsManagerClient({}), { kmsKeyId: KEY });

    // Act
    const reference = await store.create(NAME, 'Bearer abc');

    // Assess
    expect(reference).toBe(ARN);
    expect(secrets.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({
      Name: NAME,
      SecretString: 'Bearer abc',
      KmsKeyId: KEY,
    });
  });

  it('replaces the value when the secret already exists (a create repeated after a failed catalog write)', async () => {
    // Prepare
    secrets
      .on(CreateSecretCommand)
      .rejects(new ResourceExistsException({ message: 'exists', $metadata: metadata }));
    secrets.on(PutSecretValueCommand).resolves({ ARN });
    const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));

    // Act
    const reference = await store.create(NAME, 'Bearer again');

    // Assess
    expect(reference).toBe(ARN);
    expect(secrets.commandCalls(CreateSecretCommand)[0]?.args[0].input).not.toHaveProperty('KmsKeyId');
    expect(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: NAME,
      SecretString: 'Bearer again',
    });
  });

  it('updates and reads the value by reference', async () => {
    // Prepare
    secrets.on(PutSecretValueCommand).resolves({ ARN });
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'Bearer new' });
    const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));

    // Act
    await store.update(ARN, 'Bearer new');
    const value = await store.read(ARN);

    // Assess
    expect(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: ARN,
      SecretString: 'Bearer new',
    });
    expect(value).toBe('Bearer new');
  });

  it('deletes at once, without a recovery window; a secret already gone or going is no error', async () => {
    // Prepare
    const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));

    // Act
    secrets.on(DeleteSecretCommand).resolves({ ARN });
    await store.remove(ARN);
    secrets
      .on(DeleteSecretCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: metadata }));
    await store.remove(ARN);
    secrets.on(DeleteSecretCommand).rejects(
      new InvalidRequestException({
        message: "You can't perform this operation on the secret because it was marked for deletion.",
        $metadata: metadata,
      }),
    );
    await store.remove(ARN);
    secrets
      .on(DeleteSecretCommand)
      .rejects(new InvalidRequestException({ message: 'something else', $metadata: metadata }));
    const other = await store.remove(ARN).catch((error: unknown) => error);

    // Assess
    expect(secrets.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: ARN,
      ForceDeleteWithoutRecovery: true,
    });
    expect(other).toBeInstanceOf(InvalidRequestException);
  });
});
