import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { FieldTypes, ParsedRow } from '../../../lambdas/core/files/file-format-types';
import { RecordCoercion } from '../../../lambdas/core/files/field-coercion';
import { readFile } from './read-file';

/** What a row came to: its record, or its error code and the pointers of its violations. */
const outcomes = (rows: readonly ParsedRow[]) =>
  rows.map((row) =>
    row.error
      ? { code: row.error.code, pointers: row.error.violations?.map((violation) => violation.pointer) }
      : { record: row.record },
  );

const numbers: FieldTypes = (path) =>
  ({ id: new Set(['integer']), score: new Set(['number']) })[path.join('.')];

describe('file rows: a number a JavaScript number would change fails its row, never stored rounded', () => {
  it('JSON Lines: a row with an integer beyond 2^53, 1e400 or a non-zero literal under 1e-324 fails with a pointer', async () => {
    // Prepare
    const file =
      '{"id":1,"score":0.5}\n' +
      '{"id":9007199254740993}\n' +
      '{"nested":{"list":[1,1e400]}}\n' +
      '{"score":1e-400}\n' +
      '{"id":9007199254740992}\n';

    // Act
    const { rows } = await readFile(file, { format: 'json' });

    // Assess
    expect(outcomes(rows)).toEqual([
      { record: { id: 1, score: 0.5 } },
      { code: 'inexact-number', pointers: ['/id'] },
      { code: 'inexact-number', pointers: ['/nested/list/1'] },
      { code: 'inexact-number', pointers: ['/score'] },
      { record: { id: 9007199254740992 } },
    ]);
    expect(rows[1]!.error!.raw).toBe('{"id":9007199254740993}');
  });

  it('a JSON array: the element holding such a number fails with a pointer and its text as sent', async () => {
    // Prepare
    const file = '[{"id":1},{"id":2,"deep":[{"n":12345678901234567890}]},{"id":3}]';

    // Act
    const { rows } = await readFile(file, { format: 'json', isMultiLineJson: true }, { pieceBytes: 7 });

    // Assess
    expect(outcomes(rows)).toEqual([
      { record: { id: 1 } },
      { code: 'inexact-number', pointers: ['/deep/0/n'] },
      { record: { id: 3 } },
    ]);
    expect(rows[1]!.error!.raw).toBe('{"id":2,"deep":[{"n":12345678901234567890}]}');
  });

  it('CSV: digits beyond what a number holds, for an integer or number field, fail the row naming the column', async () => {
    // Prepare
    const file = 'id,score,label\n1,2.5,a\n9007199254740993,1,b\n2,1e400,c\n3,1e-400,d\n';

    // Act
    const { rows } = await readFile(file, { format: 'csv' }, { fieldTypes: numbers });

    // Assess
    expect(outcomes(rows)).toEqual([
      { record: { id: 1, score: 2.5, label: 'a' } },
      { code: 'inexact-number', pointers: ['/id'] },
      { code: 'inexact-number', pointers: ['/score'] },
      { code: 'inexact-number', pointers: ['/score'] },
    ]);
  });

  it('a mapped record: number text that would change stays text, with a violation naming it', () => {
    // Act
    const typed = new RecordCoercion(numbers).apply({ id: '9007199254740993', score: '0.25' });

    // Assess
    expect(typed.record).toEqual({ id: '9007199254740993', score: 0.25 });
    expect(typed.violations).toEqual([expect.objectContaining({ pointer: '/id', keyword: 'exactNumber' })]);
  });

  it('Parquet: an INT64 value beyond 2^53 fails its row naming the column; one within stays a number', async () => {
    // Prepare
    const bytes = parquetWriteBuffer({
      columnData: [{ name: 'id', data: [2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n)], type: 'INT64' }],
    });

    // Act
    const { rows } = await readFile(new Uint8Array(bytes), { format: 'parquet' });

    // Assess
    expect(outcomes(rows)).toEqual([
      { record: { id: 9007199254740992 } },
      { code: 'inexact-number', pointers: ['/id'] },
      { code: 'inexact-number', pointers: ['/id'] },
    ]);
  });

  it('Parquet: a DECIMAL is read as its exact decimal (19.99, not 19.990000000000002), or fails its row when no number holds it', async () => {
    // Prepare
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: 'price', data: [1999n, -5n, 1n] },
        { name: 'wide', data: [1005n, 12345678901234567890123n, -1n] },
        { name: 'amount', data: [{ value: 7n }, { value: 1n }, { value: 12n }] },
      ],
      schema: [
        { name: 'root', num_children: 3 },
        {
          name: 'price',
          type: 'INT32',
          converted_type: 'DECIMAL',
          scale: 2,
          precision: 9,
          repetition_type: 'REQUIRED',
        },
        {
          name: 'wide',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 16,
          converted_type: 'DECIMAL',
          scale: 3,
          precision: 38,
          repetition_type: 'REQUIRED',
        },
        { name: 'amount', repetition_type: 'REQUIRED', num_children: 1 },
        {
          name: 'value',
          type: 'INT64',
          converted_type: 'DECIMAL',
          scale: 1,
          precision: 18,
          repetition_type: 'REQUIRED',
        },
      ],
    });

    // Act
    const { rows } = await readFile(new Uint8Array(bytes), { format: 'parquet' });

    // Assess
    expect(outcomes(rows)).toEqual([
      { record: { price: 19.99, wide: 1.005, amount: { value: 0.7 } } },
      { code: 'inexact-number', pointers: ['/wide'] },
      { record: { price: 0.01, wide: -0.001, amount: { value: 1.2 } } },
    ]);
  });
});
