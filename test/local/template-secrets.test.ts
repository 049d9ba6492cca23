import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextFromArguments } from '../../local/command-line-context';
import { SecretStore } from '../../local/secrets-and-events/secret-store';
import {
  ensureTemplateSecrets,
  generatedSecretString,
  readTemplateSecrets,
} from '../../local/secrets-and-events/template-secrets';
import { TemplateResolver } from '../../local/template/intrinsics';
import { freshDataDir, removeDataDir } from './fixture-runtime';

const resolverOf = (properties: Record<string, unknown>): TemplateResolver =>
  new TemplateResolver([
    {
      stackName: 'Tributary-Storage',
      template: { Resources: { HashKey: { Type: 'AWS::SecretsManager::Secret', Properties: properties } } },
    },
  ]);

describe("the template's own secrets in the local Secrets Manager", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = freshDataDir();
  });
  afterEach(() => removeDataDir(dataDir));

  it('creates a generated secret under the ARN its references resolve to, and keeps its value across restarts', () => {
    // Prepare
    const resolver = resolverOf({ GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } });
    const secrets = readTemplateSecrets(resolver);

    // Act
    ensureTemplateSecrets(new SecretStore(dataDir), secrets);
    const first = new SecretStore(dataDir).all();
    ensureTemplateSecrets(new SecretStore(dataDir), readTemplateSecrets(resolver));
    const afterRestart = new SecretStore(dataDir).all();

    // Assess
    expect(first).toHaveLength(1);
    expect(first[0]?.arn).toBe(resolver.ref('Tributary-Storage', 'HashKey'));
    expect(first[0]?.arn).toMatch(/^arn:aws:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/);
    expect(first[0]?.versions[0]?.secretString).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(afterRestart).toEqual(first);
  });

  it('generates values as GenerateSecretString asks: length, excluded types and characters, each type, template', () => {
    // Act
    const digits = generatedSecretString({
      PasswordLength: 40,
      ExcludeLowercase: true,
      ExcludeUppercase: true,
      ExcludePunctuation: true,
      ExcludeCharacters: '01',
    });
    const mixed = generatedSecretString({ PasswordLength: 4 });
    const json = generatedSecretString({
      SecretStringTemplate: '{"user":"u"}',
      GenerateStringKey: 'password',
    });

    // Assess
    expect(digits).toMatch(/^[2-9]{40}$/);
    expect(mixed).toMatch(/[a-z]/);
    expect(mixed).toMatch(/[A-Z]/);
    expect(mixed).toMatch(/\d/);
    expect(mixed).toMatch(/[^A-Za-z0-9]/);
    expect(JSON.parse(json)).toMatchObject({
      user: 'u',
      password: expect.stringMatching(/^.{32}$/) as unknown,
    });
  });

  it('refuses a GenerateSecretString it does not know rather than ignore the property', () => {
    // Act
    const read = () => readTemplateSecrets(resolverOf({ GenerateSecretString: { PasswordLenght: 64 } }));

    // Assess
    expect(read).toThrow('PasswordLenght');
  });
});

describe("npm start's CDK context", () => {
  it('takes -c name=value as the CDK command line does, repeatable, and refuses a pair without a name', () => {
    // Act
    const context = contextFromArguments(['-c', 'hashedNamespaces=Email,Phone', '--context', 'stage=dev']);
    const bad = () => contextFromArguments(['-c', '=Email']);

    // Assess
    expect(context).toEqual({ hashedNamespaces: 'Email,Phone', stage: 'dev' });
    expect(bad).toThrow('name=value');
  });
});
