/**
 * Creates the template's DynamoDB tables, Kinesis streams and S3 buckets in the emulators, each only when it is
 * absent, so a restart keeps the data. An existing table is not altered when the template changes its indexes
 * (delete the data folder to start over).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceNotFoundException as StreamNotFoundException,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorClients } from './emulator-clients';
import { resourcesOfType, type ResourceRef } from './template/cloudformation';
import type { TemplateResolver } from './template/intrinsics';

/** An on-demand stream scales by itself in AWS; locally four shards show the per-shard ordering all the same. */
export const ON_DEMAND_SHARD_COUNT = 4;
/** How often to look whether a new stream is ACTIVE (the emulator activates it at once, but asynchronously). */
const STREAM_ACTIVE_POLL_MS = 20;

export interface TableDefinition {
  readonly name: string;
  readonly input: CreateTableCommandInput;
}

export interface StreamDefinition {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly shardCount: number;
  /** The customer managed key of `StreamEncryption` (KMS), whose use the stream's readers and writers need. */
  readonly kmsKeyArn?: string;
}

export interface BucketDefinition {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** `VersioningConfiguration.Status` is Enabled: the bucket keeps every version of its objects. */
  readonly versioned: boolean;
  /** The KMS key of the bucket's default encryption (`aws:kms`), whose use its readers and writers need. */
  readonly kmsKeyArn?: string;
}

export interface TemplateResources {
  readonly tables: TableDefinition[];
  readonly streams: StreamDefinition[];
  readonly buckets: BucketDefinition[];
}

type Props = Record<string, unknown>;

function indexes(value: unknown): Props[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return (value as Props[]).map((index) => ({
    IndexName: index['IndexName'],
    KeySchema: index['KeySchema'],
    Projection: index['Projection'] ?? { ProjectionType: 'ALL' },
  }));
}

function tableDefinition(
  resolver: TemplateResolver,
  { stackName, logicalId, resource }: ResourceRef,
): TableDefinition {
  const properties = (resolver.resolve(stackName, resource.Properties) ?? {}) as Props;
  const name = resolver.physicalName(stackName, logicalId);
  // Capacity means nothing locally: every table is on-demand, so indexes need no throughput either.
  const input = {
    TableName: name,
    KeySchema: properties['KeySchema'],
    AttributeDefinitions: properties['AttributeDefinitions'],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes(properties['GlobalSecondaryIndexes']),
    LocalSecondaryIndexes: indexes(properties['LocalSecondaryIndexes']),
  } as CreateTableCommandInput;
  return { name, input };
}

export function readResources(resolver: TemplateResolver): TemplateResources {
  const tables = [
    ...resourcesOfType(resolver.stacks, 'AWS::DynamoDB::Table'),
    ...resourcesOfType(resolver.stacks, 'AWS::DynamoDB::GlobalTable'),
  ].map((ref) => tableDefinition(resolver, ref));
  const streams = resourcesOfType(resolver.stacks, 'AWS::Kinesis::Stream').map(
    ({ stackName, logicalId, resource }) => {
      const properties = (resolver.resolve(stackName, resource.Properties) ?? {}) as Props;
      const mode = (properties['StreamModeDetails'] as Props | undefined)?.['StreamMode'];
      const encryption = properties['StreamEncryption'] as Props | undefined;
      return {
        stackName,
        logicalId,
        name: resolver.physicalName(stackName, logicalId),
        arn: resolver.getAtt(stackName, logicalId, 'Arn') as string,
        shardCount: mode === 'ON_DEMAND' ? ON_DEMAND_SHARD_COUNT : Number(properties['ShardCount'] ?? 1),
        ...(encryption?.['EncryptionType'] === 'KMS' && typeof encryption['KeyId'] === 'string'
          ? { kmsKeyArn: encryption['KeyId'] }
          : {}),
      };
    },
  );
  const buckets = resourcesOfType(resolver.stacks, 'AWS::S3::Bucket').map(
    ({ stackName, logicalId, resource }) => {
      const versioning = resolver.resolve(stackName, resource.Properties?.['VersioningConfiguration']) as
        Props | undefined;
      const encryption = resolver.resolve(stackName, resource.Properties?.['BucketEncryption']) as
        { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: Props }[] } | undefined;
      const byDefault = encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
      return {
        stackName,
        logicalId,
        name: resolver.physicalName(stackName, logicalId),
        arn: resolver.getAtt(stackName, logicalId, 'Arn') as string,
        versioned: versioning?.['Status'] === 'Enabled',
        ...(byDefault?.['SSEAlgorithm'] === 'aws:kms' && typeof byDefault['KMSMasterKeyID'] === 'string'
          ? { kmsKeyArn: byDefault['KMSMasterKeyID'] }
          : {}),
      };
    },
  );
  return { tables, streams, buckets };
}

async function ensureTable(clients: EmulatorClients, table: TableDefinition): Promise<void> {
  try {
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await clients.dynamodb.send(new CreateTableCommand(table.input));
  }
}

async function ensureStream(clients: EmulatorClients, stream: StreamDefinition): Promise<void> {
  const status = async (): Promise<string | undefined> => {
    try {
      const summary = await clients.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: stream.name }),
      );
      return summary.StreamDescriptionSummary?.StreamStatus;
    } catch (error) {
      if (error instanceof StreamNotFoundException) return undefined;
      throw error;
    }
  };
  if ((await status()) === undefined) {
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }),
    );
  }
  while ((await status()) !== 'ACTIVE') await sleep(STREAM_ACTIVE_POLL_MS);
}

/** S3's answers that the bucket is there already: another start (or a slow HeadBucket) got there first. */
const BUCKET_EXISTS = new Set(['BucketAlreadyExists', 'BucketAlreadyOwnedByYou']);

async function ensureBucket(clients: EmulatorClients, bucket: BucketDefinition): Promise<void> {
  let exists = false;
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket.name }));
    exists = true;
  } catch {
    // Absent, or the emulator could not answer: creating it tells which.
  }
  if (!exists) {
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    } catch (error) {
      if (!(error instanceof Error && BUCKET_EXISTS.has(error.name))) throw error;
    }
  }
  await versionIfAsked(clients, bucket);
}

/** Versioning as the template asks, on every start: a bucket created before the template asked gets it too. */
async function versionIfAsked(clients: EmulatorClients, bucket: BucketDefinition): Promise<void> {
  if (!bucket.versioned) return;
  await clients.s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket.name, VersioningConfiguration: { Status: 'Enabled' } }),
  );
}

export async function provisionResources(
  clients: EmulatorClients,
  resources: TemplateResources,
): Promise<void> {
  await Promise.all([
    ...resources.tables.map((table) => ensureTable(clients, table)),
    ...resources.streams.map((stream) => ensureStream(clients, stream)),
    ...resources.buckets.map((bucket) => ensureBucket(clients, bucket)),
  ]);
}
