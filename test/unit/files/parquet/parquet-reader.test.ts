import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../../lambdas/core/files/read-chunk';
import { collectUntilError, readFile, records } from '../read-file';

const PARQUET = { format: 'parquet' } as const;

/** `rows` rows of an id and a label, in row groups of `rowGroupSize`. */
function numberedParquet(rows: number, rowGroupSize: number): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      rowGroupSize,
      columnData: [
        { name: 'id', data: Array.from({ length: rows }, (_, i) => i + 1), type: 'INT32' },
        {
          name: 'label',
          data: Array.from({ length: rows }, (_, i) => `row ${i + 1} ${'x'.repeat(i % 50)}`),
          type: 'STRING',
        },
      ],
    }),
  );
}

/** This file's own temporary folder (os.tmpdir() follows TMPDIR), so that other tests' files cannot interfere. */
const sharedTmp = tmpdir();
const privateTmp = mkdtempSync(join(sharedTmp, 'tributary-parquet-test-'));
beforeAll(() => {
  process.env.TMPDIR = privateTmp;
});
afterAll(() => {
  process.env.TMPDIR = sharedTmp;
  rmSync(privateTmp, { recursive: true, force: true });
});

const tempFolders = () => readdirSync(privateTmp);

describe('Parquet files', () => {
  it('plans one chunk per row group, or several row groups per chunk up to the target size', async () => {
    // Prepare
    const bytes = numberedParquet(1000, 100);

    // Act
    const perGroup = await readFile(bytes, PARQUET, { targetChunkBytes: 1 });
    const grouped = await readFile(bytes, PARQUET, { targetChunkBytes: bytes.length / 3 });

    // Assess
    expect(perGroup.plan.compression).toBe('none');
    expect(perGroup.plan.chunks).toHaveLength(10);
    expect(perGroup.plan.chunks[3]).toEqual({ index: 3, start: 3, end: 4, firstLine: 0, firstRow: 301 });
    expect(grouped.plan.chunks.length).toBeGreaterThan(1);
    expect(grouped.plan.chunks.length).toBeLessThan(10);
    expect(grouped.plan.chunks.at(-1)!.end).toBe(10);
    for (const read of [perGroup, grouped]) {
      expect(read.rows.map((row) => row.row)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(read.rows.every((row) => row.line === undefined && row.record!.id === row.row)).toBe(true);
    }
  });

  it('converts values to JSON: 64-bit integers, timestamps, dates, bytes, JSON, non-finite floats; nulls left out', async () => {
    // Prepare
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: 'small', data: [42n, null], type: 'INT64', nullable: true },
        { name: 'big', data: [2n ** 53n, -(2n ** 53n)], type: 'INT64' },
        { name: 'at', data: [new Date('2024-05-01T10:00:00Z'), new Date(0)], type: 'TIMESTAMP' },
        { name: 'blob', data: [new Uint8Array([1, 2, 255]), new Uint8Array([])], type: 'BYTE_ARRAY' },
        { name: 'doc', data: [{ a: { b: [1, null] } }, null], type: 'JSON', nullable: true },
        { name: 'score', data: [Number.NaN, 1.5], type: 'DOUBLE' },
      ],
    });

    // Act
    const { rows } = await readFile(new Uint8Array(bytes), PARQUET);

    // Assess
    expect(records(rows)).toEqual([
      {
        small: 42,
        big: 9007199254740992,
        at: '2024-05-01T10:00:00.000Z',
        blob: 'AQL/',
        doc: { a: { b: [1, null] } },
        score: 'NaN',
      },
      { big: -9007199254740992, at: '1970-01-01T00:00:00.000Z', blob: '', score: 1.5 },
    ]);
  });

  it('reads a DATE column as a calendar day', async () => {
    // Prepare
    const bytes = parquetWriteBuffer({
      columnData: [{ name: 'day', data: [19844] }],
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'REQUIRED' },
      ],
    });

    // Act
    const { rows } = await readFile(new Uint8Array(bytes), PARQUET);

    // Assess
    expect(records(rows)).toEqual([{ day: '2024-05-01' }]);
  });

  it('refuses a row with more leaf fields than the limit', async () => {
    // Prepare
    const bytes = numberedParquet(2, 10);

    // Act
    const { rows } = await readFile(bytes, PARQUET, { maxFieldsPerRow: 1 });

    // Assess
    expect(rows.map((row) => row.error?.code)).toEqual(['too-many-fields', 'too-many-fields']);
  });

  it('fails a file that is not Parquet with unreadable-parquet', async () => {
    // Prepare
    const notParquet = memoryByteSource(Buffer.from('id,name\n1,Ann\n'));
    const gzipNotParquet = memoryByteSource(gzipSync('id,name\n1,Ann\n'));

    // Act
    const planning = planFile(notParquet, PARQUET, { targetChunkBytes: 100 });
    const planningGzip = planFile(gzipNotParquet, PARQUET, { targetChunkBytes: 100 });

    // Assess
    await expect(planning).rejects.toBeInstanceOf(FileFormatError);
    await expect(planning).rejects.toMatchObject({ code: 'unreadable-parquet' });
    await expect(planningGzip).rejects.toMatchObject({ code: 'unreadable-parquet' });
  });

  it('reads a gzip Parquet file through a temporary file that is removed afterwards', async () => {
    // Prepare
    const bytes = gzipSync(numberedParquet(500, 100));

    // Act
    const { plan, rows } = await readFile(bytes, PARQUET, { targetChunkBytes: 1, pieceBytes: 1000 });

    // Assess
    expect(plan.compression).toBe('gzip');
    expect(plan.chunks).toEqual([{ index: 0, start: 0, end: 5, firstLine: 0, firstRow: 1 }]);
    expect(rows.map((row) => row.record!.id)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(tempFolders()).toEqual([]);
  });

  it('removes the temporary file when the reader stops early', async () => {
    // Prepare
    const source = memoryByteSource(gzipSync(numberedParquet(500, 100)));
    const plan = await planFile(source, PARQUET, { targetChunkBytes: 1 });
    let read = 0;
    let foldersWhileReading: string[] = [];

    // Act
    for await (const row of readChunk(source, PARQUET, plan, plan.chunks[0]!, { maxFieldsPerRow: 10 })) {
      read += row.record === undefined ? 0 : 1;
      foldersWhileReading = tempFolders();
      if (read === 3) break;
    }

    // Assess
    expect(read).toBe(3);
    expect(foldersWhileReading).toHaveLength(1);
    expect(tempFolders()).toEqual([]);
  });

  it('fails a corrupt gzip Parquet file with corrupt-gzip', async () => {
    // Prepare
    const gzip = gzipSync(numberedParquet(50, 10));
    const source = memoryByteSource(gzip.subarray(0, gzip.length - 20));

    // Act
    const planning = planFile(source, PARQUET, { targetChunkBytes: 1 });

    // Assess
    await expect(planning).rejects.toMatchObject({ code: 'corrupt-gzip' });
  });

  it('fails a row group that cannot be decoded with unreadable-parquet, from the iteration', async () => {
    // Prepare
    const bytes = Buffer.from(numberedParquet(200, 100));
    const plan = await planFile(memoryByteSource(bytes), PARQUET, { targetChunkBytes: 1 });
    bytes.fill(0xff, 4, 200);
    const source = memoryByteSource(bytes);

    // Act
    const { items, error } = await collectUntilError(
      readChunk(source, PARQUET, plan, plan.chunks[0]!, { maxFieldsPerRow: 10 }),
    );

    // Assess
    expect(items).toEqual([]);
    expect(error).toMatchObject({ name: 'FileFormatError', code: 'unreadable-parquet' });
  });
});
