/**
 * File batches of every format over HTTP on the local runtime, each file sent plain and gzipped in the same batch:
 * JSON Lines, multi-line JSON, CSV (custom syntax, null marker, typed values, dotted columns) and Parquet, with good
 * and bad rows. The catalog's metrics and error codes, the exported failed rows (file, line, row, pointers) and the
 * lake (exactly the good rows, typed) are checked against what the files hold.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_GUARDRAILS } from '../../lambdas/core/batches/batch-guardrails';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import { BatchApi, errorCounts, inFileOrder, type UploadedFile } from '../support/batch-api';
import { ORDER_SCHEMA, ORDER_SCHEMA_ID, jsonLines, parquetFile, utf8 } from '../support/batch-files';
import { BatchStorage, sortedValues } from '../support/batch-lake';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

/** The format tests keep every good row whatever fails: the threshold has its own tests. */
const KEEP_GOOD_ROWS = 100;
const GZIP = 'application/gzip';

/** The same file twice in one batch: as is, and gzipped under the same name with `.gz`. */
const plainAndGzip = (path: string, text: string | Uint8Array): UploadedFile[] => [
  { path, bytes: text },
  { path: `${path}.gz`, bytes: gzipSync(text), contentType: GZIP },
];

/** A batch that kept its good rows: a success whose metrics count every file, byte and row exactly. */
function expectKeptGoodRows(
  batch: FileBatchView,
  files: readonly UploadedFile[],
  rows: { input: number; output: number; failed: number },
): void {
  expect(batch.status).toBe('success');
  expect(batch.metrics).toEqual({
    inputFileCount: files.length,
    inputByteSize: sizeOf(files),
    inputRecordCount: rows.input,
    outputRecordCount: rows.output,
    failedRecordCount: rows.failed,
    discardedRecordCount: 0,
    profileErrorCount: 0,
  });
}

const sizeOf = (files: readonly UploadedFile[]) =>
  files.reduce(
    (total, file) => total + (typeof file.bytes === 'string' ? utf8(file.bytes) : file.bytes).length,
    0,
  );

