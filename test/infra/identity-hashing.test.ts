import { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import {
  deployedFunction,
  functionsOf,
  handlerImports,
  type Resource,
  type Statement,
  templateOf,
} from './deployed-functions';
import { createTributaryApp } from '../../lib/tributary-app';
import { synthesizeTributary, testApp, type SynthesizedTributary } from './synthesized-app';

/** The module every function that hashes or looks up identities reads the hashing variables through. */
const HASHING_MODULE = 'lambdas/adapters/identity-hash-secret.ts';

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The resources the statements allow `action` on. */
const resourcesAllowing = (statements: Statement[], action: string): unknown[] =>
  statements
    .filter((statement) => actionsOf(statement).includes(action))
    .flatMap((statement): unknown[] =>
      Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource],
    );

describe('identity hashing as a deploy setting (-c hashedNamespaces=…)', () => {
  let disposables: Array<{ readonly dispose: () => void }> = [];
  afterEach(() => {
    for (const disposable of disposables) disposable.dispose();
    disposables = [];
  });
  const synthesize = (context: Record<string, unknown>): SynthesizedTributary => {
    const tributary = synthesizeTributary({ nag: false, context });
    disposables.push(tributary);
    return tributary;
  };

  it('gives every function that hashes or looks up identities both variables and GetSecretValue on the one secret', async () => {
    // Prepare
    const tributary = synthesize({ hashedNamespaces: 'Email, Phone' });
    const hashing = tributary.storage.identityHashing;

    // Act
    const functions = await Promise.all(
      functionsOf(tributary).map(async (fn) => ({
        fn,
        reads: await handlerImports(fn.handlerPath, HASHING_MODULE),
        deployed: deployedFunction(fn),
      })),
    );

    // Assess
    expect(hashing).toBeDefined();
    const readers = functions.filter(({ reads }) => reads).map(({ fn }) => fn.handlerPath);
    expect(readers.sort()).toEqual([
      'lambdas/handlers/batch-worker.ts',
      'lambdas/handlers/collect.ts',
      'lambdas/handlers/profiles.ts',
      'lambdas/handlers/stream-consumer.ts',
    ]);
    for (const { fn, reads, deployed } of functions) {
      const stack = Stack.of(fn);
      const secretArn: unknown = stack.resolve(hashing?.secret.secretArn);
      const keyArn: unknown = stack.resolve(tributary.storage.dataKey.keyArn);
      if (reads) {
        expect(deployed.variables[ENV.identityHashedNamespaces], fn.handlerPath).toBe('Email,Phone');
        expect(deployed.variables[ENV.identityHashSecretArn], fn.handlerPath).toEqual(secretArn);
        expect(resourcesAllowing(deployed.statements, 'secretsmanager:GetSecretValue')).toEqual([secretArn]);
        expect(resourcesAllowing(deployed.statements, 'kms:Decrypt')).toContainEqual(keyArn);
      } else {
        expect(deployed.variables[ENV.identityHashedNamespaces], fn.handlerPath).toBeUndefined();
        expect(deployed.variables[ENV.identityHashSecretArn], fn.handlerPath).toBeUndefined();
        expect(JSON.stringify(deployed.statements), fn.handlerPath).not.toContain(JSON.stringify(secretArn));
      }
    }
  });

  it('without the context no function gets the variables and no secret is created', () => {
    // Prepare
    const tributary = synthesize({});

    // Act
    const variables = functionsOf(tributary).map((fn) => deployedFunction(fn).variables);
    const secrets = Object.values(templateOf(tributary.storage)).filter(
      (resource) => resource.Type === 'AWS::SecretsManager::Secret',
    );

    // Assess
    expect(tributary.storage.identityHashing).toBeUndefined();
    expect(secrets).toEqual([]);
    for (const environment of variables) {
      expect(environment[ENV.identityHashedNamespaces]).toBeUndefined();
      expect(environment[ENV.identityHashSecretArn]).toBeUndefined();
    }
  });

  it('generates the key as a secret encrypted with the data key and retained when the stack is deleted', () => {
    // Prepare
    const tributary = synthesize({ hashedNamespaces: 'Email' });

    // Act
    const [secret] = Object.entries(templateOf(tributary.storage)).filter(
      ([, resource]) => resource.Type === 'AWS::SecretsManager::Secret',
    );

    // Assess
    const resource = secret?.[1] as Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties['KmsKeyId']).toEqual(
      tributary.storage.resolve(tributary.storage.dataKey.keyArn),
    );
    expect(resource.Properties['GenerateSecretString']).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
  });

  it('passes cdk-nag with the generated secret (its rotation refused with a reason)', () => {
    // Prepare
    const tributary = synthesizeTributary({ nag: true, context: { hashedNamespaces: 'Email' } });
    disposables.push(tributary);

    // Act
    const report = new AwsSolutionsChecks().validateScope(tributary.app);

    // Assess
    expect(report.violations).toEqual([]);
  });

  it('keys the hashes with an existing secret and its key when the context names them', () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tributary-hash-AbC123';
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const tributary = synthesize({
      hashedNamespaces: 'Email',
      identityHashSecretArn: secretArn,
      identityHashSecretKeyArn: keyArn,
    });

    // Act
    const profiles = deployedFunction(tributary.api.profilesFunction);
    const secrets = Object.values(templateOf(tributary.storage)).filter(
      (resource) => resource.Type === 'AWS::SecretsManager::Secret',
    );

    // Assess
    expect(secrets).toEqual([]);
    expect(profiles.variables[ENV.identityHashSecretArn]).toBe(secretArn);
    expect(resourcesAllowing(profiles.statements, 'secretsmanager:GetSecretValue')).toEqual([secretArn]);
    expect(resourcesAllowing(profiles.statements, 'kms:Decrypt')).toContain(keyArn);
  });

  it.each([
    ['a code that is no namespace code', { hashedNamespaces: 'Email,9lives' }, /9lives/],
    ['a code named twice', { hashedNamespaces: 'Email,email' }, /more than once/],
    ['nothing but commas', { hashedNamespaces: ',,' }, /namespace codes/],
    [
      'a secret without namespaces',
      { identityHashSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hash-AbC123' },
      /apply only with/,
    ],
    ['a secret name instead of its ARN', { hashedNamespaces: 'Email', identityHashSecretArn: 'hash' }, /ARN/],
  ])('refuses %s at synth', (_, context, message) => {
    // Prepare
    const { app, dispose } = testApp(context);
    disposables.push({ dispose });

    // Act
    const act = () => createTributaryApp({ app, nag: false });

    // Assess
    expect(act).toThrow(message);
  });
});
