import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IStream, Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  type LifecycleRule,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import type { ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { API_KEYS_KEYS, BATCHES_KEYS, CATALOG_KEYS, PROFILES_KEYS } from '../lambdas/config/env-names';
import { ON_FAILURE_PREFIX, ON_FAILURE_RETENTION_DAYS } from '../lambdas/core/streaming/on-failure-record';
import { alarmTopic } from './constructs/alarm-topic';
import { type IdentityHashingSetting, identityHashingOf } from './identity-hashing';
import { type StreamCapacity, streamCapacityOf } from './stream-capacity';

/** Resumable uploads (Content-Range PATCH, presigned multipart) may pause for days; after a week they are dead. */
const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7);

/**
 * A landed file is staged into the lake or quarantine within minutes. Thirty days keeps it for a re-ingest after a
 * wrong mapping, then stops paying for (and holding) raw, unvalidated customer data.
 */
const LANDING_EXPIRY = Duration.days(30);

/** Recent partitions are queried most; after a month Intelligent-Tiering moves cold objects without retrieval fees. */
const LAKE_TIERING_AFTER = Duration.days(30);

/** Overwritten or deleted lake objects stay recoverable this long, long enough to notice and undo a bad replay. */
const NONCURRENT_VERSION_EXPIRY = Duration.days(30);

/** Failed records are kept for diagnosis and replay; after a quarter nobody replays them and they are PII. */
const QUARANTINE_EXPIRY = Duration.days(90);

/**
 * An on-failure object the redrive deleted has done its work (its records are back on the stream, de-duplicated by
 * their ids); its old version is kept one day, not the month of other objects, since it only holds PII.
 */
const REDRIVEN_VERSION_EXPIRY = Duration.days(1);

/** A year of S3 server access logs: the usual horizon for a security audit. */
const ACCESS_LOG_EXPIRY = Duration.days(365);

/** The stateful resources other stacks receive. */
export interface TributaryStorage {
  /** The one customer-managed key that encrypts every bucket, table, stream and log group. */
  readonly dataKey: IKey;
  readonly landingBucket: IBucket;
  readonly lakeBucket: IBucket;
  readonly quarantineBucket: IBucket;
  /** Server access logs of the data buckets. */
  readonly accessLogsBucket: IBucket;
  readonly ingestStream: IStream;
  /** Its mode, shards, retention and the consumer's maximum record age that goes with them. */
  readonly ingestStreamCapacity: StreamCapacity;
  readonly catalogTable: ITable;
  readonly apiKeysTable: ITable;
  readonly profilesTable: ITable;
  readonly batchesTable: ITable;
  /** Where every alarm of the deployment notifies (constructs/alarm-topic.ts). */
  readonly alarmTopic: ITopic;
  /** The identity hashing the deployment's context asks for (lib/identity-hashing.ts); undefined: none. */
  readonly identityHashing: IdentityHashingSetting | undefined;
}

/**
 * Everything that holds data: retained when the stack is deleted, encrypted with one customer-managed key, reachable
 * over TLS only, never public.
 */
