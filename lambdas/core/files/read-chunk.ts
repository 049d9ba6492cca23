/**
 * Reads one chunk of a planned file as rows, streaming: memory stays flat whatever the size of the chunk (Parquet:
 * one row group at a time). A file that turns out unreadable part-way (a corrupt gzip, a broken Parquet page) throws
 * a `FileFormatError` from the iteration after the rows read before it.
 */
import { readCsv } from './csv/csv-reader';
import { csvSyntax } from './csv/csv-syntax';
import {
  type ByteSource,
  type FileChunk,
  type FilePlan,
  type InputFormat,
  type ParsedRow,
  type ReadOptions,
} from './file-format-types';
import { withDefaults } from './input-format-defaults';
import { readJsonArray } from './json/json-array-reader';
import { readJsonLines } from './json/json-lines-reader';
import { iterateParquetFile } from './parquet/parquet-file';
import { readParquetRows } from './parquet/parquet-reader';
import { oneByOne } from './row-batches';
import { rangeBytes } from './source-bytes';
import { asUtf8, resolveCharset } from './text-charset';

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
  if (resolved.format === 'parquet') {
    yield* iterateParquetFile(source, plan.compression, (parquet) =>
      readParquetRows(parquet, chunk, options, rowLimit),
    );
    return;
  }
  const charset = resolveCharset(resolved.charset);
  const utf8 = asUtf8(rangeBytes(source, chunk.start, chunk.end, plan.compression), charset);
  if (resolved.format === 'json') {
    yield* resolved.isMultiLineJson ? readJsonArray(utf8, options) : readJsonLines(utf8, chunk, options);
    return;
  }
  if (plan.columns === undefined)
    throw new Error('A CSV file plan carries the columns, and this one has none');
  yield* readCsv(utf8, chunk, plan.columns, resolved, csvSyntax(resolved), options);
}
