import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../lambdas/core/files/memory-byte-source';
import { previewFile } from '../../../lambdas/core/files/preview-file';

/** A source that records how far into the file its reads went. */
function watchedSource(text: string): { source: ByteSource; bytesRead: () => number } {
  const inner = memoryByteSource(Buffer.from(text), { pieceBytes: 1024 });
  let bytesRead = 0;
  return {
    source: {
      size: inner.size,
      read: async (start, end) => {
        const stream = await inner.read(start, end);
        stream.on('data', (piece: Buffer) => {
          bytesRead += piece.length;
        });
        return stream;
      },
    },
    bytesRead: () => bytesRead,
  };
}

describe('previewFile', () => {
  it('shows the first CSV rows under the CSV columns, reading only the beginning of the file', async () => {
    // Prepare
    const text = `id,person.name\n${Array.from({ length: 100_000 }, (_, i) => `${i},n${i}`).join('\n')}\n`;
    const { source, bytesRead } = watchedSource(text);

    // Act
    const preview = await previewFile(source, { format: 'csv' }, { rows: 2 });

    // Assess
    expect(preview).toEqual({
      columns: ['id', 'person.name'],
      rows: [
        { id: '0', person: { name: 'n0' } },
        { id: '1', person: { name: 'n1' } },
      ],
    });
    expect(bytesRead()).toBeLessThan(text.length / 10);
  });

  it('shows JSON records under the union of their top-level keys, skipping rows that failed', async () => {
    // Prepare
    const text = '{"a":1}\nnot json\n{"b":2,"a":3}\n{"c":4}\n';

    // Act
    const preview = await previewFile(memoryByteSource(Buffer.from(text)), { format: 'json' }, { rows: 3 });

    // Assess
    expect(preview).toEqual({ columns: ['a', 'b'], rows: [{ a: 1 }, { b: 2, a: 3 }] });
  });

  it('shows the first rows of a Parquet file', async () => {
    // Prepare
    const bytes = parquetWriteBuffer({
      rowGroupSize: 1000,
      columnData: [{ name: 'id', data: Array.from({ length: 5000 }, (_, i) => i), type: 'INT32' }],
    });

    // Act
    const preview = await previewFile(
      memoryByteSource(new Uint8Array(bytes)),
      { format: 'parquet' },
      { rows: 2 },
    );

    // Assess
    expect(preview).toEqual({ columns: ['id'], rows: [{ id: 0 }, { id: 1 }] });
  });

  it('shows a multi-line JSON file and no rows when none are asked for', async () => {
    // Prepare
    const source = memoryByteSource(Buffer.from('[{"a":1},{"a":2},{"a":3}]'));
    const format = { format: 'json', isMultiLineJson: true } as const;

    // Act
    const two = await previewFile(source, format, { rows: 2 });
    const none = await previewFile(source, format, { rows: 0 });

    // Assess
    expect(two).toEqual({ columns: ['a'], rows: [{ a: 1 }, { a: 2 }] });
    expect(none).toEqual({ columns: [], rows: [] });
  });
});
