/**
 * The chunks of a batch as the workflow's Map states carry them: one item per independently readable piece of one
 * file, named so that names sort in file order. Step Functions caps a state's payload at 256 KB, so the number of
 * chunks a batch may have is bounded, and chunks grow for large batches to stay within it.
 */
import type { FileChunk } from '../formats/file-format-types';

/** One Map item: a chunk of the file at `file` (its index among the batch's files). */
export interface ChunkItem extends FileChunk {
  readonly file: number;
}

/** About 75 bytes each in the state payload: 3,000 of them stay well inside Step Functions' 256 KB. */
export const MAX_CHUNKS_PER_BATCH = 3_000;

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
