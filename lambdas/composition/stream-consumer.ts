/**
 * The stream consumer's composition root: catalog lookups (datasets, schema versions and their validators, cached
 * per container), the profile store, the lake and quarantine buckets, the batch store and the stream's progress.
 * The handler calls `consumerFromEnvironment` once per container; tests call `consumeRecords` with their own parts.
 */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, s3 } from '../adapters/aws-clients';
import { DynamoBatchStore } from '../adapters/dynamo-batches';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoStreamProgress } from '../adapters/dynamo-stream-progress';
import { S3Objects } from '../adapters/s3-objects';
import { applyToProfiles } from '../core/profiles/apply-to-profiles';
import type { ConsumeDeps } from '../core/streaming/consume-ports';
import { catalogFromEnvironment, profileWritersFromEnvironment } from './ingest-pipeline';

export async function consumerFromEnvironment(): Promise<ConsumeDeps> {
  const profileDeps = await profileWritersFromEnvironment();
  const batchesTable = new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.batchesTable));
  return {
    targets: catalogFromEnvironment().targets,
    applyToProfiles: (input) => applyToProfiles(profileDeps, input),
    lake: new S3Objects(s3(), requiredEnv(ENV.lakeBucket)),
    quarantine: new S3Objects(s3(), requiredEnv(ENV.quarantineBucket)),
    batches: new DynamoBatchStore(batchesTable),
    progress: new DynamoStreamProgress(batchesTable),
    now: () => new Date(),
  };
}
