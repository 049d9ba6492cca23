/**
 * Batches of either kind as the batches API reads them: a batch, a streaming batch's chunk counts (written by the
 * stream consumer, core/streaming/stream-batch-store.ts), a sandbox's or dataset's list.
 */
import type { Page, PageRequest } from '../page';
import type { FileBatch } from './file-batch-types';
import type { ChunkCounts, StreamingBatch } from '../lake/chunk-counts';

/** A batch of either kind, as the catalog lists them. */
export type AnyBatch = StreamingBatch | FileBatch;

export interface BatchListFilter {
  readonly datasetId?: string;
}

export interface BatchStore {
  getBatch(sandbox: string, batchId: string): Promise<AnyBatch | undefined>;
  chunksOf(sandbox: string, batchId: string): Promise<ChunkCounts[]>;
  /** Newest window first. */
  listBatches(sandbox: string, filter: BatchListFilter, page: PageRequest): Promise<Page<AnyBatch>>;
}
