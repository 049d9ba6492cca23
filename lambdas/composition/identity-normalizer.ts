/**
 * The profile store's identity normaliser, as every function that keys by identity needs it (the collect function's
 * partition keys, the consumer's writes, the profiles API's lookups): the same rules and the same hashing secret,
 * read once per container. A failed secret read is not kept, so the next call tries again.
 */
import { identityHashing } from '../adapters/identity-hash-secret';
import { IdentityNormalizer } from '../core/profiles/identity-normalizer';

export function lazyIdentityNormalizer(maxIdentityLength: number): () => Promise<IdentityNormalizer> {
  let normalizer: Promise<IdentityNormalizer> | undefined;
  return () => {
    normalizer ??= identityHashing()
      .then((hashing) => new IdentityNormalizer({ maxIdentityLength, ...(hashing ? { hashing } : {}) }))
      .catch((error: unknown) => {
        normalizer = undefined;
        throw error;
      });
    return normalizer;
  };
}
