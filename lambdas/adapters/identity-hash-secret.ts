/**
 * Where the key of the identity hash comes from: the Secrets Manager secret of `IDENTITY_HASH_SECRET_ARN`, as the CDK
 * app sets it with `-c hashedNamespaces` (in AWS and in the local runtime alike), else the `IDENTITY_HASH_SECRET`
 * variable, for tests that give the key directly. Read once per process: the key never changes under a running
 * function (rotating it would orphan every stored hash, so it is not rotated).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../config/env-names';
import { parseHashedNamespaces, type IdentityHashing } from '../core/profiles/identity-normalizer';

type Environment = Readonly<Record<string, string | undefined>>;

let cached: Promise<IdentityHashing | undefined> | undefined;

async function readSecret(env: Environment, client: () => SecretsManagerClient): Promise<string> {
  const arn = env[ENV.identityHashSecretArn];
  if (arn) {
    const out = await client().send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new Error(`secret ${arn} has no string value to key identity hashes with`);
    return out.SecretString;
  }
  const secret = env[ENV.identityHashSecret];
  if (!secret) {
    throw new Error(
      `${ENV.identityHashedNamespaces} is set but neither ${ENV.identityHashSecretArn} nor ${ENV.identityHashSecret} is`,
    );
  }
  return secret;
}

/** The hashing configuration, or undefined when no namespace is hashed (then no secret is read at all). */
export async function loadIdentityHashing(
  env: Environment = process.env,
  client: () => SecretsManagerClient = () => new SecretsManagerClient({}),
): Promise<IdentityHashing | undefined> {
  const namespaces = parseHashedNamespaces(env[ENV.identityHashedNamespaces]);
  if (namespaces.length === 0) return undefined;
  return { namespaces, secret: await readSecret(env, client) };
}

/** `loadIdentityHashing` from the process environment, read once and shared by every invocation. */
export function identityHashing(): Promise<IdentityHashing | undefined> {
  cached ??= loadIdentityHashing().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
