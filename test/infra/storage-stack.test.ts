import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEYS_KEYS, CATALOG_KEYS, PROFILES_KEYS } from '../../lambdas/config/env-names';
import { ON_FAILURE_PREFIX, ON_FAILURE_RETENTION_DAYS } from '../../lambdas/core/streaming/on-failure-record';
import { STORAGE_STACK_NAME } from '../../lib/tributary-app';
import { logicalIdOf, synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

type Resources = Record<string, { Properties: Record<string, unknown>; DeletionPolicy?: string }>;

describe('StorageStack', () => {
  let tributary: SynthesizedTributary;
  let template: Template;
  let dataKeyId: string;

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    template = tributary.storageTemplate;
    [dataKeyId] = Object.keys(template.findResources('AWS::KMS::Key')) as [string];
  });
  afterAll(() => tributary.dispose());

  const dataKeyArn = (): unknown => ({ 'Fn::GetAtt': [dataKeyId, 'Arn'] });

  it('is named for deployment and keeps one rotating customer-managed key', () => {
    // Assess (the app is synthesized once, before all tests)
    expect(tributary.storage.stackName).toBe(STORAGE_STACK_NAME);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets CloudWatch Logs use the key only for log groups of this account and region', () => {
    // Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('encrypts the data buckets with the key, versions them, blocks public access and logs access', () => {
    // Prepare
    const dataBuckets = [
      tributary.storage.landingBucket,
      tributary.storage.lakeBucket,
      tributary.storage.quarantineBucket,
    ];

    // Act
    const buckets = template.findResources('AWS::S3::Bucket') as Resources;

    // Assess
    expect(Object.keys(buckets)).toHaveLength(4);
    for (const bucket of dataBuckets) {
      const logicalId = logicalIdOf(bucket);
      const resource = buckets[logicalId];
      expect(resource?.DeletionPolicy).toBe('Retain');
      expect(resource?.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: dataKeyArn() },
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalIdOf(tributary.storage.accessLogsBucket) },
        },
      });
    }
  });

  it('blocks public access on every bucket and denies every request not made over TLS', () => {
    // Act
    const buckets = template.findResources('AWS::S3::Bucket') as Resources;

    // Assess
    for (const [logicalId, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('expires landing and quarantine objects, tiers the lake and aborts stale multipart uploads everywhere', () => {
    // Act
    const rulesOf = (bucket: IConstruct): Array<Record<string, unknown>> => {
      const logicalId = logicalIdOf(bucket);
      const resource = (template.findResources('AWS::S3::Bucket') as Resources)[logicalId];
      return (resource?.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    };
    const landing = rulesOf(tributary.storage.landingBucket);
    const lake = rulesOf(tributary.storage.lakeBucket);
    const quarantine = rulesOf(tributary.storage.quarantineBucket);

    // Assess
    expect(landing[0]).toMatchObject({
      ExpirationInDays: 30,
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(lake[0]).toMatchObject({
      Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(lake[0]).not.toHaveProperty('ExpirationInDays');
    expect(quarantine[0]).toMatchObject({
      ExpirationInDays: 90,
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
  });

  it("expires the stream consumer's on-failure objects (whole records of every sandbox) and a redriven one's old version within a day", () => {
    // Act
    const logicalId = logicalIdOf(tributary.storage.quarantineBucket);
    const bucket = (template.findResources('AWS::S3::Bucket') as Resources)[logicalId];
    const rules = (bucket?.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> })
      .Rules;

    // Assess: the bucket is the KMS-encrypted quarantine bucket, and a rule of its own covers the prefix
    expect(JSON.stringify(bucket?.Properties.BucketEncryption)).toContain('aws:kms');
    expect(rules.find((rule) => rule['Prefix'] === ON_FAILURE_PREFIX)).toMatchObject({
      ExpirationInDays: ON_FAILURE_RETENTION_DAYS,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  it('encrypts the ingest stream, provisioned with one shard by default, with the key', () => {
    // Assess
    template.hasResource('AWS::Kinesis::Stream', {
      Properties: {
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: 1,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: dataKeyArn() },
        RetentionPeriodHours: 24,
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates the catalog table with its GSI, on demand, with PITR and the key', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: CATALOG_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: CATALOG_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: CATALOG_KEYS.gsi1.name,
            KeySchema: [
              { AttributeName: CATALOG_KEYS.gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: CATALOG_KEYS.gsi1.sortKey, KeyType: 'RANGE' },
            ],
          }),
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKeyArn() },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates the API key table with its by-sandbox GSI, on demand, with PITR and the key', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: API_KEYS_KEYS.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: API_KEYS_KEYS.bySandbox.name,
            KeySchema: [
              { AttributeName: API_KEYS_KEYS.bySandbox.partitionKey, KeyType: 'HASH' },
              { AttributeName: API_KEYS_KEYS.bySandbox.sortKey, KeyType: 'RANGE' },
            ],
          }),
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKeyArn() },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates the profiles table with its by-time LSI, on demand, with PITR, the key and deletion protection', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: PROFILES_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: PROFILES_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: PROFILES_KEYS.byTime.sortKey, AttributeType: 'S' },
        ]),
        LocalSecondaryIndexes: [
          {
            IndexName: PROFILES_KEYS.byTime.name,
            KeySchema: [
              { AttributeName: PROFILES_KEYS.partitionKey, KeyType: 'HASH' },
              { AttributeName: PROFILES_KEYS.byTime.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKeyArn() },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('outputs the names operators need', () => {
    // Act
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);

    // Assess
    expect(outputs).toEqual(
      expect.arrayContaining([
        'LandingBucketName',
        'LakeBucketName',
        'QuarantineBucketName',
        'IngestStreamName',
        'CatalogTableName',
        'ApiKeysTableName',
        'ProfilesTableName',
      ]),
    );
  });
});
