/**
 * Secrets Manager's secret lifecycle, as the real SecretsManagerClient sees it: CreateSecret, GetSecretValue,
 * PutSecretValue, UpdateSecret, DescribeSecret and DeleteSecret, with AWS's error types. Versions are staged as in
 * AWS (a new value becomes AWSCURRENT, the former one AWSPREVIOUS); a deleted secret is gone at once.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { ServiceError, type Json, type JsonOperations } from '../aws-json-server';
import { ARN_SUFFIX_LENGTH, type SecretStore, type SecretVersion, type StoredSecret } from './secret-store';

/** Secrets Manager's limits on names and on the recovery window of a deletion. */
const MAX_NAME_LENGTH = 512;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
const MIN_RECOVERY_DAYS = 7;
const MAX_RECOVERY_DAYS = 30;
const DEFAULT_RECOVERY_DAYS = 30;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECONDS_PER_DAY = 86_400;

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

const now = (): number => Date.now() / 1000;

function optionalText(request: Json, key: string): string | undefined {
  const value = request[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ServiceError('InvalidParameterException', `${key} must be a string`);
  return value;
}

function requiredText(request: Json, key: string): string {
  const value = optionalText(request, key);
  if (value === undefined || value === '')
    throw new ServiceError('InvalidParameterException', `You must provide a value for ${key}.`);
  return value;
}

interface SecretValue {
  readonly secretString?: string;
  readonly secretBinary?: string;
}

/** The value a request carries, if any: a string or a binary value, never both. */
function valueOf(request: Json): SecretValue | undefined {
  const secretString = optionalText(request, 'SecretString');
  const secretBinary = optionalText(request, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined)
    throw new ServiceError(
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  return undefined;
}

const sameValue = (version: SecretVersion, value: SecretValue): boolean =>
  version.secretString === value.secretString && version.secretBinary === value.secretBinary;

/** The secret with the new value as AWSCURRENT, the current one as AWSPREVIOUS, older versions dropped. */
function withNewVersion(secret: StoredSecret, versionId: string, value: SecretValue): StoredSecret {
  const createdDate = now();
  const current = secret.versions.find((version) => version.stages.includes(CURRENT));
  const versions: SecretVersion[] = [
    { versionId, ...value, createdDate, stages: [CURRENT] },
    ...(current ? [{ ...current, stages: [PREVIOUS] }] : []),
  ];
  return { ...secret, versions, lastChangedDate: createdDate };
}

function randomSuffix(): string {
  return Array.from(
    { length: ARN_SUFFIX_LENGTH },
    () => ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)],
  ).join('');
}

function tagsOf(request: Json): StoredSecret['tags'] {
  const tags = request['Tags'];
  if (tags === undefined || tags === null) return [];
  const valid = (tag: unknown): boolean =>
    typeof tag === 'object' &&
    tag !== null &&
    typeof (tag as Json)['Key'] === 'string' &&
    typeof (tag as Json)['Value'] === 'string';
  if (!Array.isArray(tags) || !tags.every(valid))
    throw new ServiceError('InvalidParameterException', 'Tags must be a list of {Key, Value} strings');
  return (tags as Json[]).map((tag) => ({ Key: String(tag['Key']), Value: String(tag['Value']) }));
}

export interface SecretsManagerOptions {
  readonly store: SecretStore;
  readonly region: string;
  readonly account: string;
}

