/**
 * Hostile files for every file reader: CSV quote storms under random delimiter/quote/escape settings, JSON Lines and
 * JSON arrays built from fragments and nested past any limit, truncated and corrupted gzip, Parquet written by
 * hyparquet-writer then cut or bit-flipped, invalid UTF-8 and rows wider than the fields guardrail. Planning, reading
 * every chunk and previewing must each end, within a bound, with rows that are each a record or a RowError, or with
 * a FileFormatError for the whole file — never another exception.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  FileFormatError,
  type InputFormat,
  type ParsedRow,
} from '../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../lambdas/core/files/plan-file';
import { previewFile } from '../../lambdas/core/files/preview-file';
import { readChunk } from '../../lambdas/core/files/read-chunk';
import { InputFormatInput } from '../../lambdas/http/input-format';
import { HOSTILE_JSON_TEXTS, JSON_FRAGMENTS, specialText, withInvalidUtf8, within } from './hostile-values';

export interface FuzzRuns {
  readonly numRuns: number;
  /** Fixed in `npm test` so a failure reproduces; fast-check prints the seed and path of any failure. */
  readonly seed?: number;
}

/** A generous bound for one file of a few KB: a reader that takes longer is looping. */
const FILE_TIME_LIMIT_MS = 10_000;

const CHARSETS = ['utf-8', 'utf-16le', 'utf-16be', 'latin1', 'windows-1252'];
const CSV_CHARACTERS = [',', ';', '\t', '|', ' ', '"', "'", '\\', 'é', '\u2028', '\u0000', 'a'];

/** CSV formats the API accepts (the same zod schema), so the readers meet only options a batch can carry. */
const csvFormat: fc.Arbitrary<InputFormat> = fc
  .record(
    {
      format: fc.constant('csv'),
      delimiter: fc.constantFrom(...CSV_CHARACTERS),
      quote: fc.constantFrom(...CSV_CHARACTERS),
      escape: fc.constantFrom(...CSV_CHARACTERS),
      header: fc.boolean(),
      nullMarker: fc.constantFrom('', 'NULL', '"', '\\N'),
      charset: fc.constantFrom(...CHARSETS),
    },
    { requiredKeys: ['format'] },
  )
  .map((candidate) => InputFormatInput.safeParse(candidate))
  .filter((result) => result.success)
  .map((result) => result.data);

const jsonFormat: fc.Arbitrary<InputFormat> = fc.record(
  {
    format: fc.constant('json' as const),
    isMultiLineJson: fc.boolean(),
    charset: fc.constantFrom(...CHARSETS),
  },
  { requiredKeys: ['format'] },
);

/** Quotes, delimiters and line ends in storms: long runs of one special character as well as random mixes. */
const csvText = fc.oneof(
  specialText([...CSV_CHARACTERS, '\n', '\r', '\r\n', '""', '"""'], 200),
  fc
    .tuple(
      fc.constantFrom('"', "'", '\\', ','),
      fc.integer({ min: 1, max: 5_000 }),
      fc.string({ maxLength: 20 }),
    )
    .map(([storm, count, tail]) => `a,b\n${storm.repeat(count)}${tail}\n1,2\n`),
  // One row far wider than the guardrail, in an otherwise ordinary file.
  fc.integer({ min: 1, max: 5_000 }).map((width) => `h\n${'x,'.repeat(width)}x\n`),
);

const jsonText = fc.oneof(
  { weight: 3, arbitrary: specialText([...JSON_FRAGMENTS, '{"a":1}', '[1,2]', '"s"'], 120) },
  fc
    .array(fc.oneof(fc.constantFrom(...HOSTILE_JSON_TEXTS), fc.json()), { minLength: 1, maxLength: 4 })
    .chain((lines) => fc.boolean().map((asArray) => (asArray ? `[${lines.join(',')}]` : lines.join('\n')))),
);

/** The bytes as written, or gzipped whole, or gzipped then truncated, or gzipped with a byte flipped. */
function packaged(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(bytes, fc.constantFrom('plain', 'gzip', 'truncated-gzip', 'corrupted-gzip'), fc.nat(), fc.nat(255))
    .map(([plain, packaging, offset, flip]) => {
      if (packaging === 'plain') return plain;
      const gzip = new Uint8Array(gzipSync(plain));
      if (packaging === 'gzip') return gzip;
      if (packaging === 'truncated-gzip') return gzip.subarray(0, offset % gzip.length);
      const corrupted = gzip.slice();
      const at = offset % corrupted.length;
      corrupted[at] = corrupted[at]! ^ (flip || 1);
      return corrupted;
    });
}

const COLUMN_TYPES = ['INT32', 'DOUBLE', 'STRING', 'BOOLEAN', 'JSON'] as const;

