import { describe, expect, it } from 'vitest';
import { BatchStateError } from '../../../../lambdas/core/batches/batch-transitions';
import {
  chunksToRevert,
  finishRevert,
  planRevert,
  revertChunk,
} from '../../../../lambdas/core/batches/ingest/revert-batch';
import {
  addBatch,
  addFile,
  ingestWorld,
  personLines,
  runIngestion,
  withLake,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, NOW, SANDBOX } from '../../../support/memory-uploads';
import { target } from '../../streaming/consume-fakes';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const REQUESTED_AT = '2024-06-02T08:00:00.000Z';

/**
 * A promoted batch of three chunks of one record each and a fourth chunk of a failed row only, with a revert
 * requested.
 */
async function promotedBatch(world = ingestWorld({ chunkBytes: 1 })): Promise<IngestWorld> {
  addBatch(world, { partialIngestionPercent: 50 });
  await addFile(
    world,
    'a.json',
    personLines([{ email: 'a@x.io' }, { email: 'b@x.io' }, { email: 'c@x.io' }]),
  );
  await addFile(world, 'b.json', personLines([{ age: 1 }]));
  await runIngestion(world);
  expect(world.batches.stored().status).toBe('success');
  world.batches.put({ ...world.batches.stored(), revertRequestedAt: REQUESTED_AT });
  return world;
}

const chunkOf = (world: IngestWorld, chunk: string) => world.batches.getStagedChunk(SANDBOX, BATCH_ID, chunk);

/** planRevert, then the chunks to revert as the workflow pages through them (none when there is no revert). */
async function revertPlan(
  world: Pick<IngestWorld, 'deps'>,
  input: typeof STEP & { readonly replacedBy?: string },
): Promise<{ chunks: string[] }> {
  const { revert } = await planRevert(world.deps, input);
  const chunks: string[] = [];
  let page: string | null = revert ? '' : null;
  while (page !== null) {
    const found = await chunksToRevert(world.deps, { ...STEP, batchId: input.batchId, page });
    chunks.push(...found.chunks);
    page = found.next;
  }
  return { chunks };
}

describe('planRevert', () => {
  it('lists the promoted chunks not yet reverted', async () => {
    // Prepare
    const world = await promotedBatch();
    const first = await chunkOf(world, '00000-00000');
    await world.batches.putStagedChunk(SANDBOX, BATCH_ID, { ...first!, reverted: true });

    // Act
    const plan = await revertPlan(world, STEP);

    // Assess
    expect(plan).toEqual({ chunks: ['00000-00001', '00000-00002'] });
  });

  it.each([
    ['no revert was requested', { revertRequestedAt: undefined }],
    ['the batch is no longer a success', { status: 'deleted' as const }],
  ])('lists nothing when %s', async (_why, change) => {
    // Prepare
    const world = await promotedBatch();
    world.batches.put({ ...world.batches.stored(), ...change });

    // Act
    const plan = await revertPlan(world, STEP);

    // Assess
    expect(plan).toEqual({ chunks: [] });
  });

  it('fails for good when the batch is gone', async () => {
    // Prepare
    const world = ingestWorld();

    // Act
    const plan = revertPlan(world, STEP);

    // Assess
    await expect(plan).rejects.toBeInstanceOf(BatchStateError);
  });
});

describe('planRevert for a replay replacing the batch', () => {
  it('requests the revert, naming the replay, and lists the promoted chunks', async () => {
    // Prepare
    const world = await promotedBatch();
    world.batches.put({ ...world.batches.stored(), revertRequestedAt: undefined });

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });

    // Assess
    expect(plan).toEqual({ chunks: ['00000-00000', '00000-00001', '00000-00002'] });
    expect(world.batches.stored()).toMatchObject({
      status: 'success',
      revertRequestedAt: NOW.toISOString(),
      replacedBy: 'replay-1',
    });
  });

  it('takes over a client REVERT under way: the superseded batch ends inactive', async () => {
    // Prepare: a REVERT requested by a client (promotedBatch), then a replay naming the batch
    const world = await promotedBatch();

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });
    await finishRevert(world.deps, STEP);

    // Assess
    expect(plan.chunks).toHaveLength(3);
    expect(world.batches.stored()).toMatchObject({
      status: 'inactive',
      revertRequestedAt: REQUESTED_AT,
      replacedBy: 'replay-1',
    });
  });

  it('lists what is left when the replay resumes', async () => {
    // Prepare
    const world = await promotedBatch();
    world.batches.put({ ...world.batches.stored(), revertRequestedAt: undefined });
    await planRevert(world.deps, { ...STEP, replacedBy: 'replay-1' });
    await revertChunk(world.deps, { ...STEP, chunk: '00000-00000' });
    const requested = world.batches.stored();

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });

    // Assess
    expect(plan).toEqual({ chunks: ['00000-00001', '00000-00002'] });
    expect(world.batches.stored()).toEqual(requested);
  });

  it.each([
    ['already replaced', { status: 'inactive' as const, replacedBy: 'replay-0' }],
    ['deleted', { status: 'deleted' as const }],
  ])('lists nothing of a batch %s', async (_why, change) => {
    // Prepare
    const world = await promotedBatch();
    const replaced = world.batches.put({ ...world.batches.stored(), ...change });

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });

    // Assess
    expect(plan).toEqual({ chunks: [] });
    expect(world.batches.stored()).toEqual(replaced);
  });

  it('leaves alone a batch another replay reserved', async () => {
    // Prepare
    const world = await promotedBatch();
    const reserved = world.batches.put({
      ...world.batches.stored(),
      revertRequestedAt: undefined,
      reservedBy: { batchId: 'replay-0', at: REQUESTED_AT },
    });

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });

    // Assess
    expect(plan).toEqual({ chunks: [] });
    expect(world.batches.stored()).toEqual(reserved);
  });

  it('lists nothing of a batch that is gone', async () => {
    // Prepare
    const world = ingestWorld();

    // Act
    const plan = await revertPlan(world, { ...STEP, replacedBy: 'replay-1' });

    // Assess
    expect(plan).toEqual({ chunks: [] });
  });
});

