import { describe, expect, it } from 'vitest';
import {
  chunkBytesFor,
  chunkNameOf,
  chunkRangeOf,
  MAX_CHUNKS_PER_BATCH,
} from '../../../../lambdas/core/batches/ingest/chunk-plan';
import { planChunks } from '../../../../lambdas/core/batches/ingest/plan-chunks';
import { addBatch, addFile, ingestWorld, personLines } from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const people = (count: number) =>
  personLines(Array.from({ length: count }, (_, i) => ({ email: `p${i}@x.io`, age: i })));

describe('chunk names and sizes', () => {
  it('names chunks so that names sort in file order, then chunk order', () => {
    // Prepare
    const items = [
      { file: 10, index: 0 },
      { file: 2, index: 11 },
      { file: 2, index: 3 },
      { file: 0, index: 0 },
    ];

    // Act
    const names = items.map(chunkNameOf);

    // Assess
    expect(names).toEqual(['00010-00000', '00002-00011', '00002-00003', '00000-00000']);
    expect([...names].sort()).toEqual(['00000-00000', '00002-00003', '00002-00011', '00010-00000']);
    expect(chunkRangeOf({ file: 0, index: 0, start: 10, end: 20, firstLine: 1, firstRow: 1 })).toBe('10-20');
  });

  it('keeps the configured chunk size while the batch fits the chunk cap, and raises it beyond', () => {
    // Prepare
    const configured = 1000;

    // Act
    const small = chunkBytesFor(configured, 1_000_000, 10);
    const big = chunkBytesFor(configured, 10_000_000, 1);
    const manyFiles = chunkBytesFor(configured, 10_000, MAX_CHUNKS_PER_BATCH + 5);

    // Assess
    expect(small).toBe(1000);
    expect(big).toBe(Math.ceil(10_000_000 / (MAX_CHUNKS_PER_BATCH - 1)));
    expect(Math.ceil(10_000_000 / big) + 1).toBeLessThanOrEqual(MAX_CHUNKS_PER_BATCH);
    expect(manyFiles).toBe(10_000);
  });
});

describe('planChunks', () => {
  it('plans every file in dataset and path order, storing each plan', async () => {
    // Prepare
    const world = ingestWorld({ chunkBytes: 50 });
    addBatch(world);
    await addFile(world, 'b/2.json', people(2));
    await addFile(world, 'a.json', people(5), { partBytes: 16 });
    await addFile(world, 'b/10.json', people(1));

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome.proceed).toBe(true);
    const names = outcome.chunks.map(chunkNameOf);
    expect(names).toEqual([...names].sort());
    expect(outcome.chunks.map((chunk) => chunk.file)).toEqual([0, 0, 0, 1, 2]);
    expect(outcome.chunks.slice(0, 3).map((chunk) => chunk.firstRow)).toEqual([1, 3, 5]);
    const plans = await Promise.all(
      [0, 1, 2].map((index) => world.batches.getFilePlan(SANDBOX, BATCH_ID, index)),
    );
    expect(plans.map((plan) => plan?.path)).toEqual(['a.json', 'b/10.json', 'b/2.json']);
    expect(plans[0]).toMatchObject({ fileIndex: 0, compression: 'none', size: people(5).length });
    expect(plans[0]!.parts.length).toBeGreaterThan(1);
    expect(plans[0]!.columns).toBeUndefined();
  });

  it('stores the CSV columns every chunk needs', async () => {
    // Prepare
    const world = ingestWorld({ chunkBytes: 10 });
    addBatch(world, { inputFormat: { format: 'csv' } });
    await addFile(world, 'people.csv', 'email,age\na@x.io,1\nb@x.io,2\n');

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome.chunks).toHaveLength(2);
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 0)).toMatchObject({
      columns: ['email', 'age'],
    });
  });

  it('raises the chunk size of a big batch so that its chunks stay within the cap', async () => {
    // Prepare
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    const lines = '{}\n'.repeat(2 * MAX_CHUNKS_PER_BATCH);
    await addFile(world, 'many.json', lines);

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome.chunks.length).toBeGreaterThan(1);
    expect(outcome.chunks.length).toBeLessThanOrEqual(MAX_CHUNKS_PER_BATCH);
    expect(outcome.chunks.at(-1)!.end).toBe(lines.length);
  });

  it('fails the batch naming the file that cannot be read', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { inputFormat: { format: 'csv' } });
    await addFile(world, 'a.csv', 'email\na@x.io\n');
    await addFile(world, 'b.csv', '');
    await addFile(world, 'c.csv', 'email\nc@x.io\n');

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: false, chunks: [] });
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      failure: { code: 'empty-file', message: 'b.csv: The CSV file has no records' },
    });
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 2)).toBeUndefined();
  });

  it('leaves a batch already being promoted as it is when a file turns out unreadable', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world, { status: 'processing', inputFormat: { format: 'csv' } });
    await addFile(world, 'a.csv', '');

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: false, chunks: [] });
    expect(world.batches.stored()).toEqual(batch);
  });

  it('lets errors other than unreadable files fail the step, to be retried', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'a.json', people(1));
    const outage = new Error('landing bucket unavailable');
    const deps = {
      ...world.deps,
      sources: {
        byteSource: () => ({ size: 1, read: () => Promise.reject(outage) }),
      },
    };

    // Act
    const outcome = planChunks(deps, STEP);

    // Assess
    await expect(outcome).rejects.toBe(outage);
    expect(world.batches.stored().status).toBe('staging');
  });

  it.each(['loading', 'failed', 'success'] as const)('plans nothing for a %s batch', async (status) => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status });
    await addFile(world, 'a.json', people(1));

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: false, chunks: [] });
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 0)).toBeUndefined();
  });
});
