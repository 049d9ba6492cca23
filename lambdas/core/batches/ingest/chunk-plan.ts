/**
 * The chunks of a batch: one item per independently readable piece of one file, named so that names sort in file
 * order. The plan is stored in pages beside the batch when it is first planned, and the workflow reads it a page at
 * a time, so no state carries more than one page of chunks (Step Functions caps a state's payload at 256 KB).
 */
import type { FileChunk } from '../../files/file-format-types';

/** One Map item: a chunk of the file at `file` (its index among the batch's files). */
export interface ChunkItem extends FileChunk {
  readonly file: number;
  /** The chunk's place in the batch's plan (0-based, file by file). */
  readonly ordinal: number;
}

/**
 * Chunks per stored plan page, and so per Map run: about 110 bytes each, so a page is some 55 KB — well inside a
 * DynamoDB item (400 KB) and a Step Functions state (256 KB).
 */
export const CHUNKS_PER_PAGE = 500;

/**
 * Chunks a batch may have; chunks grow for large batches to stay within it. Not a payload limit any more (the plan
 * is paged) but a bound on what one batch costs to list: the catalog sums its chunks' counts, and the workflow
 * loops once per page (100 pages stay far inside an execution's 25,000 history events). Twice the files-per-batch
 * guardrail: every file is at least one chunk, and as many splits again are left for large files.
 */
export const MAX_CHUNKS_PER_BATCH = 50_000;

/** Default bytes of a line-format file per chunk: small enough that a chunk's output stays a few MB in memory. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

const pad = (value: number) => String(value).padStart(5, '0');

export const chunkNameOf = (item: Pick<ChunkItem, 'file' | 'index'>) =>
  `${pad(item.file)}-${pad(item.index)}`;

export const chunkRangeOf = (item: ChunkItem) => `${item.start}-${item.end}`;

/**
 * The chunk size for a batch: the configured size, raised so that the batch's files (each at least one chunk) and
 * their splits fit within MAX_CHUNKS_PER_BATCH.
 */
export function chunkBytesFor(configured: number, totalBytes: number, fileCount: number): number {
  const splittable = Math.max(MAX_CHUNKS_PER_BATCH - fileCount, 1);
  return Math.max(configured, Math.ceil(totalBytes / splittable));
}

export const stagingKey = (sandbox: string, datasetId: string, batchId: string, chunk: string) =>
  `staging/${sandbox}/${datasetId}/batch=${batchId}/part-${chunk}.parquet`;
