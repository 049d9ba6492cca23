import { domainErrorOf } from '../../support/domain-error';
import { describe, expect, it } from 'vitest';
import type { S3SourceParams } from '../../../lambdas/core/connections/connection-types';
import { SourceAccessService } from '../../../lambdas/core/connections/source-access';
import {
  MAX_SESSION_POLICY_CHARS,
  sessionPolicyOf,
} from '../../../lambdas/core/connections/source-session-policy';
import {
  MemorySourceAccessStore,
  PLATFORM_BUCKETS,
  sourceAccessOf,
  TEST_BOUNDS,
  TEST_DEPLOYMENT_ID,
  TEST_READER_ROLE,
} from '../../support/memory-source-access';

const ROLE = 'arn:aws:iam::111122223333:role/tributary-source-acme';

const s3 = (bucket: string, extra: Partial<S3SourceParams> = {}): S3SourceParams => ({
  bucket,
  inputFormat: { format: 'csv' },
  ...extra,
});

describe('SourceAccessService', () => {
  it("grants a sandbox's folder and the folders below it, with the sandbox's rules for the session", async () => {
    // Prepare
    const rules = { locations: [{ bucket: 'partner-drops', prefix: 'acme' }], roleArns: [ROLE] };
    const { service } = sourceAccessOf({ acme: rules });

    // Act
    const grant = await service.grantFor(
      'acme',
      s3('partner-drops', { prefix: 'acme/2026', region: 'eu-west-1' }),
    );

    // Assess
    expect(grant).toEqual({ sandbox: 'acme', rules, partition: 'aws', region: 'eu-west-1' });
  });

  it('refuses a sandbox without a grant, and says how to get one without naming other sandboxes', async () => {
    // Prepare
    const { service } = sourceAccessOf({ prod: { locations: [{ bucket: 'partner-drops' }], roleArns: [] } });

    // Act
    const refused = await service.grantFor('acme', s3('partner-drops')).catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ code: 'bucket-not-allowed', field: 'bucket', retryable: false });
    expect((refused as Error).message).toContain('PUT /sandboxes/acme/source-access');
    expect((refused as Error).message).not.toContain('prod');
  });

  it('stops granting a location once the deployment no longer names its bucket', async () => {
    // Prepare
    const store = new MemorySourceAccessStore();
    store.grant('acme', { locations: [{ bucket: 'retired-drop' }], roleArns: [ROLE] });
    const service = new SourceAccessService({ store, bounds: TEST_BOUNDS, sandboxExists: async () => true });

    // Act
    const refused = await service.grantFor('acme', s3('retired-drop')).catch((error: unknown) => error);
    const role = await service.grantFor('acme', s3('partner-bucket', { roleArn: ROLE }));

    // Assess
    expect(refused).toMatchObject({ code: 'bucket-not-allowed' });
    expect(role.rules).toEqual({ locations: [], roleArns: [ROLE] });
    expect(role.role).toEqual({ arn: ROLE, externalId: `tributary:${TEST_DEPLOYMENT_ID}:acme` });
  });

  it('stores a grant within the bounds and answers it with the ExternalId and the principal to trust', async () => {
    // Prepare
    const { service, store } = sourceAccessOf();

    // Act
    const view = await service.configure(
      'acme',
      {
        locations: [{ bucket: 'partner-drops', prefix: 'acme' }, { bucket: 'shared-drop' }],
        roleArns: [ROLE],
      },
      'platform-key',
    );

    // Assess
    expect(view).toMatchObject({
      sandbox: 'acme',
      locations: [{ bucket: 'partner-drops', prefix: 'acme' }, { bucket: 'shared-drop' }],
      roleArns: [ROLE],
      externalId: `tributary:${TEST_DEPLOYMENT_ID}:acme`,
      readerRoleArn: TEST_READER_ROLE,
      updatedBy: 'platform-key',
    });
    expect(await service.view('acme')).toEqual(view);
    expect(store.grants.get('acme')?.roleArns).toEqual([ROLE]);
  });

  it("refuses a platform bucket, a bucket outside the deployment's and a role outside its prefix, naming each", async () => {
    // Prepare
    const { service, store } = sourceAccessOf();

    // Act
    const refused = await domainErrorOf(
      service.configure(
        'acme',
        {
          locations: [
            { bucket: PLATFORM_BUCKETS.landing },
            { bucket: 'partner-drops' },
            { bucket: 'elsewhere' },
          ],
          roleArns: [ROLE, 'arn:aws:iam::111122223333:role/admin'],
        },
        'platform-key',
      ),
    );

    // Assess
    expect(refused.kind).toBe('invalid');
    expect(refused.violations?.map((violation) => [violation.pointer, violation.message])).toEqual([
      ['/locations/0/bucket', "is one of the platform's own buckets"],
      ['/locations/2/bucket', "is not among the deployment's source buckets"],
      ['/roleArns/1', "must name a role whose name starts with 'tributary-source-'"],
    ]);
    expect(store.grants.size).toBe(0);
  });

  it('refuses a grant whose session policy would not fit STS’s limit', async () => {
    // Prepare
    const { service } = sourceAccessOf();
    const locations = Array.from({ length: 40 }, (_, index) => ({
      bucket: 'partner-drops',
      prefix: `customers/region-${index}/exports`,
    }));

    // Act
    const refused = await domainErrorOf(
      service.configure('acme', { locations, roleArns: [] }, 'platform-key'),
    );

    // Assess
    expect(refused.code).toBe('source-access-too-large');
    expect(refused.message).toContain(String(MAX_SESSION_POLICY_CHARS));
  });

  it('answers 404 for the grant of a sandbox that does not exist', async () => {
    // Prepare
    const service = new SourceAccessService({
      store: new MemorySourceAccessStore(),
      bounds: TEST_BOUNDS,
      sandboxExists: async () => false,
    });

    // Act
    const refused = await domainErrorOf(service.view('nowhere'));

    // Assess
    expect(refused.kind).toBe('not-found');
  });
});

describe('sessionPolicyOf', () => {
  it('lists a whole bucket freely, a folder-granted bucket only below its folders, and allows the roles', () => {
    // Act
    const policy = JSON.parse(
      sessionPolicyOf(
        {
          locations: [
            { bucket: 'whole-drop' },
            { bucket: 'partner-drops', prefix: 'acme' },
            { bucket: 'partner-drops', prefix: 'acme-archive/2024' },
          ],
          roleArns: [ROLE],
        },
        'aws-cn',
      ),
    ) as { Statement: unknown[] };

    // Assess
    expect(policy.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [
          'arn:aws-cn:s3:::whole-drop/*',
          'arn:aws-cn:s3:::partner-drops/acme/*',
          'arn:aws-cn:s3:::partner-drops/acme-archive/2024/*',
        ],
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws-cn:s3:::whole-drop' },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws-cn:s3:::partner-drops',
        Condition: { StringLike: { 's3:prefix': ['acme/*', 'acme-archive/2024/*'] } },
      },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ROLE] },
    ]);
  });

  it('denies everything when the rules allow nothing', () => {
    // Act
    const policy = JSON.parse(sessionPolicyOf({ locations: [], roleArns: [] }, 'aws')) as unknown;

    // Assess
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
    });
  });
});
