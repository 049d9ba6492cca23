import { describe, expect, it } from 'vitest';
import {
  chunkBytesFor,
  chunkNameOf,
  chunkRangeOf,
  CHUNKS_PER_PAGE,
  MAX_CHUNKS_PER_BATCH,
  type ChunkItem,
} from '../../../../lambdas/core/batches/ingest/chunk-plan';
import { chunksToStage } from '../../../../lambdas/core/batches/ingest/chunk-pages';
import { planChunks } from '../../../../lambdas/core/batches/ingest/plan-chunks';
import {
  addBatch,
  addFile,
  ingestWorld,
  personLines,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const people = (count: number) =>
  personLines(Array.from({ length: count }, (_, i) => ({ email: `p${i}@x.io`, age: i })));

/** The stored plan, read a page at a time as the workflow reads it. */
async function storedPlan(world: IngestWorld): Promise<{ chunks: ChunkItem[]; pages: number }> {
  const chunks: ChunkItem[] = [];
  let page: string | null = '';
  let pages = 0;
  while (page !== null) {
    const found = await chunksToStage(world.deps, { ...STEP, page });
    chunks.push(...found.chunks);
    page = found.next;
    pages += 1;
  }
  return { chunks, pages };
}

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
    expect(
      chunkRangeOf({ file: 0, index: 0, start: 10, end: 20, firstLine: 1, firstRow: 1, ordinal: 0 }),
    ).toBe('10-20');
  });

  it('keeps the configured chunk size while the batch fits the chunk cap, and raises it beyond', () => {
    // Prepare
    const configured = 1000;

    // Act
    const small = chunkBytesFor(configured, 1_000_000, 10);
    const big = chunkBytesFor(configured, 100_000_000, 1);
    const manyFiles = chunkBytesFor(configured, 10_000, MAX_CHUNKS_PER_BATCH + 5);

    // Assess
    expect(small).toBe(1000);
    expect(big).toBe(Math.ceil(100_000_000 / (MAX_CHUNKS_PER_BATCH - 1)));
    expect(Math.ceil(100_000_000 / big) + 1).toBeLessThanOrEqual(MAX_CHUNKS_PER_BATCH);
    expect(manyFiles).toBe(10_000);
  });
});

describe('planChunks', () => {
  it('plans every file in dataset and path order, storing each plan and the chunks in batch order', async () => {
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
    const { chunks } = await storedPlan(world);
    const names = chunks.map(chunkNameOf);
    expect(names).toEqual([...names].sort());
    expect(chunks.map((chunk) => chunk.file)).toEqual([0, 0, 0, 1, 2]);
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual([0, 1, 2, 3, 4]);
    expect(chunks.slice(0, 3).map((chunk) => chunk.firstRow)).toEqual([1, 3, 5]);
    expect(world.batches.stored().plan).toEqual({ chunks: 5, pages: 1, plannedAt: NOW.toISOString() });
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
    await planChunks(world.deps, STEP);

    // Assess
    expect((await storedPlan(world)).chunks).toHaveLength(2);
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 0)).toMatchObject({
      columns: ['email', 'age'],
    });
  });

  it('raises the chunk size of a big batch so that its chunks stay within the cap', async () => {
    // Prepare
    const configured = 1;
    const lines = '{}\n'.repeat(2 * MAX_CHUNKS_PER_BATCH);

    // Act
    const bytes = chunkBytesFor(configured, lines.length, 1);

    // Assess
    expect(bytes).toBeGreaterThan(configured);
    expect(Math.ceil(lines.length / bytes) + 1).toBeLessThanOrEqual(MAX_CHUNKS_PER_BATCH);
  });

  it('stores a plan of more chunks than a page holds in pages, none over the page size', async () => {
    // Prepare
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    const rows = CHUNKS_PER_PAGE * 2 + 1;
    await addFile(world, 'many.json', people(rows));

    // Act
    await planChunks(world.deps, STEP);

    // Assess
    const { chunks, pages } = await storedPlan(world);
    expect(pages).toBe(3);
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual(Array.from({ length: rows }, (_, i) => i));
    const firstPage = await world.batches.getPlanPage(SANDBOX, BATCH_ID, 0);
    expect(firstPage?.chunks).toHaveLength(CHUNKS_PER_PAGE);
    expect(world.batches.stored().plan).toMatchObject({ chunks: rows, pages: 3 });
  });

  it('plans a batch once: planned again (a resumed batch, a deploy that cuts otherwise), it keeps its plan', async () => {
    // Prepare
    const world = ingestWorld({ chunkBytes: 50 });
    addBatch(world);
    await addFile(world, 'a.json', people(6));
    await planChunks(world.deps, STEP);
    const first = await storedPlan(world);
    const redeployed = { ...world.deps, chunkBytes: 1 };

    // Act
    const outcome = await planChunks(redeployed, STEP);

    // Assess
    expect(outcome.proceed).toBe(true);
    expect(await storedPlan({ ...world, deps: redeployed })).toEqual(first);
  });

  it('discards chunks staged under an earlier cut when a batch planned before plans were stored is planned', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'a.json', people(2));
    await world.lake.put('staging/old.parquet', new Uint8Array([1]));
    await world.quarantine.put('quarantine/old.jsonl', new Uint8Array([1]));
    await world.batches.putStagedChunk(SANDBOX, BATCH_ID, {
      chunk: '00000-00007',
      file: 'a.json',
      range: '0-10',
      inputRecordCount: 3,
      outputRecordCount: 2,
      failedRecordCount: 1,
      errors: {},
      stagingKey: 'staging/old.parquet',
      quarantineKey: 'quarantine/old.jsonl',
      writtenAt: NOW.toISOString(),
    });

    // Act
    await planChunks(world.deps, STEP);

    // Assess
    expect(await world.batches.stagedChunksOf(SANDBOX, BATCH_ID)).toEqual([]);
    expect(world.lake.keys()).toEqual([]);
    expect(world.quarantine.objects.size).toBe(0);
  });

  it('answers no chunks to stage once the batch is decided', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'a.json', people(2));
    await planChunks(world.deps, STEP);
    world.batches.put({ ...world.batches.stored(), status: 'processing' });

    // Act
    const page = await chunksToStage(world.deps, { ...STEP, page: '' });

    // Assess
    expect(page).toEqual({ chunks: [], next: null });
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
    expect(outcome).toEqual({ proceed: false });
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      failure: { code: 'empty-file', message: 'b.csv: The CSV file has no records' },
    });
    expect(world.batches.stored().plan).toBeUndefined();
  });

  it('does not plan a batch already being promoted: it proceeds to its promotion as it is', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world, { status: 'processing', inputFormat: { format: 'csv' } });
    await addFile(world, 'a.csv', '');

    // Act
    const outcome = await planChunks(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: true });
    expect(world.batches.stored()).toEqual(batch);
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 0)).toBeUndefined();
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
    expect(outcome).toEqual({ proceed: false });
    expect(await world.batches.getFilePlan(SANDBOX, BATCH_ID, 0)).toBeUndefined();
  });
});