describe('file batches of every format on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let storage: BatchStorage;
  let datasetCount = 0;

  const newDataset = () => api.createDataset(`orders ${(datasetCount += 1)}`, ORDER_SCHEMA_ID);

  /** What a test reads back of an ingested batch: its failed rows in file order, and its rows in the lake. */
  const readBack = async (datasetId: string, batchId: string) => ({
    failed: inFileOrder(await api.failedRows(batchId)),
    lake: await storage.lakeRows(datasetId, batchId),
  });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    storage = new BatchStorage(subject);
    await api.createSchema(ORDER_SCHEMA);
  });
  afterAll(async () => {
    storage.destroy();
    await subject.stop();
  });

  it('JSON Lines: counts every row, reports each bad one by line and row, and lakes exactly the good ones', async () => {
    // Prepare: one blank line (not a row), then four kinds of bad rows among three good ones
    const j1 = {
      orderId: 'j1',
      quantity: 2,
      price: 9.5,
      gift: true,
      customer: { name: 'Ann', city: 'Oslo' },
    };
    const tooWide: Record<string, unknown> = { orderId: 'wide', quantity: 1 };
    for (let field = 0; field < DEFAULT_BATCH_GUARDRAILS.maxFieldsPerRow; field += 1)
      tooWide[`f${field}`] = 0;
    const text = [
      JSON.stringify(j1),
      JSON.stringify({ orderId: 'j2', quantity: 1 }),
      '',
      JSON.stringify({ orderId: 'j3', quantity: 0 }),
      '{"orderId": "j4",',
      '[1,2]',
      JSON.stringify({ orderId: 'j5', quantity: '3' }),
      JSON.stringify(tooWide),
      JSON.stringify({ orderId: 'j6', quantity: 4, note: 'last' }),
      '',
    ].join('\n');
    const files = plainAndGzip('lines/orders.jsonl', text);
    const datasetId = await newDataset();

    // Act
    const batch = await api.ingest(
      { datasetId, inputFormat: { format: 'json' }, partialIngestionPercent: KEEP_GOOD_ROWS },
      files,
    );
    const { failed, lake } = await readBack(datasetId, batch.id);
    const preview = await api.send(`/batches/${batch.id}/datasets/${datasetId}/preview?nrow=2`);

    // Assess
    expectKeptGoodRows(batch, files, { input: 16, output: 6, failed: 10 });
    expect(errorCounts(batch)).toEqual({
      'schema-validation': 4,
      'malformed-json': 2,
      'not-an-object': 2,
      'too-many-fields': 2,
    });
    const expectedFailures = (file: string) => [
      { file, line: 4, row: 3, code: 'schema-validation', pointers: ['/quantity'], keywords: ['minimum'] },
      { file, line: 5, row: 4, code: 'malformed-json', pointers: [''], keywords: ['malformed-json'] },
      { file, line: 6, row: 5, code: 'not-an-object', pointers: [''], keywords: ['not-an-object'] },
      { file, line: 7, row: 6, code: 'schema-validation', pointers: ['/quantity'], keywords: ['type'] },
      { file, line: 8, row: 7, code: 'too-many-fields', pointers: [''], keywords: ['too-many-fields'] },
    ];
    expect(
      failed.map(({ file, line, row, code, violations }) => ({
        file,
        line,
        row,
        code,
        pointers: violations.map((violation) => violation.pointer),
        keywords: violations.map((violation) => violation.keyword),
      })),
    ).toEqual([...expectedFailures('lines/orders.jsonl'), ...expectedFailures('lines/orders.jsonl.gz')]);
    expect(failed[0]?.record).toEqual({ orderId: 'j3', quantity: 0 });
    expect(failed[1]?.raw).toBe('{"orderId": "j4",');
    expect(failed[2]?.raw).toBe('[1,2]');
    expect(sortedValues(lake, 'orderId')).toEqual(['j1', 'j1', 'j2', 'j2', 'j6', 'j6']);
    expect(lake.find((row) => row.record.orderId === 'j1')?.record).toEqual(j1);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
    expect(await storage.quarantined(datasetId, batch.id)).toHaveLength(10);
    expect(preview.status).toBe(200);
    expect((preview.body as { preview: { rows: unknown[] } }).preview.rows).toEqual([
      j1,
      { orderId: 'j2', quantity: 1 },
    ]);
  });

  it('multi-line JSON: reads each array element as a row, and stops at a syntax error keeping the rows before it', async () => {
    // Prepare
    const elements = [
      { orderId: 'k1', quantity: 1, customer: { name: 'Kim' } },
      { orderId: 'k2', quantity: -1 },
      'not a record',
      { orderId: 'k3', quantity: 2, gift: false },
      { quantity: 3 },
    ];
    const truncated = '[{"orderId":"k5","quantity":1},\n {"orderId":"k6","quantity":2},\n {"orderId": ';
    const files = [
      ...plainAndGzip('array/orders.json', JSON.stringify(elements, null, 2)),
      { path: 'array/truncated.json', bytes: truncated },
    ];
    const datasetId = await newDataset();

    // Act
    const batch = await api.ingest(
      {
        datasetId,
        inputFormat: { format: 'json', isMultiLineJson: true },
        partialIngestionPercent: KEEP_GOOD_ROWS,
      },
      files,
    );
    const { failed, lake } = await readBack(datasetId, batch.id);

    // Assess
    expectKeptGoodRows(batch, files, { input: 13, output: 6, failed: 7 });
    expect(errorCounts(batch)).toEqual({ 'schema-validation': 4, 'not-an-object': 2, 'malformed-json': 1 });
    const expectedFailures = (file: string) => [
      { file, row: 2, code: 'schema-validation', pointers: ['/quantity'] },
      { file, row: 3, code: 'not-an-object', pointers: [''] },
      { file, row: 5, code: 'schema-validation', pointers: ['/orderId'] },
    ];
    expect(
      failed.map(({ file, line, row, code, violations }) => ({
        file,
        ...(line === undefined ? {} : { line }),
        row,
        code,
        pointers: violations.map((violation) => violation.pointer),
      })),
    ).toEqual([
      ...expectedFailures('array/orders.json'),
      ...expectedFailures('array/orders.json.gz'),
      { file: 'array/truncated.json', row: 3, code: 'malformed-json', pointers: [''] },
    ]);
    expect(sortedValues(lake, 'orderId')).toEqual(['k1', 'k1', 'k3', 'k3', 'k5', 'k6']);
    expect(lake.find((row) => row.record.orderId === 'k1')?.record).toEqual(elements[0]);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
  });

  it('CSV with its own delimiter, quote, escape and null marker: typed values, nested columns, exact line numbers', async () => {
    // Prepare: line 7 holds a quoted line break, so the row after it starts on line 9
    const text = [
      'orderId;quantity;price;gift;customer.name;customer.city;note',
      "c1;3;12.50;true;'Smith; Ann';Oslo;'it\\'s a gift'",
      'c2;1;NULL;FALSE;Bob;;NULL',
      'c3;two;1.0;true;Cy;Rome;',
      'c4;1;2;yes;Di;Rome;x',
      'c5;1;2',
      "c6;4;0.25;false;'Multi",
      "Line';Paris;ok",
      ';1;1;true;Ed;;',
      "c8; 5 ;1e2;True;Flo;Oslo;'a;b'",
      '',
    ].join('\n');
    const files = plainAndGzip('orders.csv', text);
    const datasetId = await newDataset();
    const inputFormat = {
      format: 'csv',
      delimiter: ';',
      quote: "'",
      escape: '\\',
      nullMarker: 'NULL',
    } as const;

    // Act
    const batch = await api.ingest(
      { datasetId, inputFormat, partialIngestionPercent: KEEP_GOOD_ROWS },
      files,
    );
    const { failed, lake } = await readBack(datasetId, batch.id);

    // Assess
    expectKeptGoodRows(batch, files, { input: 16, output: 8, failed: 8 });
    expect(errorCounts(batch)).toEqual({ 'schema-validation': 6, 'malformed-csv': 2 });
    const expectedFailures = (file: string) => [
      { file, line: 4, row: 3, code: 'schema-validation', pointers: ['/quantity'] },
      { file, line: 5, row: 4, code: 'schema-validation', pointers: ['/gift'] },
      { file, line: 6, row: 5, code: 'malformed-csv', pointers: [''] },
      { file, line: 9, row: 7, code: 'schema-validation', pointers: ['/orderId'] },
    ];
    expect(
      failed.map(({ file, line, row, code, violations }) => ({
        file,
        line,
        row,
        code,
        pointers: violations.map((violation) => violation.pointer),
      })),
    ).toEqual([...expectedFailures('orders.csv'), ...expectedFailures('orders.csv.gz')]);
    expect(failed[0]?.record).toEqual({
      orderId: 'c3',
      quantity: 'two',
      price: 1,
      gift: true,
      customer: { name: 'Cy', city: 'Rome' },
    });
    const records = Object.fromEntries(lake.map((row) => [String(row.record.orderId), row.record]));
    expect(records).toEqual({
      c1: {
        orderId: 'c1',
        quantity: 3,
        price: 12.5,
        gift: true,
        customer: { name: 'Smith; Ann', city: 'Oslo' },
        note: "it's a gift",
      },
      c2: { orderId: 'c2', quantity: 1, gift: false, customer: { name: 'Bob' } },
      c6: {
        orderId: 'c6',
        quantity: 4,
        price: 0.25,
        gift: false,
        customer: { name: 'Multi\nLine', city: 'Paris' },
        note: 'ok',
      },
      c8: {
        orderId: 'c8',
        quantity: 5,
        price: 100,
        gift: true,
        customer: { name: 'Flo', city: 'Oslo' },
        note: 'a;b',
      },
    });
    expect(sortedValues(lake, 'orderId')).toEqual(['c1', 'c1', 'c2', 'c2', 'c6', 'c6', 'c8', 'c8']);
    // The typed lake columns hold the coerced values: INT64, DOUBLE and BOOLEAN, not text.
    const c1 = lake.find((row) => row.record.orderId === 'c1')?.columns;
    expect(c1).toMatchObject({ orderId: 'c1', quantity: 3n, price: 12.5, gift: true, note: "it's a gift" });
    expect(lake.find((row) => row.record.orderId === 'c2')?.columns).toMatchObject({
      price: null,
      gift: false,
    });
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
  });

  it('CSV with default syntax: doubled quotes, and a column given both as a value and as an object', async () => {
    // Prepare: `customer` and `customer.name` both given on row 2
    const text = [
      'orderId,quantity,customer,customer.name,note',
      'x1,1,,Ann,"say ""hi"""',
      'x2,2,VIP,Bob,plain',
      'x3,3,,"Lee, Jr.",',
    ].join('\r\n');
    const datasetId = await newDataset();

    // Act
    const batch = await api.ingest(
      { datasetId, inputFormat: { format: 'csv' }, partialIngestionPercent: 50 },
      [{ path: 'people.csv', bytes: text }],
    );
    const failed = await api.failedRows(batch.id);
    const lake = await storage.lakeRows(datasetId, batch.id);

    // Assess
    expect(batch.status).toBe('success');
    expect(batch.metrics).toMatchObject({ inputRecordCount: 3, outputRecordCount: 2, failedRecordCount: 1 });
    expect(errorCounts(batch)).toEqual({ 'column-conflict': 1 });
    expect(failed).toEqual([
      expect.objectContaining({ file: 'people.csv', line: 3, row: 2, code: 'column-conflict' }),
    ]);
    expect(lake.map((row) => row.record)).toEqual([
      { orderId: 'x1', quantity: 1, customer: { name: 'Ann' }, note: 'say "hi"' },
      { orderId: 'x3', quantity: 3, customer: { name: 'Lee, Jr.' } },
    ]);
  });

  it('Parquet, plain and gzipped: rows by number across row groups, values as the file typed them', async () => {
    // Prepare: five rows in row groups of two
    const bytes = parquetFile(
      [
        { name: 'orderId', data: ['p1', 'p2', null, 'p4', 'p5'], type: 'STRING', nullable: true },
        { name: 'quantity', data: [2, 0, 1, 5, 1], type: 'INT32' },
        { name: 'price', data: [1.5, 2.5, 3.5, 4.5, 5.5], type: 'DOUBLE' },
        { name: 'gift', data: [true, false, true, false, true], type: 'BOOLEAN' },
      ],
      2,
    );
    const files = [
      { path: 'orders.parquet', bytes, contentType: 'application/x-parquet' },
      { path: 'orders.parquet.gz', bytes: gzipSync(bytes), contentType: GZIP },
    ];
    const datasetId = await newDataset();

    // Act
    const batch = await api.ingest(
      { datasetId, inputFormat: { format: 'parquet' }, partialIngestionPercent: KEEP_GOOD_ROWS },
      files,
    );
    const { failed, lake } = await readBack(datasetId, batch.id);

    // Assess
    expectKeptGoodRows(batch, files, { input: 10, output: 6, failed: 4 });
    expect(errorCounts(batch)).toEqual({ 'schema-validation': 4 });
    const expectedFailures = (file: string) => [
      { file, row: 2, pointers: ['/quantity'] },
      { file, row: 3, pointers: ['/orderId'] },
    ];
    expect(
      failed.map(({ file, line, row, violations }) => ({
        file,
        ...(line === undefined ? {} : { line }),
        row,
        pointers: violations.map((violation) => violation.pointer),
      })),
    ).toEqual([...expectedFailures('orders.parquet'), ...expectedFailures('orders.parquet.gz')]);
    expect(sortedValues(lake, 'orderId')).toEqual(['p1', 'p1', 'p4', 'p4', 'p5', 'p5']);
    expect(lake.find((row) => row.record.orderId === 'p1')?.record).toEqual({
      orderId: 'p1',
      quantity: 2,
      price: 1.5,
      gift: true,
    });
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
  });

  it('fails a batch with an unreadable file by the format code, leaving nothing in the lake or staging', async () => {
    // Prepare: a gzip cut short, and a file that is not Parquet at all
    const datasetIds = [await newDataset(), await newDataset()];
    const gzip = gzipSync(
      jsonLines([
        { orderId: 'g1', quantity: 1 },
        { orderId: 'g2', quantity: 2 },
      ]),
    );

    // Act
    const [brokenGzip, notParquet] = await Promise.all([
      api.ingest({ datasetId: datasetIds[0]!, inputFormat: { format: 'json' } }, [
        { path: 'broken.jsonl.gz', bytes: gzip.subarray(0, gzip.length - 12), contentType: GZIP },
      ]),
      api.ingest({ datasetId: datasetIds[1]!, inputFormat: { format: 'parquet' } }, [
        { path: 'orders.parquet', bytes: 'orderId,quantity\np1,1\n' },
      ]),
    ]);

    // Assess
    expect(brokenGzip.status).toBe('failed');
    expect(brokenGzip.errors.map((error) => error.code)).toContain('corrupt-gzip');
    expect(notParquet.status).toBe('failed');
    expect(notParquet.errors.map((error) => error.code)).toContain('unreadable-parquet');
    for (const [index, batch] of [brokenGzip, notParquet].entries()) {
      expect(await storage.lakeKeys(datasetIds[index]!, batch.id)).toEqual([]);
      expect(await storage.stagingKeys(datasetIds[index]!)).toEqual([]);
    }
  });
});
