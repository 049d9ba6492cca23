import { describe, expect, it } from 'vitest';
import {
  BATCH_ID,
  DATASET_ID,
  failureOf,
  readAll,
  SANDBOX,
  uploadWorld,
  type UploadWorld,
} from '../../../support/memory-uploads';

const PATH = 'events/big.json';
const KEY = `uploads/${SANDBOX}/${BATCH_ID}/${DATASET_ID}/${PATH}`;
const REF = { sandbox: SANDBOX, batchId: BATCH_ID, datasetId: DATASET_ID, path: PATH };
const CONTENT = 'aaaaaaaaaabbbbbbbbbbcccccccccc';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const initialize = ({ service }: UploadWorld) => service.initialize(SANDBOX, BATCH_ID, DATASET_ID, PATH);
const head = ({ service }: UploadWorld) => service.receivedRanges(SANDBOX, BATCH_ID, DATASET_ID, PATH);
const complete = ({ service }: UploadWorld) => service.completeFile(SANDBOX, BATCH_ID, DATASET_ID, PATH);
/** PATCHes bytes `[start, end)` of CONTENT (or of the text given), with the header written from them. */
const patch = (world: UploadWorld, start: number, end: number, total: string, text = CONTENT) =>
  world.service.patch(
    SANDBOX,
    BATCH_ID,
    DATASET_ID,
    PATH,
    `bytes ${start}-${end - 1}/${total}`,
    bytes(text.slice(start, end)),
  );

