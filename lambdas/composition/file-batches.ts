/**
 * The parts file batches are made of, for the functions that create and complete them (the batches API and the
 * file-drop function): the batch and file stores, the landing bucket, the upload service, the state machine, and the
 * catalog's datasets and mapping sets that a new batch refers to.
 */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, s3, stepFunctions } from '../adapters/aws-clients';
import { DynamoBatchFileStore } from '../adapters/dynamo-batch-files';
import { DynamoFileBatchStore } from '../adapters/dynamo-file-batches';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoMappingSetStore } from '../adapters/dynamo-mapping-sets';
import { S3LandingObjects } from '../adapters/s3-landing-objects';
import { SfnExecutions } from '../adapters/sfn-executions';
import type { WorkflowInput } from '../core/batches/ingest/ingest-ports';
import { FileBatchService } from '../core/batches/file-batches';
import { previewFile } from '../core/files/preview-file';
import { UploadService } from '../core/batches/uploads/upload-service';
import { MappingSetService } from '../core/mapping-sets/mapping-sets';
import { batchGuardrailsFromEnvironment } from './batch-guardrails';

export function fileBatchPartsFromEnvironment() {
  const client = dynamoDocumentClient();
  const batchesTable = new DynamoItems(client, requiredEnv(ENV.batchesTable));
  const batches = new DynamoFileBatchStore(batchesTable);
  const files = new DynamoBatchFileStore(batchesTable);
  const landing = new S3LandingObjects(s3(), requiredEnv(ENV.landingBucket));
  const catalog = new DynamoItems(client, requiredEnv(ENV.catalogTable));
  const now = () => new Date();
  const uploads = new UploadService({
    store: files,
    objects: landing,
    batches,
    guardrails: batchGuardrailsFromEnvironment(),
    now,
  });
  const fileBatches = new FileBatchService({
    batches,
    datasets: new DynamoDatasetStore(catalog),
    mappingSets: new MappingSetService({ store: new DynamoMappingSetStore(catalog) }),
    files: {
      listFiles: (sandbox, batchId) => files.listFiles(sandbox, batchId),
      filesForCompletion: (sandbox, batchId) => uploads.filesForCompletion(sandbox, batchId),
      closeUploadUrls: (sandbox, batchId) => uploads.closeUploadUrls(sandbox, batchId),
    },
    sources: landing,
    preview: previewFile,
    workflow: new SfnExecutions<WorkflowInput>(stepFunctions(), requiredEnv(ENV.ingestBatchStateMachine)),
    now,
  });
  return { batches, files, landing, uploads, fileBatches };
}
