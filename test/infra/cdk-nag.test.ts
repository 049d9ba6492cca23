import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { TributaryFunction } from '../../lib/constructs/tributary-function';
import { synthesizeTributary, testApp, type TestApp } from './synthesized-app';

/** Any existing TypeScript file serves as an entry here: bundling is skipped in these tests. */
const ANY_SOURCE_FILE = 'lambdas/http/route-table.ts';

const violationsOf = (stack: Stack): string[] =>
  new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => violation.ruleName);

describe('cdk-nag AwsSolutions', () => {
  let disposables: Array<{ readonly dispose: () => void }> = [];
  afterEach(() => {
    for (const disposable of disposables) disposable.dispose();
    disposables = [];
  });

  it('passes the whole app with every acknowledgement reasoned, so synth with the checks on succeeds', () => {
    // Prepare
    const tributary = synthesizeTributary({ nag: true });
    disposables.push(tributary);

    // Act
    const report = new AwsSolutionsChecks().validateScope(tributary.app);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('passes the Serverless pack too (function settings, dead-letter queues, stage throttling and logs)', () => {
    // Prepare
    const tributary = synthesizeTributary({ nag: true });
    disposables.push(tributary);

    // Act
    const report = new ServerlessChecks().validateScope(tributary.app);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  describe('TributaryFunction binders', () => {
    const buildStack = (): { app: TestApp; stack: Stack; key: Key } => {
      const app = testApp();
      disposables.push(app);
      const stack = new Stack(app.app, 'BinderStack');
      return { app, stack, key: new Key(stack, 'Key', { enableKeyRotation: true }) };
    };

    it('acknowledge exactly the wildcards their bucket and stream grants produce', () => {
      // Prepare
      const { app, stack, key } = buildStack();
      const bucket = (id: string): Bucket =>
        new Bucket(stack, id, { encryption: BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
      const stream = new Stream(stack, 'Stream', { encryptionKey: key });
      new TributaryFunction(stack, 'Writer', {
        handlerPath: ANY_SOURCE_FILE,
        description: 'test',
        logKey: key,
      })
        .bindBucket(bucket('Landing'), 'read', ENV.landingBucket)
        .bindBucket(bucket('Lake'), 'write', ENV.lakeBucket)
        .bindBucket(bucket('Quarantine'), 'readWrite', ENV.quarantineBucket)
        .bindStream(stream, 'write', ENV.ingestStream);
      new TributaryFunction(stack, 'Reader', {
        handlerPath: ANY_SOURCE_FILE,
        description: 'test',
        logKey: key,
      }).bindStream(stream, 'read', ENV.ingestStream);

      // Act
      app.app.synth();
      const violations = violationsOf(stack);

      // Assess
      expect(
        violations.filter((rule) => rule.startsWith('AwsSolutions-IAM') || rule === 'AwsSolutions-L1'),
      ).toEqual([]);
    });

    it('still report a wildcard nobody declared', () => {
      // Prepare
      const { app, stack, key } = buildStack();
      const fn = new TributaryFunction(stack, 'Fn', {
        handlerPath: ANY_SOURCE_FILE,
        description: 'test',
        logKey: key,
      });
      fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));

      // Act
      app.app.synth();
      const violations = violationsOf(stack);

      // Assess
      expect(violations).toContain('AwsSolutions-IAM5[Action::dynamodb:*]');
    });
  });
});