export function secretsManagerOperations({ store, region, account }: SecretsManagerOptions): JsonOperations {
  const arnPrefix = `arn:aws:secretsmanager:${region}:${account}:secret:`;

  function secretOf(request: Json): StoredSecret {
    const secret = store.find(requiredText(request, 'SecretId'));
    if (!secret)
      throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** A new version, or the existing one when the token was seen before with the same value (a retried call). */
  function putValue(secret: StoredSecret, token: string | undefined, value: SecretValue): SecretVersion {
    const seen =
      token === undefined ? undefined : secret.versions.find((version) => version.versionId === token);
    if (seen) {
      if (!sameValue(seen, value))
        throw new ServiceError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      return seen;
    }
    const updated = withNewVersion(secret, token ?? randomUUID(), value);
    store.save(updated);
    return updated.versions[0] as SecretVersion;
  }

  return {
    CreateSecret(request) {
      const name = requiredText(request, 'Name');
      if (name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name))
        throw new ServiceError(
          'InvalidParameterException',
          'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
        );
      const value = valueOf(request);
      const token = optionalText(request, 'ClientRequestToken');
      const existing = store.all().find((secret) => secret.name === name);
      if (existing) {
        const retried = existing.versions.find((version) => version.versionId === token);
        if (retried && value && sameValue(retried, value))
          return { ARN: existing.arn, Name: name, VersionId: retried.versionId };
        throw new ServiceError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      const createdDate = now();
      const description = optionalText(request, 'Description');
      const kmsKeyId = optionalText(request, 'KmsKeyId');
      const secret: StoredSecret = {
        arn: `${arnPrefix}${name}-${randomSuffix()}`,
        name,
        ...(description === undefined ? {} : { description }),
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        tags: tagsOf(request),
        createdDate,
        lastChangedDate: createdDate,
        versions: [],
      };
      if (!value) {
        store.save(secret);
        return { ARN: secret.arn, Name: name };
      }
      const versionId = token ?? randomUUID();
      store.save(withNewVersion(secret, versionId, value));
      return { ARN: secret.arn, Name: name, VersionId: versionId };
    },

    GetSecretValue(request) {
      const secret = secretOf(request);
      const versionId = optionalText(request, 'VersionId');
      const stage = optionalText(request, 'VersionStage') ?? (versionId === undefined ? CURRENT : undefined);
      const version = secret.versions.find(
        (candidate) =>
          (versionId === undefined || candidate.versionId === versionId) &&
          (stage === undefined || candidate.stages.includes(stage)),
      );
      if (!version)
        throw new ServiceError(
          'ResourceNotFoundException',
          versionId === undefined
            ? `Secrets Manager can't find the specified secret value for staging label: ${stage}`
            : `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.secretString === undefined ? {} : { SecretString: version.secretString }),
        ...(version.secretBinary === undefined ? {} : { SecretBinary: version.secretBinary }),
        VersionStages: version.stages,
        CreatedDate: version.createdDate,
      };
    },

    PutSecretValue(request) {
      const secret = secretOf(request);
      const value = valueOf(request);
      if (!value)
        throw new ServiceError(
          'InvalidParameterException',
          'You must provide either SecretString or SecretBinary.',
        );
      const stages = request['VersionStages'];
      if (stages !== undefined && JSON.stringify(stages) !== JSON.stringify([CURRENT]))
        throw new ServiceError(
          'InvalidParameterException',
          `the local Secrets Manager stages new versions as ${CURRENT} only`,
        );
      const version = putValue(secret, optionalText(request, 'ClientRequestToken'), value);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: version.stages,
      };
    },

    UpdateSecret(request) {
      const secret = secretOf(request);
      const description = optionalText(request, 'Description');
      const kmsKeyId = optionalText(request, 'KmsKeyId');
      const value = valueOf(request);
      const described: StoredSecret = {
        ...secret,
        ...(description === undefined ? {} : { description }),
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        lastChangedDate: now(),
      };
      if (!value) {
        store.save(described);
        return { ARN: secret.arn, Name: secret.name };
      }
      const version = putValue(described, optionalText(request, 'ClientRequestToken'), value);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
    },

    DescribeSecret(request) {
      const secret = secretOf(request);
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.description === undefined ? {} : { Description: secret.description }),
        ...(secret.kmsKeyId === undefined ? {} : { KmsKeyId: secret.kmsKeyId }),
        ...(secret.tags.length === 0 ? {} : { Tags: secret.tags }),
        CreatedDate: secret.createdDate,
        LastChangedDate: secret.lastChangedDate,
        VersionIdsToStages: Object.fromEntries(
          secret.versions.map((version) => [version.versionId, version.stages]),
        ),
      };
    },

    DeleteSecret(request) {
      const secret = secretOf(request);
      const force = request['ForceDeleteWithoutRecovery'] === true;
      const window = request['RecoveryWindowInDays'];
      if (force && window !== undefined)
        throw new ServiceError(
          'InvalidParameterException',
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      const days = window === undefined ? DEFAULT_RECOVERY_DAYS : Number(window);
      if (!force && !(Number.isInteger(days) && days >= MIN_RECOVERY_DAYS && days <= MAX_RECOVERY_DAYS))
        throw new ServiceError(
          'InvalidParameterException',
          `The RecoveryWindowInDays value must be between ${MIN_RECOVERY_DAYS} and ${MAX_RECOVERY_DAYS} days (inclusive).`,
        );
      // Locally the secret is removed now whatever the window: there is no RestoreSecret to wait for.
      store.remove(secret.arn);
      return {
        ARN: secret.arn,
        Name: secret.name,
        DeletionDate: force ? now() : now() + days * SECONDS_PER_DAY,
      };
    },
  };
}