export class StorageStack extends Stack implements TributaryStorage {
  readonly dataKey: Key;
  readonly accessLogsBucket: Bucket;
  readonly landingBucket: Bucket;
  readonly lakeBucket: Bucket;
  readonly quarantineBucket: Bucket;
  readonly ingestStream: Stream;
  readonly ingestStreamCapacity: StreamCapacity;
  readonly catalogTable: Table;
  readonly apiKeysTable: Table;
  readonly profilesTable: Table;
  readonly batchesTable: Table;
  readonly alarmTopic: Topic;
  readonly identityHashing: IdentityHashingSetting | undefined;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.dataKey = new Key(this, 'DataKey', {
      description: 'Tributary: encrypts ingested data, catalog, API keys and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowLogGroupEncryption();
    this.alarmTopic = alarmTopic(this, 'AlarmTopic', this.dataKey);
    this.identityHashing = identityHashingOf(this, this.dataKey);

    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: ACCESS_LOG_EXPIRY }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log target; logging its own writes into itself would loop.',
    });

    this.landingBucket = this.dataBucket('LandingBucket', 'landing/', [
      {
        id: 'expire-landed-files',
        expiration: LANDING_EXPIRY,
        noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRY,
      },
    ]);
    this.lakeBucket = this.dataBucket('LakeBucket', 'lake/', [
      {
        id: 'tier-lake-files',
        transitions: [
          { storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: LAKE_TIERING_AFTER },
        ],
        noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRY,
      },
    ]);
    this.quarantineBucket = this.dataBucket('QuarantineBucket', 'quarantine/', [
      {
        id: 'expire-quarantine',
        expiration: QUARANTINE_EXPIRY,
        noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRY,
      },
      {
        // The stream consumer's on-failure destination: whole records, of every sandbox. Where rules overlap S3
        // applies the shorter expiry, so a redriven (deleted) object's data goes within a day.
        id: 'expire-on-failure-records',
        prefix: ON_FAILURE_PREFIX,
        expiration: Duration.days(ON_FAILURE_RETENTION_DAYS),
        noncurrentVersionExpiration: REDRIVEN_VERSION_EXPIRY,
      },
    ]);

    const capacity = streamCapacityOf(this);
    this.ingestStreamCapacity = capacity;
    this.ingestStream = new Stream(this, 'IngestStream', {
      // Provisioned with one shard unless the context says otherwise (stream-capacity.ts): the small deployment's
      // idle cost is mostly the stream's hourly charge.
      streamMode: capacity.mode,
      ...(capacity.mode === StreamMode.PROVISIONED ? { shardCount: capacity.shards } : {}),
      encryption: StreamEncryption.KMS,
      encryptionKey: this.dataKey,
      retentionPeriod: capacity.retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.ingestStream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'The stream carries raw customer data, so it uses the one customer-managed data key like every other ' +
        'store: its key policy decides who can read it, and every use is in CloudTrail. The extra KMS calls ' +
        '(one per data key per producer or consumer credential, about every five minutes) cost little.',
    });

    this.catalogTable = this.dataTable('CatalogTable', CATALOG_KEYS.partitionKey, CATALOG_KEYS.sortKey);
    this.catalogTable.addGlobalSecondaryIndex({
      indexName: CATALOG_KEYS.gsi1.name,
      partitionKey: { name: CATALOG_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CATALOG_KEYS.gsi1.sortKey, type: AttributeType.STRING },
    });

    this.apiKeysTable = this.dataTable('ApiKeysTable', API_KEYS_KEYS.partitionKey);
    this.apiKeysTable.addGlobalSecondaryIndex({
      indexName: API_KEYS_KEYS.bySandbox.name,
      partitionKey: { name: API_KEYS_KEYS.bySandbox.partitionKey, type: AttributeType.STRING },
      // ISO-8601 timestamps sort as strings, so a sandbox's keys list oldest to newest.
      sortKey: { name: API_KEYS_KEYS.bySandbox.sortKey, type: AttributeType.STRING },
    });

    this.profilesTable = this.dataTable('ProfilesTable', PROFILES_KEYS.partitionKey, PROFILES_KEYS.sortKey);
    // A local index (same partition as the table): an identity's events in time order, strongly consistent.
    this.profilesTable.addLocalSecondaryIndex({
      indexName: PROFILES_KEYS.byTime.name,
      sortKey: { name: PROFILES_KEYS.byTime.sortKey, type: AttributeType.STRING },
    });

    this.batchesTable = this.dataTable(
      'BatchesTable',
      BATCHES_KEYS.partitionKey,
      BATCHES_KEYS.sortKey,
      BATCHES_KEYS.timeToLive,
    );
    // A sandbox's (or a dataset's) batches by window start, newest first (see core/batches/batch-keys.ts).
    this.batchesTable.addGlobalSecondaryIndex({
      indexName: BATCHES_KEYS.gsi1.name,
      partitionKey: { name: BATCHES_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: BATCHES_KEYS.gsi1.sortKey, type: AttributeType.STRING },
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'LandingBucketName', { value: this.landingBucket.bucketName });
    new CfnOutput(this, 'LakeBucketName', { value: this.lakeBucket.bucketName });
    new CfnOutput(this, 'QuarantineBucketName', { value: this.quarantineBucket.bucketName });
    new CfnOutput(this, 'IngestStreamName', { value: this.ingestStream.streamName });
    new CfnOutput(this, 'CatalogTableName', { value: this.catalogTable.tableName });
    new CfnOutput(this, 'ApiKeysTableName', { value: this.apiKeysTable.tableName });
    new CfnOutput(this, 'ProfilesTableName', { value: this.profilesTable.tableName });
    new CfnOutput(this, 'BatchesTableName', { value: this.batchesTable.tableName });
  }

  /** CloudWatch Logs encrypts log groups of this account and region with the data key, and nobody else may. */
  private allowLogGroupEncryption(): void {
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );
  }

  private dataBucket(id: string, accessLogPrefix: string, lifecycleRules: LifecycleRule[]): Bucket {
    return new Bucket(this, id, {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      // One data key per bucket instead of a KMS call per object: same protection, a fraction of the KMS requests.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: accessLogPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: lifecycleRules.map((rule) => ({
        ...rule,
        abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
      })),
    });
  }

  private dataTable(id: string, partitionKey: string, sortKey?: string, timeToLiveAttribute?: string): Table {
    return new Table(this, id, {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
      ...(timeToLiveAttribute ? { timeToLiveAttribute } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
