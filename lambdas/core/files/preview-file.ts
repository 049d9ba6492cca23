/**
 * The first rows of a file, for the batch preview: only the beginning of the file is read (the CSV header and first
 * records, the first Parquet row group). Rows that fail to parse are skipped; columns are the CSV columns, or the
 * top-level keys of the records shown, in the order first seen.
 */
import type { ByteSource, InputFormat } from './file-format-types';
import { DEFAULT_MAX_FIELDS_PER_ROW } from './leaf-fields';
import { planWholeFile } from './plan-file';
import { readRowBatches } from './read-chunk';
import { oneByOne } from './row-batches';

export interface FilePreview {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

export async function previewFile(
  source: ByteSource,
  format: InputFormat,
  options: { rows: number },
): Promise<FilePreview> {
  const plan = await planWholeFile(source, format);
  const rows: Record<string, unknown>[] = [];
  const keys = new Set<string>();
  let read = 0;
  if (options.rows > 0) {
    const readOptions = { maxFieldsPerRow: DEFAULT_MAX_FIELDS_PER_ROW };
    for await (const row of oneByOne(
      readRowBatches(source, format, plan, plan.chunks[0]!, readOptions, options.rows),
    )) {
      if (row.record !== undefined) {
        rows.push(row.record);
        for (const key of Object.keys(row.record)) keys.add(key);
      }
      read += 1;
      if (read >= options.rows) break;
    }
  }
  return { columns: plan.columns === undefined ? [...keys] : [...plan.columns], rows };
}
