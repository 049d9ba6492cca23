/**
 * The template's own Secrets Manager secrets (`AWS::SecretsManager::Secret`, e.g. the identity hash key): created in
 * the local store at start when absent, under the ARN the template's references resolve to, with a value generated
 * as CloudFormation's `GenerateSecretString` would (or the template's `SecretString`). A secret that exists keeps its
 * value across restarts, as a deployed one does across updates: hashes keyed with it stay matchable.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';
import type { SecretStore } from './secret-store';

/** Secrets Manager's defaults for a generated value (GetRandomPassword). */
const DEFAULT_LENGTH = 32;
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const SPACE = ' ';

/** The `GenerateSecretString` properties the local store honours: all of CloudFormation's. */
const GENERATE_PROPERTIES = new Set([
  'PasswordLength',
  'ExcludeCharacters',
  'ExcludeLowercase',
  'ExcludeUppercase',
  'ExcludeNumbers',
  'ExcludePunctuation',
  'IncludeSpace',
  'RequireEachIncludedType',
  'SecretStringTemplate',
  'GenerateStringKey',
]);

export type GenerateSecretString = Readonly<Record<string, unknown>>;

export interface TemplateSecret {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  /** The template's literal value, or how to generate one. */
  readonly value: { readonly secretString: string } | { readonly generate: GenerateSecretString };
}

export function readTemplateSecrets(resolver: TemplateResolver): TemplateSecret[] {
  return resourcesOfType(resolver.stacks, 'AWS::SecretsManager::Secret').map(
    ({ stackName, logicalId, resource }) => {
      const properties = (resolver.resolve(stackName, resource.Properties) ?? {}) as Record<string, unknown>;
      const { SecretString: secretString, GenerateSecretString: generate } = properties;
      if (secretString !== undefined && generate !== undefined)
        throw new TemplateError(`${stackName}/${logicalId}: both SecretString and GenerateSecretString`);
      const description = properties['Description'];
      const kmsKeyId = properties['KmsKeyId'];
      return {
        name: resolver.physicalName(stackName, logicalId),
        arn: resolver.getAtt(stackName, logicalId, 'Arn') as string,
        ...(typeof description === 'string' ? { description } : {}),
        ...(typeof kmsKeyId === 'string' ? { kmsKeyId } : {}),
        value:
          typeof secretString === 'string'
            ? { secretString }
            : { generate: checkedGenerate(`${stackName}/${logicalId}`, generate ?? {}) },
      };
    },
  );
}

function checkedGenerate(where: string, generate: unknown): GenerateSecretString {
  if (typeof generate !== 'object' || generate === null)
    throw new TemplateError(`${where}: GenerateSecretString must be an object`);
  const unknown = Object.keys(generate).filter((key) => !GENERATE_PROPERTIES.has(key));
  if (unknown.length > 0)
    throw new TemplateError(`${where}: GenerateSecretString.${unknown.join(', ')} is not a property`);
  const { SecretStringTemplate: template, GenerateStringKey: key } = generate as Record<string, unknown>;
  if ((template === undefined) !== (key === undefined))
    throw new TemplateError(`${where}: SecretStringTemplate and GenerateStringKey go together`);
  if (template !== undefined && typeof template !== 'string')
    throw new TemplateError(`${where}: SecretStringTemplate must be JSON text`);
  return generate as GenerateSecretString;
}

const pick = (alphabet: string): string => alphabet[randomInt(alphabet.length)] as string;

/** A random value as Secrets Manager generates one: the included character types, each at least once by default. */
export function generatedSecretString(generate: GenerateSecretString): string {
  const exclude = generate['ExcludeCharacters'];
  const excluded = new Set(typeof exclude === 'string' ? exclude : '');
  const keep = (alphabet: string): string => [...alphabet].filter((c) => !excluded.has(c)).join('');
  const types = [
    generate['ExcludeLowercase'] === true ? '' : keep(LOWERCASE),
    generate['ExcludeUppercase'] === true ? '' : keep(UPPERCASE),
    generate['ExcludeNumbers'] === true ? '' : keep(NUMBERS),
    generate['ExcludePunctuation'] === true ? '' : keep(PUNCTUATION),
    generate['IncludeSpace'] === true ? keep(SPACE) : '',
  ].filter((alphabet) => alphabet.length > 0);
  const length = Number(generate['PasswordLength'] ?? DEFAULT_LENGTH);
  const requireEach = generate['RequireEachIncludedType'] !== false;
  if (types.length === 0 || !Number.isInteger(length) || length < (requireEach ? types.length : 1))
    throw new TemplateError(`GenerateSecretString cannot make a value of ${length} from its characters`);
  const all = types.join('');
  // Each included type once (when required), the rest from all of them, then shuffled (Fisher-Yates).
  const chars = [
    ...(requireEach ? types.map(pick) : []),
    ...Array.from({ length: length - (requireEach ? types.length : 0) }, () => pick(all)),
  ];
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  const password = chars.join('');
  const template = generate['SecretStringTemplate'];
  if (typeof template !== 'string') return password;
  const object = JSON.parse(template) as Record<string, unknown>;
  return JSON.stringify({ ...object, [String(generate['GenerateStringKey'])]: password });
}

/** Creates each template secret the store does not hold yet; one it holds keeps its value. */
export function ensureTemplateSecrets(store: SecretStore, secrets: readonly TemplateSecret[]): void {
  const held = new Set(store.all().map((secret) => secret.arn));
  for (const secret of secrets) {
    if (held.has(secret.arn)) continue;
    const createdDate = Date.now() / 1000;
    const secretString =
      'secretString' in secret.value
        ? secret.value.secretString
        : generatedSecretString(secret.value.generate);
    store.save({
      arn: secret.arn,
      name: secret.name,
      ...(secret.description === undefined ? {} : { description: secret.description }),
      ...(secret.kmsKeyId === undefined ? {} : { kmsKeyId: secret.kmsKeyId }),
      tags: [],
      createdDate,
      lastChangedDate: createdDate,
      versions: [{ versionId: randomUUID(), secretString, createdDate, stages: ['AWSCURRENT'] }],
    });
  }
}