describe('revertChunk', () => {
  it('takes the records out of the profiles, then removes the lake file, then marks the chunk', async () => {
    // Prepare
    const world = await promotedBatch();
    const promoted = await chunkOf(world, '00000-00001');
    const seenAtDelete: { reverts: number; marked: boolean | undefined }[] = [];
    const deps = withLake(world, {
      delete: async (key) => {
        seenAtDelete.push({
          reverts: world.profiles.reverted.length,
          marked: (await chunkOf(world, '00000-00001'))?.reverted,
        });
        await world.lake.delete(key);
      },
    });

    // Act
    const outcome = await revertChunk(deps, { ...STEP, chunk: '00000-00001' });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.profiles.reverted).toEqual([
      {
        sandbox: SANDBOX,
        dataset: { id: DATASET_ID, profileEnabled: true },
        schema: target(DATASET_ID).schema,
        batchId: BATCH_ID,
        records: [{ email: 'b@x.io' }],
      },
    ]);
    expect(seenAtDelete).toEqual([{ reverts: 1, marked: undefined }]);
    expect(world.lake.objects.has(promoted!.lakeKey!)).toBe(false);
    expect(world.lake.objects.size).toBe(2);
    expect(await chunkOf(world, '00000-00001')).toEqual({ ...promoted, reverted: true });
  });

  it('resumes a chunk whose lake file an earlier attempt already removed', async () => {
    // Prepare
    const world = await promotedBatch();
    const promoted = await chunkOf(world, '00000-00000');
    await world.lake.delete(promoted!.lakeKey!);

    // Act
    const outcome = await revertChunk(world.deps, { ...STEP, chunk: '00000-00000' });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.profiles.reverted).toEqual([]);
    expect((await chunkOf(world, '00000-00000'))!.reverted).toBe(true);
  });

  it('does nothing for a chunk already reverted, or never promoted', async () => {
    // Prepare
    const world = await promotedBatch();
    await revertChunk(world.deps, { ...STEP, chunk: '00000-00000' });
    const lake = world.lake.keys();

    // Act
    const again = await revertChunk(world.deps, { ...STEP, chunk: '00000-00000' });
    const failedRows = await revertChunk(world.deps, { ...STEP, chunk: '00001-00000' });

    // Assess
    expect([again, failedRows]).toEqual([{ done: true }, { done: true }]);
    expect(world.profiles.reverted).toHaveLength(1);
    expect(world.lake.keys()).toEqual(lake);
    expect((await chunkOf(world, '00001-00000'))!.reverted).toBeUndefined();
  });

  it('removes the lake file without touching the profiles of a dataset that is not profile-enabled', async () => {
    // Prepare
    const world = await promotedBatch(
      ingestWorld({ chunkBytes: 1, targets: { [DATASET_ID]: target(DATASET_ID, false) } }),
    );

    // Act
    await revertChunk(world.deps, { ...STEP, chunk: '00000-00002' });

    // Assess
    expect(world.profiles.reverted).toEqual([]);
    expect(world.lake.objects.size).toBe(2);
  });

  it('fails for good for a chunk the batch does not have', async () => {
    // Prepare
    const world = await promotedBatch();

    // Act
    const outcome = revertChunk(world.deps, { ...STEP, chunk: '00042-00000' });

    // Assess
    await expect(outcome).rejects.toThrow(new BatchStateError(`batch ${BATCH_ID} has no chunk 00042-00000`));
  });
});

describe('finishRevert', () => {
  it('ends a reverted batch deleted', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'success', revertRequestedAt: REQUESTED_AT });

    // Act
    const outcome = await finishRevert(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.batches.stored()).toMatchObject({ status: 'deleted', completedAt: NOW.toISOString() });
  });

  it('ends a batch a replay superseded inactive', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'success', revertRequestedAt: REQUESTED_AT, replacedBy: 'replay-1' });

    // Act
    const outcome = await finishRevert(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.batches.stored()).toMatchObject({ status: 'inactive', replacedBy: 'replay-1' });
  });

  it('answers done for a batch already finished, and not for one never asked to revert', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'success', revertRequestedAt: REQUESTED_AT });
    await finishRevert(world.deps, STEP);
    addBatch(world, { batchId: 'kept', status: 'success' });

    // Act
    const again = await finishRevert(world.deps, STEP);
    const kept = await finishRevert(world.deps, { ...STEP, batchId: 'kept' });

    // Assess
    expect(again).toEqual({ done: true });
    expect(kept).toEqual({ done: false });
    expect(world.batches.stored('kept').status).toBe('success');
  });
});
