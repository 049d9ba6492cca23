/**
 * Plans a Parquet file from its footer alone: chunks are runs of consecutive row groups of about `targetChunkBytes`
 * compressed (`start`/`end` are row-group indexes, `firstRow` the 1-based row where the run begins; Parquet has no
 * lines, so `firstLine` is 0). A gzip-compressed file is one chunk of all its row groups.
 */
import type { FileMetaData } from 'hyparquet';
import type { ByteSource, FileChunk, FilePlan } from '../file-format-types';
import { withParquetFile } from './parquet-file';

export async function planParquet(
  source: ByteSource,
  compression: FilePlan['compression'],
  targetChunkBytes: number | undefined,
): Promise<FilePlan> {
  return withParquetFile(source, compression, async ({ metadata }) => ({
    compression,
    chunks: rowGroupChunks(metadata, compression === 'none' ? targetChunkBytes : undefined),
  }));
}

function rowGroupChunks(metadata: FileMetaData, targetChunkBytes: number | undefined): FileChunk[] {
  const groups = metadata.row_groups;
  const chunks: FileChunk[] = [];
  let start = 0;
  let firstRow = 1;
  let rows = 0;
  let bytes = 0;
  groups.forEach((group, index) => {
    rows += Number(group.num_rows);
    bytes += compressedSize(group);
    const last = index === groups.length - 1;
    if (last || (targetChunkBytes !== undefined && bytes >= targetChunkBytes)) {
      chunks.push({ index: chunks.length, start, end: index + 1, firstLine: 0, firstRow });
      start = index + 1;
      firstRow += rows;
      rows = 0;
      bytes = 0;
    }
  });
  return chunks.length > 0 ? chunks : [{ index: 0, start: 0, end: 0, firstLine: 0, firstRow: 1 }];
}

function compressedSize(group: FileMetaData['row_groups'][number]): number {
  if (group.total_compressed_size !== undefined) return Number(group.total_compressed_size);
  return group.columns.reduce(
    (sum, column) => sum + Number(column.meta_data?.total_compressed_size ?? 0n),
    0,
  );
}

/** The 0-based row where row group `index` begins. */
export function rowGroupStart(metadata: FileMetaData, index: number): number {
  return metadata.row_groups.slice(0, index).reduce((sum, group) => sum + Number(group.num_rows), 0);
}
