import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../../lambdas/core/files/read-chunk';
import { collectUntilError, errorCodes, readFile, records } from '../read-file';

const JSON_LINES = { format: 'json' } as const;

describe('JSON Lines files', () => {
  it('reads one object per line, skipping blank lines, with physical lines and data rows', async () => {
    // Prepare
    const text = '{"a":1}\n\n   \r\n{"b":{"c":[1,2]}}\r\n{"d":"é"}';

    // Act
    const { plan, rows } = await readFile(text, JSON_LINES);

    // Assess
    expect(plan).toEqual({
      compression: 'none',
      chunks: [{ index: 0, start: 0, end: Buffer.byteLength(text), firstLine: 1, firstRow: 1 }],
    });
    expect(rows).toEqual([
      { line: 1, row: 1, record: { a: 1 } },
      { line: 4, row: 2, record: { b: { c: [1, 2] } } },
      { line: 5, row: 3, record: { d: 'é' } },
    ]);
  });

  it('cuts chunks at line ends and reads the same rows chunk by chunk as whole', async () => {
    // Prepare
    const lines = Array.from({ length: 200 }, (_, i) =>
      i % 9 === 4 ? '' : JSON.stringify({ i, s: 'x'.repeat(i % 13) }),
    );
    const text = `${lines.join('\n')}\n`;

    // Act
    const whole = await readFile(text, JSON_LINES);
    const chunked = await readFile(text, JSON_LINES, { targetChunkBytes: 100, pieceBytes: 7 });

    // Assess
    expect(chunked.plan.chunks.length).toBeGreaterThan(20);
    expect(chunked.rows).toEqual(whole.rows);
    for (const chunk of chunked.plan.chunks) {
      const firstLineText = text.slice(chunk.start).split('\n')[0]!;
      expect(lines[chunk.firstLine - 1]).toBe(firstLineText);
    }
  });

  it('reports malformed JSON with the position of the fault, and values that are not objects', async () => {
    // Prepare
    const text = '{"a":}\n[1,2]\n"text"\nnull\n{"a":1} x\n{"ok":true}\n';

    // Act
    const { rows } = await readFile(text, JSON_LINES);

    // Assess
    expect(errorCodes(rows)).toEqual([
      'malformed-json',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'malformed-json',
      undefined,
    ]);
    expect(rows[0]!.error).toEqual({
      code: 'malformed-json',
      message: 'Malformed JSON at byte 5: unexpected "}"',
      raw: '{"a":}',
    });
    expect(rows[1]!.error!.message).toBe('Expected a JSON object, found an array');
    expect(rows[3]!.error!.message).toBe('Expected a JSON object, found null');
    expect(rows[4]!.error!.message).toBe('Malformed JSON at byte 8: unexpected "x"');
    expect(rows.map((row) => row.line)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('describes a line cut short', async () => {
    // Prepare
    const text = '{"a":[1,\n';

    // Act
    const { rows } = await readFile(text, JSON_LINES);

    // Assess
    expect(rows[0]!.error!.message).toBe('Malformed JSON at byte 8: unexpected end of input');
  });

  it('refuses a record with more leaf fields than the limit', async () => {
    // Prepare
    const text = '{"a":{"b":1,"c":[1,2]}}\n{"a":{},"b":[],"c":1}\n';

    // Act
    const { rows } = await readFile(text, JSON_LINES, { maxFieldsPerRow: 3 });

    // Assess
    expect(errorCodes(rows)).toEqual([undefined, undefined]);
    const tighter = await readFile(text, JSON_LINES, { maxFieldsPerRow: 2 });
    expect(errorCodes(tighter.rows)).toEqual(['too-many-fields', 'too-many-fields']);
  });

  it('skips a UTF-8 byte order mark and decodes other charsets', async () => {
    // Prepare
    const withBom = `\uFEFF{"a":"b"}\n`;
    const latin1 = Buffer.from('{"ville":"Sète"}\n{"ville":"Nîmes"}\n', 'latin1');
    const utf16 = Buffer.from('{"nom":"Zoë"}\n', 'utf16le');

    // Act
    const fromBom = await readFile(withBom, JSON_LINES, { pieceBytes: 1 });
    const fromLatin1 = await readFile(
      latin1,
      { format: 'json', charset: 'iso-8859-1' },
      { targetChunkBytes: 5 },
    );
    const fromUtf16 = await readFile(utf16, { format: 'json', charset: 'utf-16le' }, { pieceBytes: 3 });

    // Assess
    expect(records(fromBom.rows)).toEqual([{ a: 'b' }]);
    expect(records(fromLatin1.rows)).toEqual([{ ville: 'Sète' }, { ville: 'Nîmes' }]);
    expect(fromLatin1.plan.chunks).toHaveLength(2);
    expect(records(fromUtf16.rows)).toEqual([{ nom: 'Zoë' }]);
    expect(fromUtf16.plan.chunks).toHaveLength(1);
  });

  it('reads a gzip file as one chunk', async () => {
    // Prepare
    const text = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n');

    // Act
    const { plan, rows } = await readFile(gzipSync(text), JSON_LINES, {
      targetChunkBytes: 10,
      pieceBytes: 64,
    });

    // Assess
    expect(plan.compression).toBe('gzip');
    expect(plan.chunks).toEqual([
      { index: 0, start: 0, end: plan.chunks[0]!.end, firstLine: 1, firstRow: 1 },
    ]);
    expect(rows).toHaveLength(1000);
    expect(rows[999]).toEqual({ line: 1000, row: 1000, record: { i: 999 } });
  });

  it('fails a corrupt gzip file with corrupt-gzip', async () => {
    // Prepare
    const gzip = gzipSync('{"a":1}\n');
    gzip[12] = gzip[12]! ^ 0xff;
    const source = memoryByteSource(gzip);
    const plan = await planFile(source, JSON_LINES, { targetChunkBytes: 10 });

    // Act
    const { error } = await collectUntilError(
      readChunk(source, JSON_LINES, plan, plan.chunks[0]!, { maxFieldsPerRow: 9 }),
    );

    // Assess
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error).toMatchObject({ code: 'corrupt-gzip' });
  });

  it('reads lines far longer than the pieces the file streams in', async () => {
    // Prepare
    const long = 'x'.repeat(3_000_000);
    const text = `{"a":"${long}"}\n{"b":1}\n{"c":"${long}"}`;

    // Act
    const { rows } = await readFile(text, JSON_LINES, { pieceBytes: 1000 });

    // Assess
    expect(records(rows)).toEqual([{ a: long }, { b: 1 }, { c: long }]);
  });

  it('plans an empty file as one empty chunk with no rows', async () => {
    // Prepare
    const text = '';

    // Act
    const { plan, rows } = await readFile(text, JSON_LINES);

    // Assess
    expect(plan.chunks).toEqual([{ index: 0, start: 0, end: 0, firstLine: 1, firstRow: 1 }]);
    expect(rows).toEqual([]);
  });
});