/** A valid Parquet file of a few columns and row groups, written by hyparquet-writer as a producer would. */
const validParquet: fc.Arbitrary<Uint8Array> = fc
  .record({
    rows: fc.integer({ min: 1, max: 40 }),
    rowGroupSize: fc.integer({ min: 1, max: 20 }),
    types: fc.array(fc.constantFrom(...COLUMN_TYPES), { minLength: 1, maxLength: 4 }),
  })
  .map(({ rows, rowGroupSize, types }) => {
    const value = (type: (typeof COLUMN_TYPES)[number], index: number): unknown => {
      if (type === 'INT32') return index;
      if (type === 'DOUBLE') return index / 3;
      if (type === 'BOOLEAN') return index % 2 === 0;
      if (type === 'JSON') return { nested: { index } };
      return `row ${index}`;
    };
    return new Uint8Array(
      parquetWriteBuffer({
        rowGroupSize,
        columnData: types.map((type, column) => ({
          name: `c${column}`,
          type,
          data: Array.from({ length: rows }, (_, index) => value(type, index)),
        })),
      }),
    );
  });

/** Where a Parquet file's footer (the Thrift metadata, its length and the closing magic) begins. */
function footerStart(bytes: Uint8Array): number {
  const footerLength = Buffer.from(bytes).readUInt32LE(bytes.length - 8);
  return Math.max(0, bytes.length - 8 - footerLength);
}

/**
 * A Parquet file cut short, bit-flipped at a few places of its footer, or left intact (so the generator also proves
 * reading works). Flips stay in the footer: a spin inside the page decoder cannot be timed out in this process, so a
 * second one would hang the test worker. The data-page corruption that spun hyparquet is patched and kept as a
 * regression file read in a child process with a deadline (parquet-corrupt-page.test.ts; docs/reliability.md).
 */
const hostileParquet: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    validParquet,
    fc.constantFrom('intact', 'truncated', 'flipped'),
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
  )
  .map(([bytes, damage, cut, flips]) => {
    if (damage === 'intact') return bytes;
    if (damage === 'truncated') return bytes.subarray(0, cut % bytes.length);
    const flipped = bytes.slice();
    const start = footerStart(bytes);
    for (const [offset, mask] of flips) {
      const at = start + (offset % (flipped.length - start));
      flipped[at] = flipped[at]! ^ mask;
    }
    return flipped;
  });

export interface FileCase {
  readonly format: InputFormat;
  readonly bytes: Uint8Array;
}

export const fileCase: fc.Arbitrary<FileCase> = fc.oneof(
  fc.record({ format: csvFormat, bytes: packaged(withInvalidUtf8(csvText)) }),
  fc.record({ format: jsonFormat, bytes: packaged(withInvalidUtf8(jsonText)) }),
  fc.record({ format: fc.constant<InputFormat>({ format: 'parquet' }), bytes: hostileParquet }),
  // A file in one format declared as another.
  fc.record({
    format: fc.oneof(csvFormat, jsonFormat, fc.constant<InputFormat>({ format: 'parquet' })),
    bytes: fc.oneof(hostileParquet, withInvalidUtf8(csvText), fc.uint8Array({ maxLength: 300 })),
  }),
);

export const readSettings = fc.record({
  targetChunkBytes: fc.integer({ min: 1, max: 400 }),
  pieceBytes: fc.integer({ min: 1, max: 64 }),
  maxFieldsPerRow: fc.integer({ min: 1, max: 20 }),
  previewRows: fc.integer({ min: 0, max: 5 }),
});

type ReadSettings = typeof readSettings extends fc.Arbitrary<infer T> ? T : never;

/** The error a whole-file failure must be; anything else is a reader bug. */
function expectFileFormatError(error: unknown): void {
  if (!(error instanceof FileFormatError)) throw error;
  expect(error.code).toMatch(/^[a-z0-9-]+$/);
}

function expectRow(row: ParsedRow): void {
  expect(typeof row.row).toBe('number');
  if (row.error !== undefined) {
    expect(row.record).toBeUndefined();
    expect(row.error.code).toMatch(/^[a-z0-9-]+$/);
    expect(typeof row.error.message).toBe('string');
  } else {
    expect(row.record).toBeTypeOf('object');
    expect(row.record).not.toBeNull();
  }
}

/** Plans the file and reads every chunk; returns normally when a FileFormatError ends it. */
export async function readWholly(file: FileCase, settings: ReadSettings): Promise<void> {
  const source = memoryByteSource(file.bytes, { pieceBytes: settings.pieceBytes });
  try {
    const plan = await planFile(source, file.format, { targetChunkBytes: settings.targetChunkBytes });
    for (const chunk of plan.chunks) {
      for await (const row of readChunk(source, file.format, plan, chunk, settings)) expectRow(row);
    }
  } catch (error) {
    expectFileFormatError(error);
  }
}

async function preview(file: FileCase, rows: number): Promise<void> {
  try {
    const shown = await previewFile(memoryByteSource(file.bytes), file.format, { rows });
    expect(shown.rows.length).toBeLessThanOrEqual(rows);
  } catch (error) {
    expectFileFormatError(error);
  }
}

export function describeFileParserFuzz(runs: FuzzRuns): void {
  describe('hostile files', () => {
    it('every reader ends with records, RowErrors or one FileFormatError, within a bound', async () => {
      await fc.assert(
        fc.asyncProperty(fileCase, readSettings, async (file, settings) => {
          await within(FILE_TIME_LIMIT_MS, 'reading the file', readWholly(file, settings));
          await within(FILE_TIME_LIMIT_MS, 'previewing the file', preview(file, settings.previewRows));
        }),
        runs,
      );
    });
  });
}
