/**
 * Reads the rows of a Parquet chunk's row groups, one row group at a time (hyparquet decodes a row group's column
 * chunks whole, so that is the unit of memory), as JSON-able records. Pages are decompressed to the size their
 * header claims, MAX_PARQUET_PAGE_BYTES at most.
 */
import { parquetReadObjects, type Compressors } from 'hyparquet';
import { compressors, decompressZstd } from 'hyparquet-compressors';
import { FileFormatError, type FileChunk, type ParsedRow, type ReadOptions } from '../file-format-types';
import { leafFieldCount, tooManyFieldsMessage } from '../leaf-fields';
import type { OpenParquet } from './parquet-file';
import { rowGroupStart } from './parquet-plan';
import { decimalColumns } from './parquet-decimals';
import { jsonRecord } from './parquet-values';
import { inexactNumberRowError } from '../row-errors';
import { rawText } from '../row-text';
import type { InexactNumberAt } from '../../exact-json';

const MILLIS_PER_DAY = 86_400_000;
const BATCH_ROWS = 1024;

/**
 * Bytes one Parquet page may decompress to, as its header claims. The decompressors allocate the claimed size
 * before reading a byte, so a file of a few KB claiming gigabyte pages would exhaust the worker's memory. Writers
 * cut pages at about 1 MiB (parquet-mr, Arrow, their dictionary pages too), and a text row is read to 32 MiB at
 * most (MAX_RECORD_BYTES): a page over 64 MiB is no real file's, and fails the file with PARQUET_PAGE_TOO_LARGE.
 */
export const MAX_PARQUET_PAGE_BYTES = 64 * 1024 ** 2;

export const PARQUET_PAGE_TOO_LARGE = 'parquet-page-too-large';

/**
 * The decompressors, each refusing a page that claims more than MAX_PARQUET_PAGE_BYTES. ZSTD is given its output
 * buffer (it would otherwise size its output by the frame's own claim).
 */
const boundedCompressors: Compressors = Object.fromEntries(
  Object.entries({ ...compressors, ZSTD: zstdInto }).map(([codec, decompress]) => [
    codec,
    (input: Uint8Array, outputLength: number) => {
      if (outputLength > MAX_PARQUET_PAGE_BYTES) {
        throw new FileFormatError(
          PARQUET_PAGE_TOO_LARGE,
          `A ${codec} page claims ${outputLength} bytes decompressed, more than the ${MAX_PARQUET_PAGE_BYTES} a page may hold`,
        );
      }
      return decompress(input, outputLength);
    },
  ]),
);

function zstdInto(input: Uint8Array, outputLength: number): Uint8Array {
  return decompressZstd(input, new Uint8Array(outputLength));
}

/**
 * A Parquet DATE is a calendar day: `2024-05-01`, the form JSON Schema's `date` format expects. Byte arrays are
 * decoded as text only when the schema says they are text (`utf8: false`); other bytes become base64.
 */
const parsers = {
  dateFromDays: (days: number) => new Date(days * MILLIS_PER_DAY).toISOString().slice(0, 10),
};

export async function* readParquetRows(
  { file, metadata }: OpenParquet,
  chunk: FileChunk,
  options: ReadOptions,
  rowLimit = Number.POSITIVE_INFINITY,
): AsyncGenerator<ParsedRow[]> {
  let rowStart = rowGroupStart(metadata, chunk.start);
  let remaining = rowLimit;
  const decimals = decimalColumns(metadata);
  for (let group = chunk.start; group < chunk.end && remaining > 0; group += 1) {
    const groupRows = Number(metadata.row_groups[group]!.num_rows);
    const rowEnd = rowStart + Math.min(groupRows, remaining);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file,
        metadata: decimals.metadata,
        rowStart,
        rowEnd,
        compressors: boundedCompressors,
        parsers,
        utf8: false,
      });
    } catch (error) {
      if (error instanceof FileFormatError) throw error;
      throw new FileFormatError(
        'unreadable-parquet',
        `Row group ${group} cannot be read: ${(error as Error).message}`,
      );
    }
    // Converted a slice at a time, so that a big row group is not held twice over.
    for (let first = 0; first < rows.length; first += BATCH_ROWS) {
      const batch = rows.slice(first, first + BATCH_ROWS);
      yield batch.map((values, index) =>
        parquetRow(values, rowStart + first + index + 1, options.maxFieldsPerRow, decimals.scales),
      );
    }
    remaining -= rowEnd - rowStart;
    rowStart += groupRows;
  }
}

function parquetRow(
  values: Record<string, unknown>,
  row: number,
  maxFieldsPerRow: number,
  decimals: ReadonlyMap<string, number>,
): ParsedRow {
  const inexact: InexactNumberAt[] = [];
  const record = jsonRecord(values, { inexact, decimals });
  if (leafFieldCount(record, maxFieldsPerRow) > maxFieldsPerRow) {
    return { row, error: { code: 'too-many-fields', message: tooManyFieldsMessage(maxFieldsPerRow) } };
  }
  const error = inexactNumberRowError(inexact);
  return error ? { row, error: { ...error, raw: rawText(JSON.stringify(record)) } } : { row, record };
}
