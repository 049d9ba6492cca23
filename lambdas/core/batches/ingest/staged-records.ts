/**
 * The rows of a staged or lake Parquet file, read back a row group at a time, for the steps that apply a chunk to
 * the profiles or take it out again.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

/** A lake row as those steps need it: its stable id (`{batchId}:{file}:{row}` for file rows) and its record. */
export interface StagedRow {
  readonly messageId: string;
  readonly record: unknown;
}

export async function* rowsOfParquet(bytes: Uint8Array): AsyncIterable<StagedRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata,
      columns: ['message_id', 'record'],
      rowStart,
      rowEnd,
    });
    yield rows.map((row): StagedRow => ({
      messageId: String(row['message_id']),
      record: row['record'] as unknown,
    }));
    rowStart = rowEnd;
  }
}

/** The records alone (the `record` column). */
export async function* recordsOfParquet(bytes: Uint8Array): AsyncIterable<unknown[]> {
  for await (const rows of rowsOfParquet(bytes)) yield rows.map((row) => row.record);
}
