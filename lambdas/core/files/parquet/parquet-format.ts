/** Parquet as a `FileFormat`: chunks are runs of row groups, read one row group at a time (no text options apply). */
import type { FileFormat } from '../file-format-types';
import { iterateParquetFile } from './parquet-file';
import { planParquet } from './parquet-plan';
import { readParquetRows } from './parquet-reader';

export const parquetFormat = {
  fileType: 'parquet',
  fileNames: [{ extension: '.parquet' }],
  typedBySchema: false,
  plan: (source, _format, compression, targetChunkBytes) =>
    planParquet(source, compression, targetChunkBytes),
  read: (source, _format, plan, chunk, options, rowLimit) =>
    iterateParquetFile(source, plan.compression, (parquet) =>
      readParquetRows(parquet, chunk, options, rowLimit),
    ),
} as const satisfies FileFormat;
