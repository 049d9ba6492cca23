/**
 * The catalog's view of a file batch, in Experience Platform's batch shape: metrics summed from the staged chunks
 * (each chunk is written once per staging of the same bytes, so a sum never double counts), errors by code, and the
 * batch-level failure when there is one.
 */
import type { MappingReference } from '../mapping/mapping-types';
import { addCodeCounts, type BatchError } from './batch-view';
import type { FileBatch, FileBatchStatus, StagedChunk } from './file-batch-types';

export interface FileBatchMetrics {
  readonly inputFileCount: number;
  readonly inputByteSize: number;
  readonly inputRecordCount: number;
  readonly outputRecordCount: number;
  readonly failedRecordCount: number;
  /** Valid rows of a batch that failed as a whole: read and valid, but not ingested. input = output + failed + discarded. */
  readonly discardedRecordCount: number;
  /**
   * Mapped batches only: warnings the mapping raised on rows that passed validation (a field left out because its
   * rule failed). A count of warnings, not of rows, so it takes no part in the row counts' reconciliation.
   */
  readonly mappingWarningCount?: number;
  /**
   * Records in the lake that the profile store refused (too large, nested too deep, no primary identity...): each
   * is in the failed-record export with `stage: "profile"`. Not failed records: they were ingested.
   */
  readonly profileErrorCount: number;
}

export interface FileBatchView {
  readonly id: string;
  readonly type: 'file';
  readonly status: FileBatchStatus;
  readonly sandbox: string;
  readonly externalId: string;
  /** Unix milliseconds, as Experience Platform's catalog answers them. */
  readonly created: number;
  readonly updated: number;
  readonly started?: number;
  readonly completed?: number;
  readonly inputFormat: FileBatch['inputFormat'];
  readonly tags: Readonly<Record<string, unknown>>;
  readonly replay?: FileBatch['replay'];
  readonly mapping?: MappingReference;
  readonly origin: FileBatch['origin'];
  readonly metrics: FileBatchMetrics;
  readonly errors: BatchError[];
  /** Lake records the profile store did not take, by code (they count as output: the lake has them). */
  readonly profileErrors: BatchError[];
  readonly relatedObjects: { readonly type: 'dataSet'; readonly id: string }[];
}

const sum = (chunks: readonly StagedChunk[], pick: (chunk: StagedChunk) => number) =>
  chunks.reduce((total, chunk) => total + pick(chunk), 0);

export function fileBatchMetrics(batch: FileBatch, chunks: readonly StagedChunk[]): FileBatchMetrics {
  const valid = sum(chunks, (chunk) => chunk.outputRecordCount);
  const failedWhole = batch.status === 'failed';
  return {
    inputFileCount: batch.inputFileCount ?? 0,
    inputByteSize: batch.inputByteSize ?? 0,
    inputRecordCount: sum(chunks, (chunk) => chunk.inputRecordCount),
    outputRecordCount: failedWhole ? 0 : valid,
    failedRecordCount: sum(chunks, (chunk) => chunk.failedRecordCount),
    discardedRecordCount: failedWhole ? valid : 0,
    profileErrorCount: sum(chunks, (chunk) =>
      Object.values(chunk.profileErrors ?? {}).reduce((total, count) => total + count, 0),
    ),
    ...(batch.mapping ? { mappingWarningCount: sum(chunks, (chunk) => chunk.mappingWarningCount ?? 0) } : {}),
  };
}

const millis = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).getTime());

export function fileBatchView(batch: FileBatch, chunks: readonly StagedChunk[]): FileBatchView {
  const errors = addCodeCounts(chunks, (chunk) => chunk.errors);
  const failure = batch.failure
    ? [{ code: batch.failure.code, description: batch.failure.message, recordCount: 0 }]
    : [];
  const started = millis(batch.startedAt);
  const completed = millis(batch.completedAt);
  return {
    id: batch.batchId,
    type: 'file',
    status: batch.status,
    sandbox: batch.sandbox,
    externalId: batch.externalId,
    created: new Date(batch.createdAt).getTime(),
    updated: new Date(batch.updatedAt).getTime(),
    ...(started === undefined ? {} : { started }),
    ...(completed === undefined ? {} : { completed }),
    inputFormat: batch.inputFormat,
    tags: {
      ...batch.tags,
      acp_enableErrorDiagnostics: batch.enableErrorDiagnostics,
      acp_partialIngestionPercent: batch.partialIngestionPercent,
    },
    ...(batch.replay ? { replay: batch.replay } : {}),
    ...(batch.mapping ? { mapping: batch.mapping } : {}),
    origin: batch.origin,
    metrics: fileBatchMetrics(batch, chunks),
    errors: [...failure, ...errors],
    profileErrors: addCodeCounts(chunks, (chunk) => chunk.profileErrors ?? {}),
    relatedObjects: [{ type: 'dataSet', id: batch.datasetId }],
  };
}
