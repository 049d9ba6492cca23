/**
 * Attacks on the bounds of file uploads, over HTTP on the local runtime: a presigned upload URL used for more
 * bytes than it was asked for, used twice, or used after its batch was completed or aborted; and direct uploads too
 * large for API Gateway and Lambda, which must be told the way on (the upload URL route) rather than fail.
 */
import { describe, expect, it } from 'vitest';
import type { UploadUrl } from '../../lambdas/core/batches/uploads/upload-service';
import { UPLOAD_URL_ROUTE } from '../../lambdas/http/route-table';
import { OCTET_STREAM, expectProblem } from '../support/batch-api';
import { ORDER_SCHEMA_ID, jsonLines, utf8 } from '../support/batch-files';
import { sortedValues } from '../support/batch-lake';
import { useOrderRuntime } from '../support/order-runtime';

const JSON_LINES = { format: 'json' } as const;
/** Over the direct upload bound (4 MiB) but small enough that its invoke payload fits Lambda's 6 MB. */
const OVER_DIRECT_BOUND = 4_500_000;
/** Base64-encoded in the proxy event, more than Lambda's 6 MB invoke payload. */
const OVER_INVOKE_PAYLOAD = 5_000_000;

const orderLines = (prefix: string, count: number) =>
  utf8(jsonLines(Array.from({ length: count }, (_, i) => ({ orderId: `${prefix}-${i}`, quantity: i + 1 }))));

