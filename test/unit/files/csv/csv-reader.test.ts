import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError, type FieldTypes } from '../../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../../lambdas/core/files/read-chunk';
import { MAX_RECORD_BYTES } from '../../../../lambdas/core/files/record-stream';
import { MAX_RAW_CHARS } from '../../../../lambdas/core/files/row-text';
import { collectUntilError, errorCodes, readFile, records } from '../read-file';

const CSV = { format: 'csv' } as const;

const typesOf =
  (byPath: Record<string, string[]>): FieldTypes =>
  (path) => {
    const types = byPath[path.join('.')];
    return types === undefined ? undefined : new Set(types);
  };

describe('CSV files', () => {
  it('reads records under the header, with physical lines and data rows', async () => {
    // Prepare
    const csv = 'id,name\n1,Ann\n\n2,"Bob, ""B"""\n3,"two\nlines"\n4,Dee';

    // Act
    const { plan, rows } = await readFile(csv, CSV);

    // Assess
    expect(plan).toEqual({
      compression: 'none',
      columns: ['id', 'name'],
      chunks: [{ index: 0, start: 0, end: csv.length, firstLine: 1, firstRow: 1 }],
    });
    expect(rows).toEqual([
      { line: 2, row: 1, record: { id: '1', name: 'Ann' } },
      { line: 4, row: 2, record: { id: '2', name: 'Bob, "B"' } },
      { line: 5, row: 3, record: { id: '3', name: 'two\nlines' } },
      { line: 7, row: 4, record: { id: '4', name: 'Dee' } },
    ]);
  });

  it('names columns _c0, _c1, … without a header and reads the first record as data', async () => {
    // Prepare
    const csv = 'a,b\nc,d\n';

    // Act
    const { plan, rows } = await readFile(csv, { format: 'csv', header: false });

    // Assess
    expect(plan.columns).toEqual(['_c0', '_c1']);
    expect(rows).toEqual([
      { line: 1, row: 1, record: { _c0: 'a', _c1: 'b' } },
      { line: 2, row: 2, record: { _c0: 'c', _c1: 'd' } },
    ]);
  });

  it('handles CRLF line ends, keeping a CRLF inside a quoted field', async () => {
    // Prepare
    const csv = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n';

    // Act
    const { rows } = await readFile(csv, CSV, { pieceBytes: 1 });

    // Assess
    expect(rows).toEqual([
      { line: 2, row: 1, record: { a: '1', b: 'x\r\ny' } },
      { line: 5, row: 2, record: { a: '2', b: 'z' } },
    ]);
  });

  it('skips a UTF-8 byte order mark', async () => {
    // Prepare
    const csv = '\uFEFFid,name\n1,Ann\n';

    // Act
    const { plan, rows } = await readFile(csv, CSV, { pieceBytes: 2 });

    // Assess
    expect(plan.columns).toEqual(['id', 'name']);
    expect(records(rows)).toEqual([{ id: '1', name: 'Ann' }]);
  });

  it('decodes latin1 and UTF-16 files, cutting only the ASCII-compatible one into chunks', async () => {
    // Prepare
    const text = 'ville,nom\nSète,Zoë\nNîmes,Chloé\n';
    const latin1 = Buffer.from(text, 'latin1');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

    // Act
    const fromLatin1 = await readFile(latin1, { format: 'csv', charset: 'latin1' }, { targetChunkBytes: 1 });
    const fromUtf16 = await readFile(utf16, { format: 'csv', charset: 'utf-16le' }, { targetChunkBytes: 1 });

    // Assess
    const expected = [
      { ville: 'Sète', nom: 'Zoë' },
      { ville: 'Nîmes', nom: 'Chloé' },
    ];
    expect(records(fromLatin1.rows)).toEqual(expected);
    expect(fromLatin1.plan.chunks.length).toBe(3);
    expect(records(fromUtf16.rows)).toEqual(expected);
    expect(fromUtf16.plan.columns).toEqual(['ville', 'nom']);
    expect(fromUtf16.plan.chunks.length).toBe(1);
  });

  it('follows the delimiter, quote and a backslash escape', async () => {
    // Prepare
    const csv = "a;b\n'x;\\'y\\\\';'C:\\temp'\n";

    // Act
    const { rows } = await readFile(csv, { format: 'csv', delimiter: ';', quote: "'", escape: '\\' });

    // Assess
    expect(records(rows)).toEqual([{ a: "x;'y\\", b: 'C:\\temp' }]);
  });

  it('reads a doubled quote of a custom quote character as one quote by default', async () => {
    // Prepare
    const csv = "a\n'it''s'\n";

    // Act
    const { rows } = await readFile(csv, { format: 'csv', quote: "'" });

    // Assess
    expect(records(rows)).toEqual([{ a: "it's" }]);
  });

  it('keeps a quote inside an unquoted field and text after a closing quote', async () => {
    // Prepare
    const csv = 'a,b\n5"10,"ab"cd\n';

    // Act
    const { rows } = await readFile(csv, CSV);

    // Assess
    expect(records(rows)).toEqual([{ a: '5"10', b: 'abcd' }]);
  });

  it('leaves out empty fields and the null marker', async () => {
    // Prepare
    const csv = 'a,b,c\n,"",N/A\nx,N/A,\n';

    // Act
    const { rows } = await readFile(csv, { format: 'csv', nullMarker: 'N/A' });

    // Assess
    expect(records(rows)).toEqual([{}, { a: 'x' }]);
  });

  it('nests dotted columns and reports a clash of a value and an object at the same path', async () => {
    // Prepare
    const csv = 'person.name.first,person.name.last,a,a.b\nAnn,Lee,,1\nBo,,2,3\n';

    // Act
    const { rows } = await readFile(csv, CSV);

    // Assess
    expect(rows[0]).toEqual({
      line: 2,
      row: 1,
      record: { person: { name: { first: 'Ann', last: 'Lee' } }, a: { b: '1' } },
    });
    expect(rows[1]).toMatchObject({ line: 3, row: 2, error: { code: 'column-conflict', raw: 'Bo,,2,3' } });
    expect(rows[1]!.error!.message).toContain('a.b');
  });

  it('treats a column named __proto__ as an ordinary key', async () => {
    // Prepare
    const csv = '__proto__.polluted,x.__proto__\nyes,no\n';

    // Act
    const { rows } = await readFile(csv, CSV);

    // Assess
    const record = rows[0]!.record!;
    expect(Object.keys(record)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')!.value).toEqual({ polluted: 'yes' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('coerces text to the numbers, integers and booleans the schema allows, and never when it allows a string', async () => {
    // Prepare
    const csv =
      'n,i,b,s,either,big,bad\n' +
      ' 1.5e2 ,-42,TRUE,7,false,9007199254740992,x1\n' +
      '.5,4.0,False,true,3,-9007199254740991,\n';
    const fieldTypes = typesOf({
      n: ['number'],
      i: ['integer'],
      b: ['boolean'],
      s: ['string', 'number'],
      either: ['number', 'boolean'],
      big: ['integer'],
      bad: ['number'],
    });

    // Act
    const { rows } = await readFile(csv, CSV, { fieldTypes });

    // Assess
    expect(records(rows)).toEqual([
      { n: 150, i: -42, b: true, s: '7', either: false, big: 9007199254740992, bad: 'x1' },
      { n: 0.5, i: '4.0', b: false, s: 'true', either: 3, big: -9007199254740991 },
    ]);
  });

  it('reports a row with the wrong number of fields and a quote never closed', async () => {
    // Prepare
    const csv = 'a,b\n1\n1,2,3\n4,5\n6,"open\n7,8\n';

    // Act
    const { rows } = await readFile(csv, CSV);

    // Assess
    expect(errorCodes(rows)).toEqual(['malformed-csv', 'malformed-csv', undefined, 'malformed-csv']);
    expect(rows[0]).toMatchObject({ line: 2, row: 1 });
    expect(rows[0]!.error!.message).toBe('Expected 2 fields (one per column), found 1');
    expect(rows[1]!.error!.message).toBe('Expected 2 fields (one per column), found 3');
    expect(rows[3]).toMatchObject({ line: 5, row: 4, error: { raw: '6,"open\n7,8' } });
  });

  it('refuses a row with more fields than the limit, counting only the fields with a value', async () => {
    // Prepare
    const csv = 'a,b,c\n1,2,3\n1,,3\n';

    // Act
    const { rows } = await readFile(csv, CSV, { maxFieldsPerRow: 2 });

    // Assess
    expect(errorCodes(rows)).toEqual(['too-many-fields', undefined]);
    expect(rows[1]!.record).toEqual({ a: '1', c: '3' });
  });

  it('keeps at most 4 KB of a failed row', async () => {
    // Prepare
    const csv = `a,b\n${'x'.repeat(10_000)}\n`;

    // Act
    const { rows } = await readFile(csv, CSV);

    // Assess
    expect(MAX_RAW_CHARS).toBe(4096);
    expect(rows[0]!.error!.raw).toHaveLength(MAX_RAW_CHARS);
  });

  it.each([
    ['an empty file', '', 'empty-file'],
    ['a file of empty lines', '\n\r\n\n', 'empty-file'],
    ['an empty header row', ',,\n1,2,3\n', 'empty-header'],
    ['a column named twice', 'a,b,a\n1,2,3\n', 'duplicate-column'],
  ])('fails %s with a FileFormatError', async (_, csv, code) => {
    // Prepare
    const source = memoryByteSource(Buffer.from(csv));

    // Act
    const planning = planFile(source, CSV, { targetChunkBytes: 100 });

    // Assess
    await expect(planning).rejects.toBeInstanceOf(FileFormatError);
    await expect(planning).rejects.toMatchObject({ code });
  });

  it('names an unnamed column in a header _c{i}', async () => {
    // Prepare
    const csv = 'a,,c\n1,2,3\n';

    // Act
    const { plan } = await readFile(csv, CSV);

    // Assess
    expect(plan.columns).toEqual(['a', '_c1', 'c']);
  });

  it.each([
    [{ charset: 'klingon' }, 'unsupported-charset'],
    [{ delimiter: '||' }, 'unsupported-csv-option'],
    [{ delimiter: '§' }, 'unsupported-csv-option'],
    [{ delimiter: '"' }, 'unsupported-csv-option'],
  ])('refuses the options %o', async (options, code) => {
    // Prepare
    const source = memoryByteSource(Buffer.from('a\n1\n'));

    // Act
    const planning = planFile(source, { format: 'csv', ...options }, { targetChunkBytes: 100 });

    // Assess
    await expect(planning).rejects.toMatchObject({ name: 'FileFormatError', code });
  });

  it('reads a gzip CSV as one chunk, reading its header when planning', async () => {
    // Prepare
    const csv = `id,name\n${Array.from({ length: 500 }, (_, i) => `${i},"n\n${i}"`).join('\n')}\n`;

    // Act
    const { plan, rows } = await readFile(gzipSync(csv), CSV, { targetChunkBytes: 10, pieceBytes: 100 });

    // Assess
    expect(plan.compression).toBe('gzip');
    expect(plan.columns).toEqual(['id', 'name']);
    expect(plan.chunks).toHaveLength(1);
    expect(rows).toHaveLength(500);
    expect(rows[499]).toEqual({ line: 1000, row: 500, record: { id: '499', name: 'n\n499' } });
  });

  it('detects gzip by its magic bytes, whatever the name', async () => {
    // Prepare
    const looksGzip = Buffer.from([0x1f, 0x8b]);

    // Act
    const planning = planFile(memoryByteSource(looksGzip), CSV, { targetChunkBytes: 10 });

    // Assess
    await expect(planning).rejects.toMatchObject({ code: 'corrupt-gzip' });
  });

  it('yields the rows before a truncated gzip stream, then fails with corrupt-gzip', async () => {
    // Prepare
    const csv = `id\n${Array.from({ length: 20_000 }, (_, i) => String(i)).join('\n')}\n`;
    const gzip = gzipSync(csv);
    const source = memoryByteSource(gzip.subarray(0, Math.floor(gzip.length * 0.7)), { pieceBytes: 1024 });
    const plan = await planFile(source, CSV, { targetChunkBytes: 1000 });

    // Act
    const { items, error } = await collectUntilError(
      readChunk(source, CSV, plan, plan.chunks[0]!, { maxFieldsPerRow: 10 }),
    );

    // Assess
    expect(items.length).toBeGreaterThan(1000);
    expect(items.length).toBeLessThan(20_000);
    expect(items.map((row) => row.row)).toEqual(items.map((_, index) => index + 1));
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error).toMatchObject({ code: 'corrupt-gzip' });
  });

  it('stops a record that never ends before it exhausts memory', async () => {
    // Prepare
    const csv = `a\n"${'x'.repeat(MAX_RECORD_BYTES + 1)}`;

    // Act
    const reading = readFile(csv, CSV, { pieceBytes: 1024 * 1024 });

    // Assess
    await expect(reading).rejects.toMatchObject({ code: 'record-too-large' });
  });
});
