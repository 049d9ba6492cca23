/**
 * The records of a staged or lake Parquet file, read back a row group at a time (the `record` column only), for
 * the steps that apply a chunk to the profiles or take it out again.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

export async function* recordsOfParquet(bytes: Uint8Array): AsyncIterable<unknown[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns: ['record'], rowStart, rowEnd });
    yield rows.map((row) => (row as { record: unknown }).record);
    rowStart = rowEnd;
  }
}
