/**
 * Kinesis requests as IAM sees them: `kinesis:` + the operation, on the stream's ARN (from StreamARN or
 * StreamName), the consumer's ARN for consumer operations, `*` for ListStreams.
 */
import type { AccessRequest } from '../policy-evaluator';
import type { ArnScope } from './dynamodb';

const TARGET_PREFIX = 'Kinesis_20131202.';

/** Producers of a KMS-encrypted stream need `kms:GenerateDataKey` on its key, consumers `kms:Decrypt`. */
const ENCRYPTING_OPERATIONS = new Set(['PutRecord', 'PutRecords']);
const DECRYPTING_OPERATIONS = new Set(['GetRecords']);

export function kinesisAccessRequests(
  scope: ArnScope,
  target: string,
  input: Record<string, unknown>,
  kmsKeyOf: (streamArn: string) => string | undefined = () => undefined,
): AccessRequest[] {
  if (!target.startsWith(TARGET_PREFIX)) return [];
  const operation = target.slice(TARGET_PREFIX.length);
  const action = `kinesis:${operation}`;
  if (operation === 'ListStreams') return [{ action, resource: '*' }];
  const consumer = input['ConsumerARN'];
  if (typeof consumer === 'string') return [{ action, resource: consumer }];
  const arn = input['StreamARN'];
  const name = input['StreamName'];
  const resource =
    typeof arn === 'string'
      ? arn
      : `arn:${scope.partition}:kinesis:${scope.region}:${scope.account}:stream/${typeof name === 'string' ? name : ''}`;
  const kmsKey = kmsKeyOf(resource);
  return [
    { action, resource },
    ...(kmsKey !== undefined && ENCRYPTING_OPERATIONS.has(operation)
      ? [{ action: 'kms:GenerateDataKey', resource: kmsKey }]
      : []),
    ...(kmsKey !== undefined && DECRYPTING_OPERATIONS.has(operation)
      ? [{ action: 'kms:Decrypt', resource: kmsKey }]
      : []),
  ];
}
