/**
 * Reads a chunk of a CSV file: records cut by the same scanner as the planner's, split into fields, built into JSON
 * records with the plan's columns (the header line of the first chunk is skipped).
 */
import { CsvRecordBuilder } from './csv-record-builder';
import { CsvRecordScanner } from './csv-record-scanner';
import { splitCsvFields } from './csv-fields';
import type { CsvSyntax } from './csv-syntax';
import type { FileChunk, ParsedRow, ReadOptions } from '../file-format-types';
import type { ResolvedInputFormat } from '../input-format-defaults';
import { scanRecords } from '../record-stream';
import { rawText } from '../row-text';

export async function* readCsv(
  utf8: AsyncIterable<Buffer>,
  chunk: FileChunk,
  columns: readonly string[],
  format: ResolvedInputFormat,
  syntax: CsvSyntax,
  options: ReadOptions,
): AsyncGenerator<ParsedRow[]> {
  const builder = new CsvRecordBuilder(columns, { ...options, nullMarker: format.nullMarker });
  let headerPending = format.header && chunk.index === 0;
  let row = chunk.firstRow;
  const scan = { firstLine: chunk.firstLine, skipBom: chunk.start === 0 };
  for await (const records of scanRecords(utf8, new CsvRecordScanner(syntax), scan)) {
    const rows: ParsedRow[] = [];
    for (const record of records) {
      if (record.empty) continue;
      if (headerPending) {
        headerPending = false;
        continue;
      }
      const text = record.buf.toString('utf8', record.start, record.contentEnd);
      const line = record.line;
      if (record.unterminated) {
        const error = {
          code: 'malformed-csv',
          message: 'A quoted field is never closed',
          raw: rawText(text),
        };
        rows.push({ line, row, error });
      } else {
        const built = builder.build(splitCsvFields(text, syntax));
        rows.push(
          built.error === undefined
            ? { line, row, record: built.record }
            : { line, row, error: { ...built.error, raw: rawText(text) } },
        );
      }
      row += 1;
    }
    if (rows.length > 0) yield rows;
  }
}
