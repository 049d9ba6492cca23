import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../../lambdas/core/files/read-chunk';
import { collectUntilError, errorCodes, readFile, records } from '../read-file';

const MULTI_LINE = { format: 'json', isMultiLineJson: true } as const;

describe('multi-line JSON files', () => {
  it('streams the elements of the top-level array as rows, as one chunk', async () => {
    // Prepare
    const text = '\uFEFF[\n  {"a": 1},\n  {"b": {"c": [true, null]}},\n  {"d": "é"}\n]\n';

    // Act
    const { plan, rows } = await readFile(text, MULTI_LINE, { targetChunkBytes: 5, pieceBytes: 3 });

    // Assess
    expect(plan).toEqual({
      compression: 'none',
      chunks: [{ index: 0, start: 0, end: Buffer.byteLength(text), firstLine: 1, firstRow: 1 }],
    });
    expect(rows).toEqual([
      { row: 1, record: { a: 1 } },
      { row: 2, record: { b: { c: [true, null] } } },
      { row: 3, record: { d: 'é' } },
    ]);
  });

  it('reports elements that are not objects, and too many fields', async () => {
    // Prepare
    const text = '[1, "x", [{}], null, {"a": 1, "b": 2, "c": 3}, {"a": 1}]';

    // Act
    const { rows } = await readFile(text, MULTI_LINE, { maxFieldsPerRow: 2 });

    // Assess
    expect(errorCodes(rows)).toEqual([
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'too-many-fields',
      undefined,
    ]);
    expect(rows[2]!.error).toEqual({
      code: 'not-an-object',
      message: 'Expected a JSON object, found an array',
      raw: '[{}]',
    });
    expect(rows.map((row) => row.row)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('yields the rows before a syntax error, then one malformed-json error for the rest of the file', async () => {
    // Prepare
    const text = '[{"a": 1}, {"b": 2}, {"c": }, {"d": 4}]';

    // Act
    const { rows } = await readFile(text, MULTI_LINE, { pieceBytes: 4 });

    // Assess
    expect(records(rows)).toEqual([{ a: 1 }, { b: 2 }, undefined]);
    expect(rows[2]).toEqual({
      row: 3,
      error: {
        code: 'malformed-json',
        message: 'Malformed JSON at byte 27: unexpected "}"; the rest of the file was not read',
      },
    });
  });

  it('counts leading whitespace in the position of a syntax error', async () => {
    // Prepare
    const text = `${' '.repeat(10)}\n[{"a": 1}, x]`;

    // Act
    const { rows } = await readFile(text, MULTI_LINE, { pieceBytes: 4 });

    // Assess
    expect(rows[1]!.error!.message).toBe(
      'Malformed JSON at byte 22: unexpected "x"; the rest of the file was not read',
    );
  });

  it('reports a file cut short after the rows it holds', async () => {
    // Prepare
    const text = '[{"a": 1}, {"b": 2';

    // Act
    const { rows } = await readFile(text, MULTI_LINE);

    // Assess
    expect(rows.map((row) => [row.row, row.record, row.error?.code])).toEqual([
      [1, { a: 1 }, undefined],
      [2, undefined, 'malformed-json'],
    ]);
    expect(rows[1]!.error!.message).toContain('unexpected end of input');
  });

  it('reads a file that holds one object, or objects one after the other, rather than an array', async () => {
    // Prepare
    const one = '{\n  "a": 1\n}\n';
    const several = '{"a": 1}\n{\n  "b": 2\n}';

    // Act
    const fromOne = await readFile(one, MULTI_LINE);
    const fromSeveral = await readFile(several, MULTI_LINE);

    // Assess
    expect(fromOne.rows).toEqual([{ row: 1, record: { a: 1 } }]);
    expect(records(fromSeveral.rows)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('reads no rows from an empty or blank file', async () => {
    // Prepare
    const blank = ' \n\t\n';

    // Act
    const fromEmpty = await readFile('', MULTI_LINE);
    const fromBlank = await readFile(blank, MULTI_LINE);

    // Assess
    expect(fromEmpty.rows).toEqual([]);
    expect(fromBlank.rows).toEqual([]);
  });

  it('reads a gzip file, and fails a truncated one with corrupt-gzip after the rows read', async () => {
    // Prepare
    const text = JSON.stringify(Array.from({ length: 30_000 }, (_, i) => ({ i })));
    const gzip = gzipSync(text);
    const truncated = memoryByteSource(gzip.subarray(0, gzip.length - 40), { pieceBytes: 512 });
    const plan = await planFile(truncated, MULTI_LINE, { targetChunkBytes: 10 });

    // Act
    const whole = await readFile(gzip, MULTI_LINE);
    const { items, error } = await collectUntilError(
      readChunk(truncated, MULTI_LINE, plan, plan.chunks[0]!, { maxFieldsPerRow: 10 }),
    );

    // Assess
    expect(whole.plan.compression).toBe('gzip');
    expect(whole.rows).toHaveLength(30_000);
    expect(items.length).toBeGreaterThan(20_000);
    expect(items.every((row) => row.record !== undefined)).toBe(true);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error).toMatchObject({ code: 'corrupt-gzip' });
  });
});
