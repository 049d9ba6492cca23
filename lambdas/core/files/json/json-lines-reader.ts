/** Reads a chunk of a JSON Lines file: one JSON object per non-blank line. */
import type { FileChunk, ParsedRow, ReadOptions } from '../file-format-types';
import { inexactNumbersIn } from '../../exact-json';
import { inexactNumberRowError, jsonRecordError } from '../row-errors';
import { JsonLineScanner } from './json-line-scanner';
import { describeJsonSyntaxError } from './json-value-stream';
import { scanRecords } from '../record-stream';
import { rawText } from '../row-text';

export async function* readJsonLines(
  utf8: AsyncIterable<Buffer>,
  chunk: FileChunk,
  options: ReadOptions,
): AsyncGenerator<ParsedRow[]> {
  let row = chunk.firstRow;
  const scan = { firstLine: chunk.firstLine, skipBom: chunk.start === 0 };
  for await (const records of scanRecords(utf8, new JsonLineScanner(), scan)) {
    const rows: ParsedRow[] = [];
    for (const record of records) {
      if (record.empty) continue;
      const text = record.buf.toString('utf8', record.start, record.contentEnd);
      rows.push(jsonLineRow(text, record.line, row, options.maxFieldsPerRow));
      row += 1;
    }
    if (rows.length > 0) yield rows;
  }
}

function jsonLineRow(text: string, line: number, row: number, maxFieldsPerRow: number): ParsedRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      line,
      row,
      error: {
        code: 'malformed-json',
        message: describeJsonSyntaxError(text, (error as Error).message),
        raw: rawText(text),
      },
    };
  }
  const error = jsonRecordError(value, maxFieldsPerRow) ?? inexactNumberRowError(inexactNumbersIn(text));
  return error === undefined
    ? { line, row, record: value as Record<string, unknown> }
    : { line, row, error: { ...error, raw: rawText(text) } };
}
