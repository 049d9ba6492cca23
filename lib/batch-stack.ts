import { join } from 'node:path';
import { Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config/env-names';
import { DEFAULT_BATCH_GUARDRAILS } from '../lambdas/core/batches/batch-guardrails';
import { FILE_DROP_PREFIX } from '../lambdas/core/batches/file-drop-key';
import { BATCH_WORKER_TMP_MIB } from '../lambdas/core/files/parquet/parquet-file';
import { DEFAULT_CHUNK_BYTES } from '../lambdas/core/batches/ingest/chunk-plan';
import { createTaskWorkflow } from './constructs/task-workflow';
import { notifyObjectCreated, s3EventDeadLetterQueue } from './constructs/s3-notified-function';
import { TributaryFunction } from './constructs/tributary-function';
import { PROJECT_ROOT } from './project-paths';
import type { TributaryStorage } from './storage-stack';

/** The ingest-batch definition, as the local runtime also runs it (DESIGN §7). */
export const INGEST_BATCH_DEFINITION = join(PROJECT_ROOT, 'lib/workflows/ingest-batch.asl.json');
/** A chunk reads up to 8 MB and a promotion applies its rows to the profiles: minutes at worst, within Lambda's 15. */
export const BATCH_WORKER_TIMEOUT = Duration.minutes(15);
/** Parsing, validation and Parquet encoding are CPU-bound: 2 GB buys more than one vCPU. */
export const BATCH_WORKER_MEMORY_MB = 2048;

export interface BatchStackProps extends StackProps {
  readonly storage: TributaryStorage;
}

/**
 * File batches: the ingest-batch state machine and its worker (stage, decide, promote, revert), and the file-drop
 * function that turns an object written under `landing/{sandbox}/{datasetId}/` into a batch of its own.
 */
export class BatchStack extends Stack {
  readonly worker: TributaryFunction;
  readonly fileDrop: TributaryFunction;
  readonly ingestBatch: StateMachine;

  constructor(scope: Construct, id: string, props: BatchStackProps) {
    super(scope, id, props);
    const { storage } = props;
    const workflow = createTaskWorkflow(this, {
      name: 'ingest-batch',
      comment: 'Stages, decides and promotes (or reverts) a file batch',
      definitionPath: INGEST_BATCH_DEFINITION,
      workerArnSubstitution: 'BatchWorkerFunctionArn',
      ids: { worker: 'BatchWorker', machine: 'IngestBatch', logs: 'IngestBatchLogs' },
      worker: {
        handlerPath: 'lambdas/handlers/batch-worker.ts',
        description: 'Tributary batch workflow steps: plan, stage, decide, promote and revert file batches',
        memorySize: BATCH_WORKER_MEMORY_MB,
        timeout: BATCH_WORKER_TIMEOUT,
        // Gunzipped Parquet files are read from /tmp; its size and their cap are set together (parquet-file.ts).
        ephemeralStorageSize: Size.mebibytes(BATCH_WORKER_TMP_MIB),
      },
      logKey: storage.dataKey,
      runsChildExecutions: true,
    });
    this.worker = workflow.worker
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable)
      .bindTable(storage.profilesTable, 'readWrite', ENV.profilesTable)
      .bindIdentityHashing(storage.identityHashing)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      .bindBucket(storage.landingBucket, 'read', ENV.landingBucket)
      // readWrite: staged files are copied into the lake and removed; REVERT removes lake files.
      .bindBucket(storage.lakeBucket, 'readWrite', ENV.lakeBucket)
      .bindBucket(storage.quarantineBucket, 'readWrite', ENV.quarantineBucket);
    this.worker.addEnvironment(ENV.batchChunkBytes, String(DEFAULT_CHUNK_BYTES));
    this.worker.addEnvironment(ENV.batchMaxFiles, String(DEFAULT_BATCH_GUARDRAILS.maxFilesPerBatch));
    this.worker.addEnvironment(ENV.batchMaxBytes, String(DEFAULT_BATCH_GUARDRAILS.maxBytesPerBatch));
    this.worker.addEnvironment(ENV.batchMaxFieldsPerRow, String(DEFAULT_BATCH_GUARDRAILS.maxFieldsPerRow));
    // A replay starts the revert of the batch it replaces as an execution of this same workflow.
    this.worker.bindStateMachineNamed(workflow.name, ENV.ingestBatchStateMachine);
    this.ingestBatch = workflow.machine;

    // The alarm below tells of a dropped file left without a batch (its S3 event in the queue).
    const fileDropFailures = s3EventDeadLetterQueue(this, 'FileDropFailures', 'file drop function');
    this.fileDrop = new TributaryFunction(this, 'FileDrop', {
      handlerPath: 'lambdas/handlers/file-drop.ts',
      description: 'Turns an object written under landing/{sandbox}/{datasetId}/ into a file batch',
      logKey: storage.dataKey,
      deadLetterQueue: fileDropFailures,
    })
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      .bindBucket(storage.landingBucket, 'read', ENV.landingBucket)
      .bindStateMachine(this.ingestBatch, ENV.ingestBatchStateMachine);
    notifyObjectCreated(this, 'Landing', {
      bucket: storage.landingBucket,
      prefix: FILE_DROP_PREFIX,
      fn: this.fileDrop,
    });

    new Alarm(this, 'FileDropFailuresQueued', {
      alarmDescription:
        'a dropped file did not become a batch: its S3 event is in the file drop dead-letter queue',
      metric: fileDropFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'IngestBatchFailures', {
      alarmDescription: 'ingest-batch executions failed (a batch failed for a reason other than its data)',
      metric: this.ingestBatch.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
