/**
 * The batch worker's composition root: the batch and file stores, the landing bucket's bytes, catalog lookups
 * (datasets, schemas, mapping sets), the lake and quarantine buckets, the profile store and the ingest-batch state
 * machine (a replay starts reverts).
 */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, s3, stepFunctions } from '../adapters/aws-clients';
import { DynamoBatchFileStore } from '../adapters/dynamo-batch-files';
import { DynamoFileBatchStore } from '../adapters/dynamo-file-batches';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoMappingSetStore } from '../adapters/dynamo-mapping-sets';
import { S3LandingObjects } from '../adapters/s3-landing-objects';
import { S3Objects } from '../adapters/s3-objects';
import { SfnExecutions } from '../adapters/sfn-executions';
import type { WorkflowInput } from '../core/batches/ingest/ingest-ports';
import { fileReader } from '../core/files/file-reader';
import type { IngestDeps } from '../core/batches/ingest/ingest-ports';
import { CachedMappingSetLoader } from '../core/mapping-sets/mapping-set-loader';
import { applyToProfiles } from '../core/profiles/apply-to-profiles';
import { revertFromProfiles } from '../core/profiles/revert-from-profiles';
import { batchGuardrailsFromEnvironment, chunkBytesFromEnvironment } from './batch-guardrails';
import { catalogFromEnvironment, profileWritersFromEnvironment } from './ingest-pipeline';

export async function batchWorkerFromEnvironment(): Promise<IngestDeps> {
  const batchesTable = new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.batchesTable));
  const catalog = catalogFromEnvironment();
  const profileDeps = await profileWritersFromEnvironment();
  return {
    reader: fileReader,
    batches: new DynamoFileBatchStore(batchesTable),
    files: new DynamoBatchFileStore(batchesTable),
    sources: new S3LandingObjects(s3(), requiredEnv(ENV.landingBucket)),
    targets: catalog.targets,
    fieldTypes: (sandbox, schemaId, version) => catalog.schemas.fieldTypesFor(sandbox, schemaId, version),
    mappings: new CachedMappingSetLoader(
      new DynamoMappingSetStore(new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.catalogTable))),
    ),
    lake: new S3Objects(s3(), requiredEnv(ENV.lakeBucket)),
    quarantine: new S3Objects(s3(), requiredEnv(ENV.quarantineBucket)),
    applyToProfiles: (input) => applyToProfiles(profileDeps, input),
    revertFromProfiles: (input) => revertFromProfiles(profileDeps, input),
    workflow: new SfnExecutions<WorkflowInput>(stepFunctions(), requiredEnv(ENV.ingestBatchStateMachine)),
    guardrails: batchGuardrailsFromEnvironment(),
    chunkBytes: chunkBytesFromEnvironment(),
    now: () => new Date(),
  };
}
