import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { NAMESPACE_CODE_PATTERN } from '../lambdas/core/catalog/identity-namespaces';
import { parseHashedNamespaces } from '../lambdas/core/profiles/identity-normalizer';

/** `cdk deploy -c hashedNamespaces=Email,Phone`: the namespaces whose values the profile store keeps as keyed hashes. */
export const HASHED_NAMESPACES_CONTEXT = 'hashedNamespaces';
/** `-c identityHashSecretArn=arn:…`: key the hashes with an existing secret instead of one the app generates. */
export const IDENTITY_HASH_SECRET_ARN_CONTEXT = 'identityHashSecretArn';
/** `-c identityHashSecretKeyArn=arn:…`: the customer-managed key that existing secret is encrypted with, if any. */
export const IDENTITY_HASH_SECRET_KEY_ARN_CONTEXT = 'identityHashSecretKeyArn';

/**
 * 64 letters and digits, about 380 bits: beyond HMAC-SHA256's 256-bit block of strength, and free of punctuation so
 * the value survives being copied through shells and consoles when an operator must move it to another deployment.
 */
export const IDENTITY_HASH_SECRET_LENGTH = 64;

/** A secret ARN as Secrets Manager writes it: its name, a hyphen and six random characters. */
const SECRET_ARN_PATTERN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
const KEY_ARN_PATTERN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/;

/** What a deployment that hashes identities gives every function that writes or looks up identities. */
export interface IdentityHashingSetting {
  /** The namespace codes, as `IDENTITY_HASHED_NAMESPACES` carries them. */
  readonly namespaces: readonly string[];
  /** The secret whose value keys the hashes. */
  readonly secret: ISecret;
  /** The customer-managed key that encrypts the secret; undefined for Secrets Manager's own key. */
  readonly key: IKey | undefined;
}

/** The namespaces the context of `scope`'s app asks to hash, checked; empty when it asks for none. */
export function hashedNamespacesOf(scope: Construct): string[] {
  const value: unknown = scope.node.tryGetContext(HASHED_NAMESPACES_CONTEXT);
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string')
    throw new Error(`context ${HASHED_NAMESPACES_CONTEXT} must be comma-separated namespace codes`);
  const codes = parseHashedNamespaces(value);
  const invalid = codes.filter((code) => !NAMESPACE_CODE_PATTERN.test(code));
  if (invalid.length > 0 || codes.length === 0)
    throw new Error(
      `context ${HASHED_NAMESPACES_CONTEXT} must be comma-separated namespace codes (a letter, then letters, digits ` +
        `or _, at most 64): ${JSON.stringify(invalid.length > 0 ? invalid : value)} is not`,
    );
  const lower = codes.map((code) => code.toLowerCase());
  const repeated = codes.filter((_, index) => lower.indexOf(lower[index] as string) !== index);
  if (repeated.length > 0)
    throw new Error(`context ${HASHED_NAMESPACES_CONTEXT} names ${repeated.join(', ')} more than once`);
  return codes;
}

function contextArn(scope: Construct, name: string, pattern: RegExp, what: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(name);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value))
    throw new Error(`context ${name} must be the complete ARN of ${what} (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * The identity hashing a deployment asks for in its context, in the stateful `scope` (the storage stack): the
 * namespaces, and the secret keying the hashes — the one named by `identityHashSecretArn`, or a generated one
 * encrypted with `dataKey`. The generated secret is retained when the stack is deleted and never rotated: every
 * stored hash is keyed with it, and without it (or with a new value) no stored identity is ever matched again.
 * Undefined when no namespace is hashed; the secret settings without namespaces are refused, not ignored.
 */
export function identityHashingOf(scope: Construct, dataKey: IKey): IdentityHashingSetting | undefined {
  const namespaces = hashedNamespacesOf(scope);
  const secretArn = contextArn(scope, IDENTITY_HASH_SECRET_ARN_CONTEXT, SECRET_ARN_PATTERN, 'a secret');
  const keyArn = contextArn(scope, IDENTITY_HASH_SECRET_KEY_ARN_CONTEXT, KEY_ARN_PATTERN, 'a KMS key');
  if (namespaces.length === 0) {
    if (secretArn !== undefined || keyArn !== undefined)
      throw new Error(
        `context ${IDENTITY_HASH_SECRET_ARN_CONTEXT} and ${IDENTITY_HASH_SECRET_KEY_ARN_CONTEXT} apply only with ` +
          `${HASHED_NAMESPACES_CONTEXT}`,
      );
    return undefined;
  }
  if (keyArn !== undefined && secretArn === undefined)
    throw new Error(
      `context ${IDENTITY_HASH_SECRET_KEY_ARN_CONTEXT} names the key of the secret given in ` +
        `${IDENTITY_HASH_SECRET_ARN_CONTEXT}; the generated secret uses the data key`,
    );
  if (secretArn !== undefined)
    return {
      namespaces,
      secret: Secret.fromSecretCompleteArn(scope, 'IdentityHashSecret', secretArn),
      key: keyArn === undefined ? undefined : Key.fromKeyArn(scope, 'IdentityHashSecretKey', keyArn),
    };
  const secret = new Secret(scope, 'IdentityHashSecret', {
    description:
      'Tributary: keys the HMAC of hashed identity namespaces. Never rotate or delete it: every stored hash ' +
      'depends on this value, and without it no stored identity can be matched again.',
    encryptionKey: dataKey,
    generateSecretString: { passwordLength: IDENTITY_HASH_SECRET_LENGTH, excludePunctuation: true },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The identity hash key is never rotated: a new value would make every stored hashed identity unmatchable ' +
      '(the profile store keeps HMACs, not values, so nothing could be re-keyed).',
  });
  return { namespaces, secret, key: dataKey };
}
