import { describe, expect, it } from 'vitest';
import type { UploadService } from '../../../../lambdas/core/batches/uploads/upload-service';
import {
  BATCH_ID,
  DATASET_ID,
  failureOf,
  fileBatch,
  readAll,
  SANDBOX,
  uploadWorld,
} from '../../../support/memory-uploads';

const KEY_PREFIX = `uploads/${SANDBOX}/${BATCH_ID}/${DATASET_ID}`;
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('UploadService: every operation checks the batch', () => {
  type Operation = (service: UploadService, batchId: string, datasetId: string) => Promise<unknown>;
  const operations: [string, Operation][] = [
    [
      'putFile',
      (service, batchId, datasetId) => service.putFile(SANDBOX, batchId, datasetId, 'a.json', bytes('{}')),
    ],
    [
      'initialize',
      (service, batchId, datasetId) => service.initialize(SANDBOX, batchId, datasetId, 'a.json'),
    ],
    [
      'patch',
      (service, batchId, datasetId) =>
        service.patch(SANDBOX, batchId, datasetId, 'a.json', 'bytes 0-1/2', bytes('{}')),
    ],
    [
      'receivedRanges',
      (service, batchId, datasetId) => service.receivedRanges(SANDBOX, batchId, datasetId, 'a.json'),
    ],
    [
      'completeFile',
      (service, batchId, datasetId) => service.completeFile(SANDBOX, batchId, datasetId, 'a.json'),
    ],
    [
      'uploadUrl',
      (service, batchId, datasetId) => service.uploadUrl(SANDBOX, batchId, datasetId, 'a.json', 2),
    ],
  ];

  it.each(operations)('%s: 404 for an unknown batch', async (_name, operation) => {
    // Prepare
    const world = uploadWorld();

    // Act
    const failure = await failureOf(operation(world.service, 'no-such-batch', DATASET_ID));

    // Assess
    expect(failure).toMatchObject({
      kind: 'not-found',
      code: 'not-found',
      message: expect.stringContaining('batch') as unknown,
    });
  });

  it.each(operations)('%s: 409 batch-not-loading naming the status', async (_name, operation) => {
    // Prepare
    const world = uploadWorld();
    world.batches.add(fileBatch({ status: 'staging' }));

    // Act
    const failure = await failureOf(operation(world.service, BATCH_ID, DATASET_ID));

    // Assess
    expect(failure).toMatchObject({
      kind: 'conflict',
      code: 'batch-not-loading',
      message: expect.stringContaining('staging') as unknown,
    });
  });

  it.each(operations)('%s: 400 dataset-mismatch for another dataset', async (_name, operation) => {
    // Prepare
    const world = uploadWorld();

    // Act
    const failure = await failureOf(operation(world.service, BATCH_ID, 'other-dataset'));

    // Assess
    expect(failure).toMatchObject({
      kind: 'invalid',
      code: 'dataset-mismatch',
      violations: [expect.objectContaining({ pointer: '/datasetId' })],
    });
  });

  it('refuses a bad path, and a path whose storage keys would be too long', async () => {
    // Prepare
    const world = uploadWorld();
    // 1,000 bytes: a valid path, but URI-encoded into the part sort key it passes DynamoDB's 1,024 bytes.
    const longPath = 'a b'.repeat(333) + 'x';

    // Act
    const dotted = await failureOf(
      world.service.putFile(SANDBOX, BATCH_ID, DATASET_ID, '../a.json', bytes('{}')),
    );
    const tooLong = await failureOf(
      world.service.putFile(SANDBOX, BATCH_ID, DATASET_ID, longPath, bytes('{}')),
    );

    // Assess
    expect(dotted).toMatchObject({ kind: 'invalid', code: 'invalid-file-path' });
    expect(tooLong).toMatchObject({
      kind: 'invalid',
      code: 'invalid-file-path',
      message: expect.stringContaining('too long') as unknown,
    });
    expect(world.objects.objects.size).toBe(0);
  });
});

