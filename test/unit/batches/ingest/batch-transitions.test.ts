import { describe, expect, it } from 'vitest';
import {
  BatchContentionError,
  BatchStateError,
  batchForStep,
  changeBatch,
} from '../../../../lambdas/core/batches/batch-transitions';
import type { FileBatch } from '../../../../lambdas/core/batches/file-batch-types';
import { addBatch, ingestWorld } from '../../../support/memory-file-batches';
import { BATCH_ID, SANDBOX } from '../../../support/memory-uploads';

const LATER = new Date('2024-06-01T13:00:00.000Z');

describe('changeBatch', () => {
  it('writes the change on the next revision', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world);

    // Act
    const changed = await changeBatch(
      world.batches,
      SANDBOX,
      BATCH_ID,
      () => LATER,
      () => ({ status: 'processing' }),
    );

    // Assess
    expect(changed).toEqual({ ...batch, status: 'processing', updatedAt: LATER.toISOString(), revision: 2 });
    expect(world.batches.stored()).toEqual(changed);
  });

  it('answers the batch as read, unchanged, when the decision is to leave it', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world);

    // Act
    const answer = await changeBatch(
      world.batches,
      SANDBOX,
      BATCH_ID,
      () => LATER,
      () => undefined,
    );
    const missing = await changeBatch(
      world.batches,
      SANDBOX,
      'nope',
      () => LATER,
      () => ({ status: 'failed' }),
    );

    // Assess
    expect(answer).toEqual(batch);
    expect(world.batches.stored()).toEqual(batch);
    expect(missing).toBeUndefined();
  });

  it('decides again on what another writer stored first', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    world.batches.interfere(() => ({ status: 'aborted' }));
    const seen: FileBatch['status'][] = [];

    // Act
    const answer = await changeBatch(
      world.batches,
      SANDBOX,
      BATCH_ID,
      () => LATER,
      (batch) => {
        seen.push(batch.status);
        return batch.status === 'staging' ? { status: 'processing' } : undefined;
      },
    );

    // Assess
    expect(seen).toEqual(['staging', 'aborted']);
    expect(answer).toMatchObject({ status: 'aborted', revision: 2 });
  });

  it('gives up, retryably, after losing every round', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    world.batches.interfere((batch) => ({ tags: { writes: Number(batch.tags['writes'] ?? 0) + 1 } }), 8);

    // Act
    const error = await changeBatch(
      world.batches,
      SANDBOX,
      BATCH_ID,
      () => LATER,
      () => ({ status: 'failed' }),
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BatchContentionError);
    expect(error).toMatchObject({ name: 'BatchContentionError', retryable: true });
    expect(world.batches.stored()).toMatchObject({ status: 'staging', revision: 9, tags: { writes: 8 } });
  });
});

describe('batchForStep', () => {
  it('answers the batch, or a BatchStateError when it is gone', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world);

    // Act
    const found = await batchForStep(world.batches, SANDBOX, BATCH_ID);
    const gone = batchForStep(world.batches, SANDBOX, 'nope');

    // Assess
    expect(found).toEqual(batch);
    await expect(gone).rejects.toThrow(
      new BatchStateError(`there is no file batch nope in sandbox ${SANDBOX}`),
    );
    await expect(gone).rejects.toMatchObject({ name: 'BatchStateError' });
  });
});
