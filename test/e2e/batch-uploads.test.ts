/**
 * How files reach a batch over HTTP on the local runtime, and what bad requests answer: a ranged upload interrupted
 * and resumed by another client (HEAD tells what arrived; a gap or an overlap is refused at COMPLETE), a presigned
 * upload URL, and files dropped into the landing bucket, which become batches with no API call at all (each read
 * at the version dropped).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import type { UploadUrl as UploadUrlAnswer } from '../../lambdas/core/batches/uploads/upload-service';
import { BatchApi, OCTET_STREAM, eventually, expectProblem, isDecided } from '../support/batch-api';
import { ORDER_SCHEMA, ORDER_SCHEMA_ID, jsonLines, parquetFile, utf8 } from '../support/batch-files';
import { BatchStorage, sortedValues } from '../support/batch-lake';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const JSON_LINES = { format: 'json' } as const;

const orders = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({
    orderId: `${prefix}-${String(i).padStart(2, '0')}`,
    quantity: i + 1,
  }));

describe('uploads, file drops and bad requests of the batch API on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let storage: BatchStorage;
  let datasetCount = 0;

  const newDataset = () => api.createDataset(`orders ${(datasetCount += 1)}`, ORDER_SCHEMA_ID);
  const newClient = () => new BatchApi(subject.runtime.url, subject.runtime.adminKey);

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = newClient();
    storage = new BatchStorage(subject);
    await api.createSchema(ORDER_SCHEMA);
  });
  afterAll(async () => {
    storage.destroy();
    await subject.stop();
  });

  it('resumes a ranged upload after an interruption: HEAD shows what arrived, the missing range completes it', async () => {
    // Prepare: 30 rows cut into three byte ranges that split lines anywhere
    const datasetId = await newDataset();
    const bytes = utf8(jsonLines(orders(30, 'r')));
    const total = bytes.length;
    const [a, b] = [Math.floor(total / 3), Math.floor((2 * total) / 3)];
    const path = 'ranged/orders.jsonl';
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    const initialized = await api.fileAction(batchId, datasetId, path, 'INITIALIZE');
    const first = await api.patchRange(batchId, datasetId, path, bytes, { start: 0, end: a, total });
    const third = await api.patchRange(batchId, datasetId, path, bytes, { start: b, end: total, total });

    // Act: a new client, which knows only the batch, the dataset and the path
    const resumed = newClient();
    const received = await resumed.headFile(batchId, datasetId, path);
    const gap = await resumed.fileAction(batchId, datasetId, path, 'COMPLETE');
    const earlyBatchComplete = await resumed.action(batchId, 'COMPLETE');
    const second = await resumed.patchRange(batchId, datasetId, path, bytes, { start: a, end: b, total });
    const whole = await resumed.headFile(batchId, datasetId, path);
    const fileComplete = await resumed.fileAction(batchId, datasetId, path, 'COMPLETE');
    const batchComplete = await resumed.action(batchId, 'COMPLETE');
    const batch = await resumed.waitForBatch(batchId);
    const lake = await storage.lakeRows(datasetId, batchId);

    // Assess
    expect(initialized.status).toBe(201);
    expect([first.status, third.status]).toEqual([200, 200]);
    expect(third.body).toMatchObject({
      ranges: [
        { start: 0, end: a - 1 },
        { start: b, end: total - 1 },
      ],
    });
    expect(received.status).toBe(200);
    expect(received.headers.get('range')).toBe(`bytes=0-${a - 1},${b}-${total - 1}`);
    expect(received.headers.get('x-expected-length')).toBe(String(total));
    expectProblem(gap, 400, 'upload-gap');
    expect((gap.body as { detail: string }).detail).toContain(`bytes ${a}-${b - 1}`);
    expectProblem(earlyBatchComplete, 400, 'incomplete-files');
    expect(second.status).toBe(200);
    expect(whole.headers.get('range')).toBe(`bytes=0-${total - 1}`);
    expect(fileComplete.status).toBe(200);
    expect(fileComplete.body).toEqual({ name: path, sizeInBytes: total });
    expect(batchComplete.status).toBe(200);
    expect(batch.status).toBe('success');
    expect(batch.metrics).toEqual({
      inputFileCount: 1,
      inputByteSize: total,
      inputRecordCount: 30,
      outputRecordCount: 30,
      failedRecordCount: 0,
      discardedRecordCount: 0,
      profileErrorCount: 0,
    });
    expect(sortedValues(lake, 'orderId')).toEqual(orders(30, 'r').map((order) => order.orderId));
  });

  it('refuses overlapping ranges at COMPLETE (400 upload-overlap); the file sent whole then replaces them', async () => {
    // Prepare
    const datasetId = await newDataset();
    const bytes = utf8(jsonLines(orders(4, 'o')));
    const total = bytes.length;
    const path = 'overlap.jsonl';
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    await api.fileAction(batchId, datasetId, path, 'INITIALIZE');
    await api.patchRange(batchId, datasetId, path, bytes, { start: 0, end: 20, total });
    await api.patchRange(batchId, datasetId, path, bytes, { start: 10, end: total, total });

    // Act
    const overlap = await api.fileAction(batchId, datasetId, path, 'COMPLETE');
    const replaced = await api.putFile(batchId, datasetId, { path, bytes });
    await api.action(batchId, 'COMPLETE');
    const batch = await api.waitForBatch(batchId);

    // Assess
    expectProblem(overlap, 400, 'upload-overlap');
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ path, sizeInBytes: total });
    expect(batch.status).toBe('success');
    expect(batch.metrics).toMatchObject({ inputRecordCount: 4, outputRecordCount: 4, inputByteSize: total });
  });

  it('takes a file through a presigned upload URL', async () => {
    // Prepare
    const datasetId = await newDataset();
    const bytes = parquetFile(
      [
        { name: 'orderId', data: ['u1', 'u2', 'u3'], type: 'STRING' },
        { name: 'quantity', data: [1, 2, 3], type: 'INT32' },
      ],
      3,
    );
    const batchId = await api.createBatch({ datasetId, inputFormat: { format: 'parquet' } });

    // Act
    const granted = await api.fileAction(batchId, datasetId, 'big/orders.parquet', 'UPLOAD_URL', {
      sizeInBytes: bytes.length,
    });
    const { url, method, headers } = granted.body as UploadUrlAnswer;
    const uploaded = await fetch(url, { method, headers, body: bytes });
    const completed = await api.action(batchId, 'COMPLETE');
    const batch = await api.waitForBatch(batchId);
    const lake = await storage.lakeRows(datasetId, batchId);

    // Assess
    expect(granted.status).toBe(200);
    expect(method).toBe('PUT');
    expect(uploaded.status).toBe(200);
    expect(completed.status).toBe(200);
    expect(batch.status).toBe('success');
    expect(batch.metrics).toEqual({
      inputFileCount: 1,
      inputByteSize: bytes.length,
      inputRecordCount: 3,
      outputRecordCount: 3,
      failedRecordCount: 0,
      discardedRecordCount: 0,
      profileErrorCount: 0,
    });
    expect(lake.map((row) => row.record)).toEqual([
      { orderId: 'u1', quantity: 1 },
      { orderId: 'u2', quantity: 2 },
      { orderId: 'u3', quantity: 3 },
    ]);
  });

  it('turns each file dropped into the landing bucket into a batch of its own, with no API call', async () => {
    // Prepare
    const datasetId = await newDataset();
    const parquet = parquetFile(
      [
        { name: 'orderId', data: ['d-pq-1', 'd-pq-2'], type: 'STRING' },
        { name: 'quantity', data: [1, 2], type: 'INT32' },
      ],
      2,
    );
    const drops: Record<string, { body: Uint8Array | string; rows: string[] }> = {
      'drops/orders.tsv': {
        body: 'orderId\tquantity\nd-tsv-1\t1\nd-tsv-2\t2\n',
        rows: ['d-tsv-1', 'd-tsv-2'],
      },
      'drops/orders.json': {
        body: JSON.stringify([{ orderId: 'd-arr-1', quantity: 1 }], null, 2),
        rows: ['d-arr-1'],
      },
      'drops/2026/03/orders.jsonl.gz': {
        body: gzipSync(jsonLines(orders(3, 'd-gz'))),
        rows: ['d-gz-00', 'd-gz-01', 'd-gz-02'],
      },
      'drops/orders.parquet': { body: parquet, rows: ['d-pq-1', 'd-pq-2'] },
      'drops/array.json.gz': {
        body: gzipSync(
          JSON.stringify(
            [
              { orderId: 'd-arr-gz-1', quantity: 1 },
              { orderId: 'd-arr-gz-2', quantity: 2 },
            ],
            null,
            2,
          ),
        ),
        rows: ['d-arr-gz-1', 'd-arr-gz-2'],
      },
      'drops/readme.txt': { body: 'not data', rows: [] },
    };

    // Act
    const keys = await Promise.all(
      Object.entries(drops).map(([path, drop]) => storage.drop(datasetId, path, drop.body)),
    );
    const batches = await eventually(
      () => api.batchesOf(datasetId),
      (items) => items.length === keys.length && items.every(isDecided),
    );

    // Assess
    const byKey = new Map<string, FileBatchView>(
      batches.map((item) => [(item.origin as { key: string }).key, item]),
    );
    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    for (const [path, drop] of Object.entries(drops)) {
      const batch = byKey.get(`landing/prod/${datasetId}/${path}`)!;
      expect(batch.origin).toEqual({ kind: 'file-drop', key: `landing/prod/${datasetId}/${path}` });
      if (drop.rows.length === 0) {
        expect(batch.status).toBe('failed');
        expect(batch.errors.map((error) => error.code)).toEqual(['unsupported-file-type']);
        continue;
      }
      expect(batch.status, path).toBe('success');
      expect(batch.metrics, path).toMatchObject({
        inputFileCount: 1,
        inputRecordCount: drop.rows.length,
        outputRecordCount: drop.rows.length,
        failedRecordCount: 0,
      });
      expect(sortedValues(await storage.lakeRows(datasetId, batch.id), 'orderId'), path).toEqual(drop.rows);
    }
  });

  it('reads each write of a dropped file as written, and makes no second batch of the same content dropped again', async () => {
    // Prepare: a file dropped, overwritten at once with other rows, then dropped again as first written
    const datasetId = await newDataset();
    const first = jsonLines(orders(3, 'v1'));
    const second = jsonLines(orders(1, 'v2'));

    // Act
    await storage.drop(datasetId, 'orders.jsonl', first);
    await storage.drop(datasetId, 'orders.jsonl', second);
    await storage.drop(datasetId, 'orders.jsonl', first);
    const batches = await eventually(
      () => api.batchesOf(datasetId),
      (items) => items.length >= 2 && items.every(isDecided),
    );

    // Assess
    expect(batches).toHaveLength(2);
    const rows = await Promise.all(
      batches.map(async (batch) => sortedValues(await storage.lakeRows(datasetId, batch.id), 'orderId')),
    );
    expect(batches.map((batch) => batch.status)).toEqual(['success', 'success']);
    expect(rows.sort()).toEqual([['v1-00', 'v1-01', 'v1-02'], ['v2-00']]);
  });

  it('previews the first rows of a loading batch, in its own format or in one the query names', async () => {
    // Prepare
    const datasetId = await newDataset();
    const batchId = await api.createBatch({ datasetId, inputFormat: { format: 'csv', delimiter: ';' } });
    await api.putFile(batchId, datasetId, {
      path: 'orders.csv',
      bytes: 'orderId;quantity\np-1;1\np-2;2\np-3;3\n',
    });
    const preview = (query: string) => api.send(`/batches/${batchId}/datasets/${datasetId}/preview${query}`);
    type Preview = { formatParams: unknown; preview: { columns: unknown; rows: unknown } };

    // Act
    const own = await preview('?nrow=2');
    const asComma = await preview('?format=csv');
    const tooMany = await preview('?nrow=1000');

    // Assess
    expect(own.status).toBe(200);
    expect((own.body as Preview).formatParams).toEqual({ format: 'csv', delimiter: ';' });
    expect((own.body as Preview).preview.columns).toEqual([
      { cid: 0, name: 'orderId' },
      { cid: 1, name: 'quantity' },
    ]);
    expect((own.body as Preview).preview.rows).toEqual([
      { orderId: 'p-1', quantity: '1' },
      { orderId: 'p-2', quantity: '2' },
    ]);
    expect((asComma.body as Preview).preview.columns).toEqual([{ cid: 0, name: 'orderId;quantity' }]);
    expectProblem(tooMany, 400, 'invalid-query', ['/nrow']);
    expect((await api.batch(batchId)).status).toBe('loading');
  });

  it('answers bad requests with problem+json', async () => {
    // Prepare
    const datasetId = await newDataset();
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    const file = (path: string) => api.filePath(batchId, datasetId, path);

    // Act
    const textPlain = await api.putFile(batchId, datasetId, {
      path: 'a.jsonl',
      bytes: '{}',
      contentType: 'text/plain',
    });
    const leadingSlash = await api.send(file('/a.jsonl'), {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': OCTET_STREAM },
    });
    const emptySegment = await api.send(file('a//b.jsonl'), {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': OCTET_STREAM },
    });
    const encodedTraversal = await api.send(file('a%2F..%2Fb.jsonl'), {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': OCTET_STREAM },
    });
    const spaced = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    const encodedSpace = await api.send(api.filePath(spaced, datasetId, 'my%20file.jsonl'), {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': OCTET_STREAM },
    });
    const noContentRange = await api.send(file('a.jsonl'), {
      method: 'PATCH',
      body: '{}',
      headers: { 'content-type': OCTET_STREAM },
    });
    const unknownBatchAction = await api.action(batchId, 'FINISH');
    const unknownFileAction = await api.fileAction(batchId, datasetId, 'a.jsonl', 'FINISH');
    const noFiles = await api.action(batchId, 'COMPLETE');
    const unknownDataset = await api.createBatchAnswer({
      datasetId: '0123456789abcdef01234567',
      inputFormat: JSON_LINES,
    });
    const unknownFormat = await api.createBatchAnswer({ datasetId, inputFormat: { format: 'xml' } });
    const clashingQuote = await api.createBatchAnswer({
      datasetId,
      inputFormat: { format: 'csv', delimiter: ';', quote: ';' },
    });
    const unknownBatch = await api.send('/catalog/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV');

    // Assess
    expectProblem(textPlain, 415, 'unsupported-media-type');
    expectProblem(leadingSlash, 400, 'invalid-file-path', ['/filePath']);
    expectProblem(emptySegment, 400, 'invalid-file-path', ['/filePath']);
    expectProblem(encodedTraversal, 400, 'invalid-file-path', ['/filePath']);
    expect(encodedSpace.status).toBe(201);
    expect((encodedSpace.body as { path: string }).path).toBe('my file.jsonl');
    expectProblem(noContentRange, 400, 'invalid-content-range', ['/headers/content-range']);
    expectProblem(unknownBatchAction, 400, 'invalid-action', ['/action']);
    expectProblem(unknownFileAction, 400, 'invalid-action', ['/action']);
    expectProblem(noFiles, 400, 'no-files');
    expectProblem(unknownDataset, 422, 'dataset-not-found', ['/datasetId']);
    expectProblem(unknownFormat, 400, 'validation-failed', ['/inputFormat/format']);
    expectProblem(clashingQuote, 400, 'validation-failed', ['/inputFormat/quote']);
    expectProblem(unknownBatch, 404, 'not-found');
    expect((await api.batch(batchId)).status).toBe('loading');
    expect((await api.send(`/catalog/batches?datasetId=${datasetId}&status=loading`)).status).toBe(200);
  });
});