describe('UploadService: whole files', () => {
  it('stores the file at its upload key, then replaces it idempotently', async () => {
    // Prepare
    const { service, objects, store } = uploadWorld();

    // Act
    const first = await service.putFile(
      SANDBOX,
      BATCH_ID,
      DATASET_ID,
      'year=2024/a.json',
      bytes('{"a":1}\n'),
    );
    const again = await service.putFile(
      SANDBOX,
      BATCH_ID,
      DATASET_ID,
      'year=2024/a.json',
      bytes('{"a":2}\n{}\n'),
    );

    // Assess
    const key = `${KEY_PREFIX}/year=2024/a.json`;
    expect(first.created).toBe(true);
    expect(again).toEqual({
      created: false,
      file: {
        datasetId: DATASET_ID,
        path: 'year=2024/a.json',
        state: 'complete',
        size: 11,
        parts: [{ key, start: 0, end: 11, versionId: 'v2' }],
        updatedAt: '2024-06-01T12:00:00.000Z',
      },
    });
    expect(objects.objects.get(key)?.toString()).toBe('{"a":2}\n{}\n');
    expect(await store.listFiles(SANDBOX, BATCH_ID)).toHaveLength(1);
  });

  it('replaces the parts of an earlier ranged upload of the path, objects and items', async () => {
    // Prepare
    const { service, objects, store } = uploadWorld();
    const ref = { sandbox: SANDBOX, batchId: BATCH_ID, datasetId: DATASET_ID, path: 'big.json' };
    await service.initialize(SANDBOX, BATCH_ID, DATASET_ID, 'big.json');
    await service.patch(SANDBOX, BATCH_ID, DATASET_ID, 'big.json', 'bytes 0-2/6', bytes('abc'));

    // Act
    const put = await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'big.json', bytes('whole'));

    // Assess
    expect(put.created).toBe(false);
    expect(await store.listParts(ref)).toEqual([]);
    expect([...objects.objects.keys()]).toEqual([`${KEY_PREFIX}/big.json`]);
    expect(await service.receivedRanges(SANDBOX, BATCH_ID, DATASET_ID, 'big.json')).toEqual({
      state: 'complete',
      ranges: [{ start: 0, end: 5 }],
      receivedBytes: 5,
      expectedSize: 5,
    });
  });

  it('stores an empty file (the workflow reports it)', async () => {
    // Prepare
    const { service, objects } = uploadWorld();

    // Act
    const { file } = await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'empty.json', new Uint8Array());

    // Assess
    expect(file).toMatchObject({ state: 'complete', size: 0 });
    expect(objects.objects.get(`${KEY_PREFIX}/empty.json`)).toEqual(Buffer.alloc(0));
    expect(await readAll(objects.byteSource(file.parts, file.size))).toBe('');
  });
});

describe('UploadService: guardrails', () => {
  it('refuses a new path beyond the files limit, but still replaces an existing one', async () => {
    // Prepare
    const { service } = uploadWorld({ maxFilesPerBatch: 2 });
    await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('{}'));
    await service.initialize(SANDBOX, BATCH_ID, DATASET_ID, 'b.json');

    // Act
    const third = await failureOf(service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'c.json', bytes('{}')));
    const thirdRanged = await failureOf(service.initialize(SANDBOX, BATCH_ID, DATASET_ID, 'c.json'));
    const thirdPresigned = await failureOf(service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'c.json', 2));
    const replaced = await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('{"x":1}'));

    // Assess
    const problem = {
      kind: 'invalid',
      code: 'too-many-files',
      message: 'Batch ingestion guardrails hit: 3 files (over the 2 threshold)',
    };
    expect([third, thirdRanged, thirdPresigned]).toEqual([
      expect.objectContaining(problem),
      expect.objectContaining(problem),
      expect.objectContaining(problem),
    ]);
    expect(replaced.created).toBe(false);
  });

  it('refuses bytes beyond the batch limit with 413, counting what a replaced file held only once', async () => {
    // Prepare
    const { service } = uploadWorld({ maxBytesPerBatch: 10 });
    await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('123456'));

    // Act
    const over = await failureOf(service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'b.json', bytes('12345')));
    const replaced = await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('1234567890'));

    // Assess
    expect(over).toMatchObject({
      kind: 'too-large',
      code: 'batch-too-large',
      message: 'Batch ingestion guardrails hit: 11 bytes (over the 10 threshold)',
    });
    expect(replaced.file.size).toBe(10);
  });
});

