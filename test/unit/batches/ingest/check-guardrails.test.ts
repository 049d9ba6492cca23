import { describe, expect, it } from 'vitest';
import { BatchStateError } from '../../../../lambdas/core/batches/batch-transitions';
import {
  checkGuardrails,
  GUARDRAIL_EXCEEDED,
} from '../../../../lambdas/core/batches/ingest/check-guardrails';
import { addBatch, addFile, ingestWorld } from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };

describe('checkGuardrails', () => {
  it('proceeds within the guardrails and counts the files and bytes for the metrics', async () => {
    // Prepare
    const world = ingestWorld({ guardrails: { maxFilesPerBatch: 2, maxBytesPerBatch: 10 } });
    addBatch(world);
    await addFile(world, 'a.json', '{"a":1}\n');
    await addFile(world, 'b.json', '');

    // Act
    const outcome = await checkGuardrails(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: true });
    expect(world.batches.stored()).toMatchObject({ status: 'staging', inputFileCount: 2, inputByteSize: 8 });
  });

  it.each([
    ['files', { maxFilesPerBatch: 1 }, '2 files (over the 1 threshold)'],
    ['bytes', { maxBytesPerBatch: 7 }, '8 bytes (over the 7 threshold)'],
  ])('fails the batch with %s over the guardrail', async (_what, guardrails, hit) => {
    // Prepare
    const world = ingestWorld({ guardrails });
    addBatch(world);
    await addFile(world, 'a.json', '{"a":1}\n');
    await addFile(world, 'b.json', '');

    // Act
    const outcome = await checkGuardrails(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: false });
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      inputFileCount: 2,
      inputByteSize: 8,
      failure: { code: GUARDRAIL_EXCEEDED, message: `Batch ingestion guardrails hit: ${hit}` },
    });
  });

  it('names both guardrails when both are exceeded', async () => {
    // Prepare
    const world = ingestWorld({ guardrails: { maxFilesPerBatch: 1, maxBytesPerBatch: 1 } });
    addBatch(world);
    await addFile(world, 'a.json', '{}\n');
    await addFile(world, 'b.json', '{}\n');

    // Act
    await checkGuardrails(world.deps, STEP);

    // Assess
    expect(world.batches.stored().failure?.message).toBe(
      'Batch ingestion guardrails hit: 2 files (over the 1 threshold); 6 bytes (over the 1 threshold)',
    );
  });

  it('proceeds with a resumed batch that is being promoted', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'processing' });
    await addFile(world, 'a.json', '{}\n');

    // Act
    const outcome = await checkGuardrails(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: true });
    expect(world.batches.stored().status).toBe('processing');
  });

  it.each(['loading', 'success', 'failed', 'aborted', 'deleted'] as const)(
    'does not proceed with a %s batch and leaves it as it is',
    async (status) => {
      // Prepare
      const world = ingestWorld({ guardrails: { maxFilesPerBatch: 0 } });
      const batch = addBatch(world, { status });
      await addFile(world, 'a.json', '{}\n');

      // Act
      const outcome = await checkGuardrails(world.deps, STEP);

      // Assess
      expect(outcome).toEqual({ proceed: false });
      expect(world.batches.stored()).toEqual(batch);
    },
  );

  it('does not proceed when the batch left staging while the files were counted', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'a.json', '{}\n');
    world.batches.interfere(() => ({ status: 'failed' }));

    // Act
    const outcome = await checkGuardrails(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ proceed: false });
    expect(world.batches.stored()).toMatchObject({ status: 'failed', revision: 2 });
    expect(world.batches.stored().inputFileCount).toBeUndefined();
  });

  it('fails the step with a BatchStateError when the batch is gone', async () => {
    // Prepare
    const world = ingestWorld();

    // Act
    const outcome = checkGuardrails(world.deps, STEP);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BatchStateError);
  });
});
