import { describe, expect, it } from 'vitest';
import { finishPromotion } from '../../../../lambdas/core/batches/ingest/finish-promotion';
import { addBatch, ingestWorld } from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };

describe('finishPromotion', () => {
  it('makes a promoted batch a success, a replay included, and starts nothing', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'processing', replay: { predecessors: ['old-1'] } });

    // Act
    const outcome = await finishPromotion(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.batches.stored()).toMatchObject({ status: 'success', completedAt: NOW.toISOString() });
    expect(world.workflow.starts).toEqual([]);
  });

  it('answers done again for a batch it already finished', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'processing' });
    await finishPromotion(world.deps, STEP);
    const finished = world.batches.stored();

    // Act
    const outcome = await finishPromotion(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.batches.stored()).toEqual(finished);
  });

  it.each(['staging', 'failed', 'aborted'] as const)('finishes nothing of a %s batch', async (status) => {
    // Prepare
    const world = ingestWorld();
    const before = addBatch(world, { status });

    // Act
    const outcome = await finishPromotion(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: false });
    expect(world.batches.stored()).toEqual(before);
  });

  it('answers not done when the batch is gone', async () => {
    // Prepare
    const world = ingestWorld();

    // Act
    const outcome = await finishPromotion(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: false });
  });
});
