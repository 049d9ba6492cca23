/**
 * Reads the rows of a Parquet chunk's row groups, one row group at a time (hyparquet decodes a row group's column
 * chunks whole, so that is the unit of memory), as JSON-able records.
 */
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { FileFormatError, type FileChunk, type ParsedRow, type ReadOptions } from './file-format-types';
import { leafFieldCount, tooManyFieldsMessage } from './leaf-fields';
import type { OpenParquet } from './parquet-file';
import { rowGroupStart } from './parquet-plan';
import { decimalColumns } from './parquet-decimals';
import { jsonRecord } from './parquet-values';
import { inexactNumberRowError } from './json-record';
import { rawText } from './row-text';
import type { InexactNumberAt } from '../../exact-json';

const MILLIS_PER_DAY = 86_400_000;
const BATCH_ROWS = 1024;

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
        compressors,
        parsers,
        utf8: false,
      });
    } catch (error) {
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