describe('UploadService: ranged uploads', () => {
  it('resumes after an interruption: INITIALIZE, PATCH 2 of 3, HEAD, PATCH the rest, COMPLETE', async () => {
    // Prepare
    const world = uploadWorld();
    const first = await initialize(world);
    await patch(world, 0, 10, '30');
    await patch(world, 20, 30, '*');

    // Act: the client comes back, initializes again (parts kept), asks what arrived and sends the rest
    const again = await initialize(world);
    const resumedFrom = await head(world);
    const last = await patch(world, 10, 20, '30');
    const file = await complete(world);

    // Assess
    expect([first.created, again.created]).toEqual([true, false]);
    expect(resumedFrom).toEqual({
      state: 'uploading',
      ranges: [
        { start: 0, end: 10 },
        { start: 20, end: 30 },
      ],
      receivedBytes: 20,
      expectedSize: 30,
    });
    expect(last).toEqual({
      state: 'uploading',
      ranges: [{ start: 0, end: 30 }],
      receivedBytes: 30,
      expectedSize: 30,
    });
    expect(file).toMatchObject({
      state: 'complete',
      size: 30,
      parts: [
        { key: `${KEY}.parts/0-10`, start: 0, end: 10 },
        { key: `${KEY}.parts/10-20`, start: 10, end: 20 },
        { key: `${KEY}.parts/20-30`, start: 20, end: 30 },
      ],
    });
    expect(await readAll(world.objects.byteSource(file.parts, file.size))).toBe(CONTENT);
    expect(await readAll(world.objects.byteSource(file.parts, file.size), 5, 25)).toBe(CONTENT.slice(5, 25));
    expect(await head(world)).toMatchObject({ state: 'complete', ranges: [{ start: 0, end: 30 }] });
  });

  it('replaces a part re-sent with the same range', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    await patch(world, 0, 10, '*', 'x'.repeat(10));

    // Act
    const progress = await patch(world, 0, 10, '*');
    const file = await complete(world);

    // Assess
    expect(progress.ranges).toEqual([{ start: 0, end: 10 }]);
    expect(await world.store.listParts(REF)).toHaveLength(1);
    expect(await readAll(world.objects.byteSource(file.parts, file.size))).toBe(CONTENT.slice(0, 10));
  });

  it.each([
    [
      'a gap in the middle',
      [
        [0, 10],
        [20, 30],
      ],
      '30',
      'bytes 10-19',
    ],
    ['a missing start', [[10, 30]], '*', 'bytes 0-9'],
    ['a missing end of the declared total', [[0, 20]], '30', 'bytes 20-29'],
  ])('refuses COMPLETE with %s as upload-gap', async (_case, ranges, total, missing) => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    for (const [start, end] of ranges) await patch(world, start as number, end as number, total);

    // Act
    const failure = await failureOf(complete(world));

    // Assess
    expect(failure).toMatchObject({
      kind: 'invalid',
      code: 'upload-gap',
      message: expect.stringContaining(missing) as unknown,
      violations: [expect.objectContaining({ message: `${missing} missing` })],
    });
    expect(await head(world)).toMatchObject({ state: 'uploading' });
  });

  it('refuses COMPLETE with overlapping parts as upload-overlap, naming them', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    await patch(world, 0, 20, '30');
    await patch(world, 15, 30, '30');

    // Act
    const failure = await failureOf(complete(world));

    // Assess
    expect(failure).toMatchObject({
      kind: 'invalid',
      code: 'upload-overlap',
      violations: [expect.objectContaining({ message: 'bytes 0-19 and bytes 15-29 overlap' })],
    });
  });

  it('completes an upload never patched as an empty file, and answers a retried COMPLETE the same', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);

    // Act
    const file = await complete(world);
    const retried = await complete(world);

    // Assess
    expect(file).toMatchObject({ state: 'complete', size: 0, parts: [] });
    expect(retried).toEqual(file);
  });

  it('starts over on INITIALIZE of a complete file, dropping its parts and their objects', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    await patch(world, 0, 30, '30');
    await complete(world);

    // Act
    const restarted = await initialize(world);
    const progress = await head(world);

    // Assess
    expect(restarted).toMatchObject({ created: false, file: { state: 'uploading', parts: [] } });
    expect(progress).toEqual({ state: 'uploading', ranges: [], receivedBytes: 0 });
    expect(await world.store.listParts(REF)).toEqual([]);
    expect(world.objects.objects.size).toBe(0);
  });

  it('refuses a PATCH of a file not initialized, or already complete, with 409', async () => {
    // Prepare
    const world = uploadWorld();

    // Act
    const never = await failureOf(patch(world, 0, 10, '*'));
    await world.service.putFile(SANDBOX, BATCH_ID, DATASET_ID, PATH, bytes(CONTENT));
    const afterPut = await failureOf(patch(world, 0, 10, '*'));

    // Assess
    expect(never).toMatchObject({
      kind: 'conflict',
      code: 'upload-not-initialized',
      message: expect.stringContaining('INITIALIZE') as unknown,
    });
    expect(afterPut).toMatchObject({
      kind: 'conflict',
      code: 'upload-not-initialized',
      message: expect.stringContaining('complete') as unknown,
    });
    expect(world.objects.objects.has(`${KEY}.parts/0-10`)).toBe(false);
  });

  it('answers 404 to HEAD and 409 to COMPLETE of a file never started', async () => {
    // Prepare
    const world = uploadWorld();

    // Act
    const headed = await failureOf(head(world));
    const completed = await failureOf(complete(world));

    // Assess
    expect(headed).toMatchObject({
      kind: 'not-found',
      code: 'not-found',
      message: expect.stringContaining(PATH) as unknown,
    });
    expect(completed).toMatchObject({ kind: 'conflict', code: 'upload-not-initialized' });
  });

  it('holds a file to the total it declared', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    await patch(world, 0, 10, '30');

    // Act
    const otherTotal = await failureOf(patch(world, 10, 20, '40'));
    const beyondTotal = await failureOf(
      world.service.patch(SANDBOX, BATCH_ID, DATASET_ID, PATH, 'bytes 30-34/*', bytes('ddddd')),
    );

    // Assess
    expect(otherTotal).toMatchObject({
      kind: 'invalid',
      code: 'invalid-content-range',
      message: expect.stringContaining('30') as unknown,
    });
    expect(beyondTotal).toMatchObject({
      kind: 'invalid',
      code: 'invalid-content-range',
      message: expect.stringContaining('30') as unknown,
    });
    expect((await head(world)).ranges).toEqual([{ start: 0, end: 10 }]);
  });

  it('refuses a total declared late that parts received already exceed', async () => {
    // Prepare
    const world = uploadWorld();
    await initialize(world);
    await patch(world, 20, 30, '*');

    // Act
    const failure = await failureOf(patch(world, 0, 10, '25'));

    // Assess
    expect(failure).toMatchObject({
      kind: 'invalid',
      code: 'invalid-content-range',
      message: expect.stringContaining('20-29') as unknown,
    });
    expect((await world.store.getFile(REF))?.expectedSize).toBeUndefined();
  });

  it('applies the bytes guardrail to ranges and to COMPLETE', async () => {
    // Prepare
    const world = uploadWorld({ maxBytesPerBatch: 25 });
    await world.service.putFile(SANDBOX, BATCH_ID, DATASET_ID, 'small.json', bytes('12345'));
    await initialize(world);
    await patch(world, 0, 10, '*');
    await patch(world, 10, 20, '*');
    await patch(world, 20, 25, '*');

    // Act
    const beyondLimit = await failureOf(patch(world, 25, 30, '*'));
    const completion = await failureOf(complete(world));

    // Assess
    expect(beyondLimit).toMatchObject({ kind: 'too-large', code: 'batch-too-large' });
    expect(completion).toMatchObject({
      kind: 'too-large',
      code: 'batch-too-large',
      message: 'Batch ingestion guardrails hit: 30 bytes (over the 25 threshold)',
    });
  });
});
