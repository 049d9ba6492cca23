/**
 * The Kinesis partition key of an accepted message: its record's primary identity, so that every record of one
 * person goes to one shard in order (DESIGN §5 Ordering); the message id when the record names no primary identity.
 */
import { createHash } from 'node:crypto';
import type { IdentityNormalizer } from '../profiles/identity-normalizer';
import { identityKeyOf, type ProfileGuardrails } from '../profiles/profile-ports';
import { identitiesOfRecord, type IdentitySchema } from '../profiles/record-identities';

/** Kinesis accepts partition keys of 1 to 256 Unicode characters. */
export const MAX_PARTITION_KEY_LENGTH = 256;

/**
 * `{namespace}#{id}` of the normalised primary identity (a keyed hash for hashed namespaces, so no raw value of
 * such a namespace reaches the stream's metadata). Longer keys are replaced by their SHA-256: still one key per
 * identity, so the ordering guarantee holds.
 */
export function partitionKeyOf(
  schema: IdentitySchema,
  record: unknown,
  messageId: string,
  normalizer: IdentityNormalizer,
  guardrails: Pick<ProfileGuardrails, 'maxIdentitiesPerRecord'>,
): string {
  const { primary } = identitiesOfRecord(schema, record, normalizer, guardrails);
  const key = primary ? identityKeyOf(primary) : messageId;
  return key.length <= MAX_PARTITION_KEY_LENGTH
    ? key
    : createHash('sha256').update(key, 'utf8').digest('hex');
}
