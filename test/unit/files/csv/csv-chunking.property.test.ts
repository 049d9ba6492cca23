/**
 * Chunk boundaries never change what is read: generated CSV files (quoted fields holding delimiters, quotes, escapes
 * and line breaks, CRLF and LF, empty lines, several delimiter/quote/escape settings) are planned into tiny chunks,
 * streamed in tiny pieces, and every chunk read; the rows must be exactly the generated ones, with their lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedRow } from '../../../../lambdas/core/files/file-format-types';
import { readFile } from '../read-file';

interface Syntax {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
}

const SYNTAXES: Syntax[] = [
  { delimiter: ',', quote: '"', escape: '"' },
  { delimiter: ';', quote: "'", escape: "'" },
  { delimiter: '\t', quote: '"', escape: '\\' },
  { delimiter: '|', quote: "'", escape: '\\' },
];

const CHARACTERS = ['a', 'b', ' ', 'é', ',', ';', '\t', '|', '"', "'", '\\', '\n', '\r\n', 'x y'];

const fieldValue = fc.array(fc.constantFrom(...CHARACTERS), { maxLength: 6 }).map((parts) => parts.join(''));

function encodeField(value: string, syntax: Syntax, onlyColumn: boolean): string {
  const { delimiter, quote, escape } = syntax;
  const special = [delimiter, quote, escape, '\n', '\r'].some((character) => value.includes(character));
  // A lone empty field would be an empty line, which is skipped: quote it to make it a row.
  if (!special && !(onlyColumn && value === '')) return value;
  const escaped =
    escape === quote
      ? value.replaceAll(quote, quote + quote)
      : value.replaceAll(escape, escape + escape).replaceAll(quote, escape + quote);
  return quote + escaped + quote;
}

const generatedFile = fc.record({
  syntax: fc.constantFrom(...SYNTAXES),
  columnCount: fc.integer({ min: 1, max: 4 }),
  header: fc.boolean(),
  rows: fc.array(
    fc.record({
      values: fc.array(fieldValue, { minLength: 4, maxLength: 4 }),
      lineEnd: fc.constantFrom('\n', '\r\n'),
      emptyLinesAfter: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  finalLineEnd: fc.boolean(),
  targetChunkBytes: fc.integer({ min: 1, max: 60 }),
  pieceBytes: fc.integer({ min: 1, max: 17 }),
});

type GeneratedFile = typeof generatedFile extends fc.Arbitrary<infer T> ? T : never;

/** The file's text and the rows a reader must find in it. */
function render(file: GeneratedFile): { text: string; expected: ParsedRow[] } {
  const columns = Array.from({ length: file.columnCount }, (_, index) => `c${index}`);
  const names = file.header ? columns : columns.map((_, index) => `_c${index}`);
  let text = file.header ? `${columns.join(file.syntax.delimiter)}\n` : '';
  let line = file.header ? 2 : 1;
  const expected: ParsedRow[] = [];
  file.rows.forEach((row, index) => {
    const values = row.values.slice(0, file.columnCount);
    const encoded = values
      .map((value) => encodeField(value, file.syntax, file.columnCount === 1))
      .join(file.syntax.delimiter);
    const record = Object.fromEntries(
      values.flatMap((value, column) => (value === '' ? [] : [[names[column]!, value] as const])),
    );
    expected.push({ line, row: index + 1, record });
    const last = index === file.rows.length - 1;
    const lineEnd = last && !file.finalLineEnd ? '' : row.lineEnd;
    const emptyLines = last ? '' : row.lineEnd.repeat(row.emptyLinesAfter);
    text += encoded + lineEnd + emptyLines;
    line += 1 + encoded.split('\n').length - 1 + (last ? 0 : row.emptyLinesAfter);
  });
  return { text, expected };
}

describe('CSV chunk boundaries', () => {
  it('reading every chunk of a file yields exactly its rows, lines and row numbers', async () => {
    await fc.assert(
      fc.asyncProperty(generatedFile, async (file) => {
        // Prepare
        const { text, expected } = render(file);
        const format = { format: 'csv' as const, header: file.header, ...file.syntax };

        // Act
        const { plan, rows } = await readFile(text, format, {
          targetChunkBytes: file.targetChunkBytes,
          pieceBytes: file.pieceBytes,
        });

        // Assess
        expect(rows).toEqual(expected);
        expect(plan.chunks[0]!.start).toBe(0);
        expect(plan.chunks[plan.chunks.length - 1]!.end).toBe(Buffer.byteLength(text));
        plan.chunks.slice(1).forEach((chunk, index) => expect(chunk.start).toBe(plan.chunks[index]!.end));
      }),
      { numRuns: 300 },
    );
  });
});
