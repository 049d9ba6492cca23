/**
 * Reads a multi-line JSON file, which cannot be cut into chunks: one top-level array streamed element by element
 * (row = index + 1), or, leniently, one or more top-level objects written one after the other.
 *
 * A syntax error part-way cannot be skipped over (where the next element starts is unknown), so the rows before it
 * are yielded, the error becomes one `malformed-json` row error for the rest of the file, and reading stops: the
 * file's good rows still count and the failure is reported where it happened.
 */
import type { ParsedRow, ReadOptions } from '../file-format-types';
import { exactJsonText, inexactNumbersOf } from '../../exact-json';
import { inexactNumberRowError, jsonRecordError } from '../row-errors';
import { rawText } from '../row-text';
import { JsonSyntaxError, JsonValueStream } from './json-value-stream';
import { withoutUtf8Bom } from '../utf8-bom';

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export async function* readJsonArray(
  utf8: AsyncIterable<Buffer>,
  options: ReadOptions,
): AsyncGenerator<ParsedRow[]> {
  const pending: ParsedRow[] = [];
  let row = 1;
  const onValue = (value: unknown, holdsInexactNumber: boolean) => {
    const error =
      jsonRecordError(value, options.maxFieldsPerRow) ??
      (holdsInexactNumber ? inexactNumberRowError(inexactNumbersOf(value)) : undefined);
    pending.push(
      error === undefined
        ? { row, record: value as Record<string, unknown> }
        : { row, error: { ...error, raw: rawText(exactJsonText(value)) } },
    );
    row += 1;
  };
  let stream: JsonValueStream | undefined;
  // Pieces of only whitespace before the first value: written once the kind of document is known, so that byte
  // positions in error messages count them.
  const leading: Buffer[] = [];
  try {
    for await (const bytes of withoutUtf8Bom(utf8)) {
      if (stream === undefined) {
        const first = bytes.findIndex((byte) => !JSON_WHITESPACE.has(byte));
        if (first === -1) {
          leading.push(bytes);
          continue;
        }
        stream = new JsonValueStream(
          bytes[first] === 0x5b ? { paths: ['$.*'] } : { paths: ['$'], separator: '' },
          onValue,
        );
        for (const whitespace of leading.splice(0)) stream.write(whitespace);
      }
      stream.write(bytes);
      if (pending.length > 0) yield pending.splice(0);
    }
    stream?.end();
    if (pending.length > 0) yield pending.splice(0);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const message = `${error.message}; the rest of the file was not read`;
    yield [...pending.splice(0), { row, error: { code: 'malformed-json', message } }];
  }
}