describe('UploadService: upload URLs and the files of a batch COMPLETE', () => {
  it('hands out a presigned PUT URL of a key of its own, valid 15 minutes by default, signing the size and one write', async () => {
    // Prepare
    const { service, objects, store } = uploadWorld();
    const ref = { sandbox: SANDBOX, batchId: BATCH_ID, datasetId: DATASET_ID, path: 'huge.parquet' };

    // Act
    const upload = await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'huge.parquet', 5_000_000);

    // Assess
    const key = objects.presigned[0]?.key ?? '';
    expect(key).toMatch(new RegExp(`^${KEY_PREFIX}/huge\\.parquet\\.parts/url-[0-9a-f]{16}$`));
    expect(upload).toEqual({
      url: `https://landing.example/${key}?X-Amz-Expires=900`,
      method: 'PUT',
      expiresAt: '2024-06-01T12:15:00.000Z',
      headers: { 'content-length': '5000000', 'if-none-match': '*' },
    });
    expect(objects.presigned).toEqual([{ key, expiresInSeconds: 900, sizeInBytes: 5_000_000 }]);
    expect(await store.getFile(ref)).toMatchObject({
      state: 'presigned',
      parts: [{ key }],
      expectedSize: 5_000_000,
    });
  });

  it('drops what the path held before, so an old object cannot pass for the upload', async () => {
    // Prepare
    const { service } = uploadWorld();
    await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('old'));

    // Act
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', 3);
    const completion = await failureOf(service.filesForCompletion(SANDBOX, BATCH_ID));

    // Assess
    expect(completion).toMatchObject({ kind: 'invalid', code: 'incomplete-files' });
  });

  it('refuses COMPLETE while files are unfinished, naming each, then returns them complete and sorted', async () => {
    // Prepare
    const { service, objects } = uploadWorld();
    await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'z.json', bytes('{}'));
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'm/huge.json', 12);
    await service.initialize(SANDBOX, BATCH_ID, DATASET_ID, 'a.json');

    // Act
    const early: unknown = await service
      .filesForCompletion(SANDBOX, BATCH_ID)
      .catch((error: unknown) => error);
    await objects.put(objects.presigned[0]?.key ?? '', bytes('{"big":true}'));
    await service.patch(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', 'bytes 0-1/2', bytes('{}'));
    await service.completeFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json');
    const files = await service.filesForCompletion(SANDBOX, BATCH_ID);

    // Assess
    expect(early).toMatchObject({
      kind: 'invalid',
      code: 'incomplete-files',
      violations: [
        expect.objectContaining({
          pointer: '/files/m~1huge.json',
          message: 'nothing was uploaded to the upload URL',
        }),
        expect.objectContaining({
          pointer: '/files/a.json',
          message: expect.stringContaining('COMPLETE') as unknown,
        }) as unknown,
      ],
    });
    expect(files.map((file) => [file.path, file.state, file.size])).toEqual([
      ['a.json', 'complete', 2],
      ['m/huge.json', 'complete', 12],
      ['z.json', 'complete', 2],
    ]);
    expect(await service.receivedRanges(SANDBOX, BATCH_ID, DATASET_ID, 'm/huge.json')).toMatchObject({
      state: 'complete',
      receivedBytes: 12,
    });
  });

  it('refuses COMPLETE of a batch without files', async () => {
    // Prepare
    const { service } = uploadWorld();

    // Act
    const completion = await failureOf(service.filesForCompletion(SANDBOX, BATCH_ID));

    // Assess
    expect(completion).toMatchObject({ kind: 'invalid', code: 'no-files' });
  });

  it('completes a presigned file on its own COMPLETE once the object arrived, not before', async () => {
    // Prepare
    const { service, objects } = uploadWorld();
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'huge.json', 7);

    // Act
    const early = await failureOf(service.completeFile(SANDBOX, BATCH_ID, DATASET_ID, 'huge.json'));
    const headEarly = await service.receivedRanges(SANDBOX, BATCH_ID, DATASET_ID, 'huge.json');
    await objects.put(objects.presigned[0]?.key ?? '', bytes('[1,2,3]'));
    const completed = await service.completeFile(SANDBOX, BATCH_ID, DATASET_ID, 'huge.json');

    // Assess
    expect(early).toMatchObject({ kind: 'conflict', code: 'upload-not-received' });
    expect(headEarly).toEqual({ state: 'presigned', ranges: [], receivedBytes: 0, expectedSize: 7 });
    expect(completed).toMatchObject({ state: 'complete', size: 7 });
  });

  it('reads a completed presigned file as it arrived, whatever the upload URL receives afterwards', async () => {
    // Prepare: the object arrives and the file is completed; then the client writes to the URL again
    const { service, objects } = uploadWorld();
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'huge.json', 8);
    const key = objects.presigned[0]?.key ?? '';
    await objects.put(key, bytes('{"a":1}\n'));
    const [completed] = await service.filesForCompletion(SANDBOX, BATCH_ID);
    await objects.put(key, bytes('{"b":22222}\n'));

    // Act
    const read = await readAll(objects.byteSource(completed!.parts, completed!.size));

    // Assess
    expect(completed!.parts).toEqual([{ key, start: 0, end: 8, versionId: 'v1' }]);
    expect(read).toBe('{"a":1}\n');
  });

  it('refuses an upload URL for more than S3 takes in one PUT, or than the batch may still take', async () => {
    // Prepare
    const { service, objects } = uploadWorld({ maxBytesPerBatch: 100 });
    await service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'a.json', bytes('x'.repeat(60)));

    // Act
    const overS3 = await failureOf(
      service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'b.json', 5 * 1024 ** 3 + 1),
    );
    const overBatch = await failureOf(service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'b.json', 41));
    const fits = await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'b.json', 40);

    // Assess
    expect(overS3).toMatchObject({ kind: 'too-large', code: 'payload-too-large' });
    expect(overBatch).toMatchObject({ kind: 'too-large', code: 'batch-too-large' });
    expect(fits.headers).toEqual({ 'content-length': '40', 'if-none-match': '*' });
    expect(objects.presigned).toHaveLength(1);
  });

  it.each([
    [
      'a new upload URL',
      (service: UploadService) => service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'f.json', 2),
    ],
    [
      'a PUT',
      (service: UploadService) => service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'f.json', bytes('{}')),
    ],
    [
      'an INITIALIZE',
      (service: UploadService) => service.initialize(SANDBOX, BATCH_ID, DATASET_ID, 'f.json'),
    ],
    ['closing the batch', (service: UploadService) => service.closeUploadUrls(SANDBOX, BATCH_ID)],
  ])('spends an unused upload URL when %s replaces it, so S3 refuses it later', async (_name, replace) => {
    // Prepare
    const { service, objects } = uploadWorld();
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'f.json', 2);
    const stale = objects.presigned[0]?.key ?? '';

    // Act
    await replace(service);

    // Assess
    expect(objects.objects.get(stale)).toEqual(Buffer.alloc(0));
  });

  it('leaves an upload URL that received its object as it is when the batch closes', async () => {
    // Prepare
    const { service, objects } = uploadWorld();
    await service.uploadUrl(SANDBOX, BATCH_ID, DATASET_ID, 'f.json', 2);
    const key = objects.presigned[0]?.key ?? '';
    await objects.put(key, bytes('{}'));

    // Act
    await service.closeUploadUrls(SANDBOX, BATCH_ID);

    // Assess
    expect(objects.objects.get(key)).toEqual(bytes('{}'));
  });
});
