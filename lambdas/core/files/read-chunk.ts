/**
 * Reads one chunk of a planned file as rows, streaming: memory stays flat whatever the size of the chunk (Parquet:
 * one row group at a time). A file that turns out unreadable part-way (a corrupt gzip, a broken Parquet page) throws
 * a `FileFormatError` from the iteration after the rows read before it.
 */
import type {
  ByteSource,
  FileChunk,
  FilePlan,
  InputFormat,
  ParsedRow,
  ReadOptions,
} from './file-format-types';
import { FILE_FORMATS } from './file-formats';
import { withDefaults } from './input-format-defaults';
import { oneByOne } from './row-batches';

export function readChunk(
  source: ByteSource,
  format: InputFormat,
  plan: FilePlan,
  chunk: FileChunk,
  options: ReadOptions,
): AsyncIterable<ParsedRow> {
  return oneByOne(readRowBatches(source, format, plan, chunk, options));
}

/** The rows in batches; `rowLimit` lets a preview stop a Parquet read inside the first row group. */
export async function* readRowBatches(
  source: ByteSource,
  format: InputFormat,
  plan: FilePlan,
  chunk: FileChunk,
  options: ReadOptions,
  rowLimit?: number,
): AsyncGenerator<ParsedRow[]> {
  const resolved = withDefaults(format);
  yield* FILE_FORMATS[resolved.format].read(source, resolved, plan, chunk, options, rowLimit);
}
