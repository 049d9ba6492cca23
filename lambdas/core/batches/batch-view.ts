/**
 * The catalog's view of a streaming batch, in Experience Platform's batch shape: status derived from whether its
 * window is closed, metrics summed from the chunk items (each chunk is written once per run of the same records, so a sum
 * never double counts), errors grouped by code.
 */
import type { ChunkCounts, CodeCounts, StreamingBatch } from '../lake/chunk-counts';
import { CODE_DESCRIPTIONS } from '../lake/quarantine-lines';

export type StreamingBatchStatus = 'processing' | 'success' | 'failed';

export interface BatchMetrics {
  readonly inputRecordCount: number;
  readonly outputRecordCount: number;
  readonly failedRecordCount: number;
  readonly duplicateRecordCount: number;
  /** Lake records the profile store refused (each explained in the failed-record export, `stage: "profile"`). */
  readonly profileErrorCount: number;
}

export interface BatchError {
  readonly code: string;
  readonly description: string;
  readonly recordCount: number;
}

export interface BatchView {
  readonly id: string;
  readonly type: 'streaming';
  readonly status: StreamingBatchStatus;
  readonly sandbox: string;
  /** Unix milliseconds, as Experience Platform's catalog answers them. */
  readonly created: number;
  readonly updated: number;
  readonly started: number;
  readonly completed?: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly metrics: BatchMetrics;
  readonly errors: BatchError[];
  /** Lake records the profile store did not take, by code (they count as output: the lake has them). */
  readonly profileErrors: BatchError[];
  readonly relatedObjects: { readonly type: 'dataSet'; readonly id: string }[];
}

const sum = (chunks: readonly ChunkCounts[], pick: (chunk: ChunkCounts) => number) =>
  chunks.reduce((total, chunk) => total + pick(chunk), 0);

/** Counts by code summed over chunks of either kind, sorted by code, each with its description. */
export function addCodeCounts<Chunk>(
  chunks: readonly Chunk[],
  pick: (chunk: Chunk) => CodeCounts,
): BatchError[] {
  const totals = new Map<string, number>();
  for (const chunk of chunks) {
    for (const [code, count] of Object.entries(pick(chunk)))
      totals.set(code, (totals.get(code) ?? 0) + count);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, recordCount]) => ({ code, description: CODE_DESCRIPTIONS[code] ?? code, recordCount }));
}

export function batchMetrics(chunks: readonly ChunkCounts[]): BatchMetrics {
  const outputRecordCount = sum(chunks, (chunk) => chunk.outputRecordCount);
  const failedRecordCount = sum(chunks, (chunk) => chunk.failedRecordCount);
  const duplicateRecordCount = sum(chunks, (chunk) => chunk.duplicateRecordCount);
  const profileErrorCount = sum(chunks, (chunk) =>
    Object.values(chunk.profileErrors).reduce((total, count) => total + count, 0),
  );
  return {
    inputRecordCount: outputRecordCount + failedRecordCount + duplicateRecordCount,
    outputRecordCount,
    failedRecordCount,
    duplicateRecordCount,
    profileErrorCount,
  };
}

/**
 * `processing` until the window is closed — every record received in it consumed (core/streaming/stream-progress.ts)
 * — then `success`, or `failed` when nothing of the batch reached the lake but some records failed.
 */
export function batchStatus(metrics: BatchMetrics, windowClosed: boolean): StreamingBatchStatus {
  if (!windowClosed) return 'processing';
  return metrics.outputRecordCount === 0 && metrics.failedRecordCount > 0 ? 'failed' : 'success';
}

export function batchView(
  batch: StreamingBatch,
  chunks: readonly ChunkCounts[],
  windowClosed: boolean,
): BatchView {
  const metrics = batchMetrics(chunks);
  const status = batchStatus(metrics, windowClosed);
  const created = new Date(batch.createdAt).getTime();
  const updated = Math.max(created, ...chunks.map((chunk) => new Date(chunk.writtenAt).getTime()));
  return {
    id: batch.batchId,
    type: batch.type,
    status,
    sandbox: batch.sandbox,
    created,
    updated,
    started: created,
    ...(status === 'processing' ? {} : { completed: updated }),
    windowStart: batch.windowStart,
    windowEnd: batch.windowEnd,
    metrics,
    errors: addCodeCounts(chunks, (chunk) => chunk.errors),
    profileErrors: addCodeCounts(chunks, (chunk) => chunk.profileErrors),
    relatedObjects: [{ type: 'dataSet', id: batch.datasetId }],
  };
}