describe('upload bounds', () => {
  const runtime = useOrderRuntime();
  let datasetCount = 0;

  const newBatch = async () => {
    const datasetId = await runtime.api.createDataset(
      `bounded orders ${(datasetCount += 1)}`,
      ORDER_SCHEMA_ID,
    );
    const batchId = await runtime.api.createBatch({ datasetId, inputFormat: JSON_LINES });
    return { datasetId, batchId };
  };

  const uploadUrl = async (batchId: string, datasetId: string, path: string, sizeInBytes: number) => {
    const granted = await runtime.api.fileAction(batchId, datasetId, path, 'UPLOAD_URL', { sizeInBytes });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    return granted.body as UploadUrl;
  };

  /** A PUT through the URL with its headers and `body`: the length sent is the body's, as any HTTP client sends it. */
  const putThrough = (grant: UploadUrl, body: Uint8Array) => {
    const headers = Object.fromEntries(
      Object.entries(grant.headers).filter(([name]) => name !== 'content-length'),
    );
    return fetch(grant.url, { method: grant.method, headers, body });
  };

  it('an upload URL signs the size asked for: more bytes through it are refused and nothing arrives', async () => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const declared = orderLines('small', 2);
    const grant = await uploadUrl(batchId, datasetId, 'orders.jsonl', declared.length);

    // Act
    const larger = await putThrough(grant, orderLines('large', 2_000));
    const received = await runtime.api.headFile(batchId, datasetId, 'orders.jsonl');

    // Assess
    expect(larger.status).toBe(403);
    expect(await larger.text()).toContain('SignatureDoesNotMatch');
    expect(received.headers.get('x-file-state')).toBe('presigned');
    expect(received.headers.get('range')).toBeNull();
    expect(received.headers.get('x-expected-length')).toBe(String(declared.length));
  });

  it('an upload URL is short-lived (15 minutes) and bounded by what the batch may still take', async () => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const before = Date.now();

    // Act
    const grant = await uploadUrl(batchId, datasetId, 'a.jsonl', 10);
    const tooLarge = await runtime.api.fileAction(batchId, datasetId, 'b.jsonl', 'UPLOAD_URL', {
      sizeInBytes: 6 * 1024 ** 3,
    });
    const unsized = await runtime.api.fileAction(batchId, datasetId, 'c.jsonl', 'UPLOAD_URL');

    // Assess
    expect(new URL(grant.url).searchParams.get('X-Amz-Expires')).toBe('900');
    expect(Date.parse(grant.expiresAt) - before).toBeLessThanOrEqual(900_000 + 60_000);
    expect(grant.headers).toEqual({ 'content-length': '10', 'if-none-match': '*' });
    expectProblem(tooLarge, 413, 'payload-too-large');
    expectProblem(unsized, 400, 'validation-failed', ['/sizeInBytes']);
  });

  it('an upload URL writes once: a second upload through it is refused and the file keeps the first', async () => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const first = orderLines('first', 3);
    const grant = await uploadUrl(batchId, datasetId, 'orders.jsonl', first.length);
    const uploaded = await putThrough(grant, first);

    // Act
    const again = await putThrough(grant, orderLines('again', 3));

    // Assess
    expect(uploaded.status).toBe(200);
    expect(again.status).toBe(412);
    expect(await again.text()).toContain('PreconditionFailed');
  });

  it('after COMPLETE, a late upload through the batch URL is refused and the batch holds what arrived in time', async () => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const inTime = orderLines('in-time', 3);
    const grant = await uploadUrl(batchId, datasetId, 'orders.jsonl', inTime.length);
    expect((await putThrough(grant, inTime)).status).toBe(200);
    expect((await runtime.api.action(batchId, 'COMPLETE')).status).toBe(200);

    // Act
    const late = await putThrough(grant, orderLines('late-00', 3));
    const batch = await runtime.api.waitForBatch(batchId);
    const lake = await runtime.storage.lakeRows(datasetId, batchId);

    // Assess
    expect(late.status).toBe(412);
    expect(batch.status).toBe('success');
    expect(sortedValues(lake, 'orderId')).toEqual(['in-time-0', 'in-time-1', 'in-time-2']);
  });

  it.each([['ABORT'], ['FAIL']])('after %s, an upload URL not yet used is refused', async (action) => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const bytes = orderLines('late', 3);
    const grant = await uploadUrl(batchId, datasetId, 'orders.jsonl', bytes.length);
    expect((await runtime.api.action(batchId, action)).status).toBe(200);

    // Act
    const late = await putThrough(grant, bytes);

    // Assess
    expect(late.status).toBe(412);
  });

  it('an upload URL replaced by a new one for the same file is refused', async () => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    const bytes = orderLines('stale', 3);
    const stale = await uploadUrl(batchId, datasetId, 'orders.jsonl', bytes.length);
    await uploadUrl(batchId, datasetId, 'orders.jsonl', bytes.length);

    // Act
    const late = await putThrough(stale, bytes);

    // Assess
    expect(late.status).toBe(412);
  });

  it.each([
    ['a whole file (PUT) over the direct upload bound', 'PUT', OVER_DIRECT_BOUND],
    ['a range (PATCH) over the direct upload bound', 'PATCH', OVER_DIRECT_BOUND],
    ["a whole file (PUT) over Lambda's invoke payload", 'PUT', OVER_INVOKE_PAYLOAD],
    ["a range (PATCH) over Lambda's invoke payload", 'PATCH', OVER_INVOKE_PAYLOAD],
  ])('%s answers 413 naming the upload URL route', async (_name, method, size) => {
    // Prepare
    const { batchId, datasetId } = await newBatch();
    if (method === 'PATCH') await runtime.api.fileAction(batchId, datasetId, 'big.jsonl', 'INITIALIZE');

    // Act
    const answer = await runtime.api.send(runtime.api.filePath(batchId, datasetId, 'big.jsonl'), {
      method,
      body: Buffer.alloc(size, 'x'),
      headers: {
        'content-type': OCTET_STREAM,
        ...(method === 'PATCH' ? { 'content-range': `bytes 0-${size - 1}/${size}` } : {}),
      },
    });
    const received = await runtime.api.headFile(batchId, datasetId, 'big.jsonl');

    // Assess
    expectProblem(answer, 413, 'payload-too-large');
    expect((answer.body as { detail: string }).detail).toContain(UPLOAD_URL_ROUTE);
    expect(received.status).toBe(method === 'PATCH' ? 200 : 404);
    expect(received.headers.get('range')).toBeNull();
  });
});
