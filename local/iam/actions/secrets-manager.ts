/**
 * Secrets Manager requests as IAM sees them: `secretsmanager:` + the operation on the secret's ARN — the stored
 * secret's full ARN when the id names one (by ARN, name or partial ARN), else the ARN the id would have, with
 * Secrets Manager's six-character suffix as `??????` (what a policy written for a secret not yet created matches).
 * A customer managed key adds the KMS calls Secrets Manager makes on the caller's behalf: `kms:GenerateDataKey` to
 * store a value, `kms:Decrypt` to read one.
 */
import type { AccessRequest } from '../policy-evaluator';
import type { ArnScope } from './dynamodb';

export interface KnownSecret {
  readonly arn: string;
  readonly kmsKeyId?: string;
}

const STORES_VALUE = new Set(['CreateSecret', 'PutSecretValue', 'UpdateSecret']);
const READS_VALUE = new Set(['GetSecretValue']);

export function secretsManagerAccessRequests(
  scope: ArnScope,
  operation: string,
  input: Readonly<Record<string, unknown>>,
  secretOf: (id: string) => KnownSecret | undefined,
): AccessRequest[] {
  const id = input[operation === 'CreateSecret' ? 'Name' : 'SecretId'];
  const text = typeof id === 'string' ? id : '';
  const known = operation === 'CreateSecret' ? undefined : secretOf(text);
  const arn =
    known?.arn ??
    (text.startsWith('arn:')
      ? text
      : `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.account}:secret:${text}-??????`);
  const requests: AccessRequest[] = [{ action: `secretsmanager:${operation}`, resource: arn }];
  const named = input['KmsKeyId'];
  const key = typeof named === 'string' ? named : known?.kmsKeyId;
  if (key !== undefined) {
    const keyArn = key.startsWith('arn:')
      ? key
      : `arn:${scope.partition}:kms:${scope.region}:${scope.account}:${key.startsWith('alias/') ? key : `key/${key}`}`;
    if (STORES_VALUE.has(operation) && (input['SecretString'] ?? input['SecretBinary']) !== undefined)
      requests.push({ action: 'kms:GenerateDataKey', resource: keyArn });
    if (READS_VALUE.has(operation)) requests.push({ action: 'kms:Decrypt', resource: keyArn });
  }
  return requests;
}
