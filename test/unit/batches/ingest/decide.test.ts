import { describe, expect, it } from 'vitest';
import { decide, THRESHOLD_EXCEEDED } from '../../../../lambdas/core/batches/ingest/decide';
import { promoteChunk } from '../../../../lambdas/core/batches/ingest/promote-chunk';
import {
  addBatch,
  addFile,
  ingestWorld,
  personLines,
  runIngestion,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const NOTHING = { promote: false, predecessors: [] };
const valid = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ email: `p${from + i}@x.io` }));

/**
 * A staged batch: one file of `good` valid rows (in chunks of one row unless `chunkBytes` says otherwise), and one
 * file of `bad` invalid rows.
 */
async function stagedBatch(good: number, bad: number, percent = 5, chunkBytes = 1): Promise<IngestWorld> {
  const world = ingestWorld({ chunkBytes });
  addBatch(world, { partialIngestionPercent: percent });
  await addFile(world, 'good.json', personLines(valid(good)));
  await addFile(world, 'bad.json', personLines(Array.from({ length: bad }, () => ({ age: 1 }))));
  await runIngestion(world, 'staged');
  return world;
}

describe('decide', () => {
  it('promotes a batch whose failed rows are exactly at partialIngestionPercent', async () => {
    // Prepare
    const world = await stagedBatch(19, 1);
    const staged = world.batches.stored();

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual({ promote: true, predecessors: [] });
    expect(world.batches.stored()).toMatchObject({ status: 'processing', revision: staged.revision + 1 });
    expect(world.batches.stored().completedAt).toBeUndefined();
  });

  it('fails a batch just over the threshold, removes what staging wrote and replaces nothing, keeping the quarantine', async () => {
    // Prepare
    const world = await stagedBatch(18, 1);
    world.batches.put({ ...world.batches.stored(), replay: { predecessors: ['old-1'] } });
    expect(world.lake.objects.size).toBe(18);

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual(NOTHING);
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      failure: {
        code: THRESHOLD_EXCEEDED,
        message:
          "1 of 19 rows failed (5.26%), over the batch's partialIngestionPercent of 5; nothing was ingested",
      },
    });
    expect(world.lake.objects.size).toBe(0);
    expect(world.quarantine.objects.size).toBe(1);
  });

  it('fails a batch with any failed row when partialIngestionPercent is 0', async () => {
    // Prepare
    const world = await stagedBatch(100, 1, 0, 1024 * 1024);

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision.promote).toBe(false);
    expect(world.batches.stored().failure?.message).toBe(
      "1 of 101 rows failed (0.99%), over the batch's partialIngestionPercent of 0; nothing was ingested",
    );
  });

  it('names the batches a replay replaces, to be reverted once it is promoted', async () => {
    // Prepare
    const world = await stagedBatch(1, 0);
    world.batches.put({ ...world.batches.stored(), replay: { predecessors: ['old-1', 'old-2'] } });

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual({ promote: true, predecessors: ['old-1', 'old-2'] });
  });

  it('promotes nothing, successfully, when the files hold no rows', async () => {
    // Prepare
    const world = await stagedBatch(0, 0);

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual({ promote: true, predecessors: [] });
    expect(world.batches.stored().status).toBe('processing');
  });

  it('promotes the remaining chunks of a resumed batch, without judging it again', async () => {
    // Prepare
    const world = await stagedBatch(3, 0);
    await decide(world.deps, STEP);
    await promoteChunk(world.deps, { ...STEP, chunk: '00000-00000' });
    await world.batches.putStagedChunk(SANDBOX, BATCH_ID, {
      chunk: '00009-00000',
      file: 'late.json',
      range: '0-1',
      inputRecordCount: 10,
      outputRecordCount: 0,
      failedRecordCount: 10,
      errors: { 'schema-validation': 10 },
      writtenAt: NOW.toISOString(),
    });
    const resumed = world.batches.stored();

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual({ promote: true, predecessors: [] });
    expect(world.batches.stored()).toEqual(resumed);
  });

  it.each(['loading', 'success', 'failed', 'aborted'] as const)(
    'decides nothing for a %s batch',
    async (status) => {
      // Prepare
      const world = await stagedBatch(2, 0);
      const before = addBatch(world, { status });

      // Act
      const decision = await decide(world.deps, STEP);

      // Assess
      expect(decision).toEqual(NOTHING);
      expect(world.batches.stored()).toEqual(before);
      expect(world.lake.objects.size).toBe(2);
    },
  );

  it('promotes nothing when the batch failed while the decision was being written', async () => {
    // Prepare
    const world = await stagedBatch(2, 0);
    world.batches.interfere(() => ({ status: 'failed' }));

    // Act
    const decision = await decide(world.deps, STEP);

    // Assess
    expect(decision).toEqual(NOTHING);
    expect(world.batches.stored().status).toBe('failed');
  });
});
