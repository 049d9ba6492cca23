/**
 * Connection secrets in AWS Secrets Manager, one secret per connection, named `<prefix><sandbox>/<connectionId>`
 * (the prefix lets the functions' IAM policy grant exactly these secrets) and encrypted with the deployment's key
 * when one is given. The catalog keeps only the secret's ARN.
 *
 * Deleting is immediate (`ForceDeleteWithoutRecovery`) rather than after a 7–30 day recovery window: the secret
 * means nothing without its connection, which is deleted with it and cannot be restored; its name holds the
 * connection's id, so it is never wanted again; and a credential the user meant to discard would otherwise stay
 * readable for weeks.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../core/connections/connection-types';

export class SecretsManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { readonly kmsKeyId?: string } = {},
  ) {}

  /**
   * A create repeated after the catalog write failed (the secret exists, the connection does not) replaces the
   * value rather than failing: the name is the connection's own.
   */
  async create(name: string, value: string): Promise<string> {
    try {
      const out = await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: 'Tributary source connection credential',
          ...(this.options.kmsKeyId !== undefined ? { KmsKeyId: this.options.kmsKeyId } : {}),
        }),
      );
      return required(out.ARN, name);
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      const out = await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      return required(out.ARN, name);
    }
  }

  async update(reference: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: reference, SecretString: value }));
  }

  async read(reference: string): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: reference }));
    if (out.SecretString === undefined) throw new Error(`secret ${reference} has no string value`);
    return out.SecretString;
  }

  async remove(reference: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteSecretCommand({ SecretId: reference, ForceDeleteWithoutRecovery: true }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      // A secret already on its way out (a repeated delete) is refused as "marked for deletion".
      if (error instanceof InvalidRequestException && /deletion/i.test(error.message)) return;
      throw error;
    }
  }
}

function required(arn: string | undefined, name: string): string {
  if (arn === undefined) throw new Error(`Secrets Manager answered no ARN for secret ${name}`);
  return arn;
}
