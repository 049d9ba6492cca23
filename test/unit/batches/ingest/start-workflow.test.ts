import { describe, expect, it } from 'vitest';
import { startRevert, startWorkflow } from '../../../../lambdas/core/batches/ingest/start-workflow';
import { addBatch, executionArnOf, ingestWorld } from '../../../support/memory-file-batches';
import { BATCH_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const toStaging = () => ({ status: 'staging' as const });

describe('startWorkflow', () => {
  it('marks the batch with the first attempt and starts an execution named for it', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'loading' });

    // Act
    const started = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', toStaging);

    // Assess
    expect(world.workflow.starts).toEqual([
      { name: `${BATCH_ID}-ingest-1`, input: { action: 'ingest', sandbox: SANDBOX, batchId: BATCH_ID } },
    ]);
    const execution = { arn: executionArnOf(`${BATCH_ID}-ingest-1`), attempt: 1 };
    expect(started).toMatchObject({ status: 'staging', execution });
    expect(world.batches.stored()).toEqual(started);
  });

  it('starts nothing while the execution is running', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'loading' });
    const first = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', toStaging);

    // Act
    const again = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', () => ({}));

    // Assess
    expect(again).toEqual(first);
    expect(world.workflow.starts).toHaveLength(1);
  });

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT', 'SUCCEEDED'] as const)(
    'resumes a batch whose execution ended %s with the next attempt',
    async (status) => {
      // Prepare
      const world = ingestWorld();
      addBatch(world, { status: 'loading' });
      await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', toStaging);
      world.workflow.endAll(status);

      // Act
      const resumed = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', () => ({}));

      // Assess
      expect(world.workflow.starts.map((start) => start.name)).toEqual([
        `${BATCH_ID}-ingest-1`,
        `${BATCH_ID}-ingest-2`,
      ]);
      expect(resumed?.execution).toEqual({ arn: executionArnOf(`${BATCH_ID}-ingest-2`), attempt: 2 });
      expect(world.workflow.executions.size).toBe(2);
    },
  );

  it('resumes a batch whose start failed after it was marked', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'loading' });
    const outage = new Error('Step Functions unavailable');
    const workflow = {
      start: () => Promise.reject(outage),
      status: (arn: string) => world.workflow.status(arn),
    };
    const broken = { ...world.deps, workflow };
    await expect(startWorkflow(broken, SANDBOX, BATCH_ID, 'ingest', toStaging)).rejects.toBe(outage);
    expect(world.batches.stored().execution).toEqual({ arn: '', attempt: 1 });

    // Act
    const resumed = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', () => ({}));

    // Assess
    expect(resumed).toMatchObject({
      status: 'staging',
      execution: { arn: executionArnOf(`${BATCH_ID}-ingest-2`), attempt: 2 },
    });
  });

  it('starts one execution for concurrent requests', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'loading' });

    // Act
    const answers = await Promise.all(
      [1, 2, 3].map(() => startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', toStaging)),
    );

    // Assess
    expect(world.workflow.executions.size).toBe(1);
    expect(new Set(world.workflow.starts.map((start) => start.name))).toEqual(
      new Set([`${BATCH_ID}-ingest-1`]),
    );
    expect(world.batches.stored().execution).toEqual({
      arn: executionArnOf(`${BATCH_ID}-ingest-1`),
      attempt: 1,
    });
    expect(answers.map((answer) => answer?.status)).toEqual(['staging', 'staging', 'staging']);
  });

  it('answers the batch as it is when it is in no state to start', async () => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world, { status: 'aborted' });

    // Act
    const answer = await startWorkflow(world.deps, SANDBOX, BATCH_ID, 'ingest', () => undefined);
    const missing = await startWorkflow(world.deps, SANDBOX, 'nope', 'ingest', toStaging);

    // Assess
    expect(answer).toEqual(batch);
    expect(missing).toBeUndefined();
    expect(world.workflow.starts).toEqual([]);
  });
});

describe('startRevert', () => {
  it('requests the revert of a successful batch and starts it', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'success' });

    // Act
    const started = await startRevert(world.deps, SANDBOX, BATCH_ID);

    // Assess
    expect(started).toMatchObject({ status: 'success', revertRequestedAt: NOW.toISOString() });
    expect(started?.replacedBy).toBeUndefined();
    expect(world.workflow.starts).toEqual([
      { name: `${BATCH_ID}-revert-1`, input: { action: 'revert', sandbox: SANDBOX, batchId: BATCH_ID } },
    ]);
  });

  it('keeps when the revert was first requested when it is resumed', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'success', revertRequestedAt: '2024-05-01T00:00:00.000Z' });

    // Act
    const resumed = await startRevert(world.deps, SANDBOX, BATCH_ID);

    // Assess
    expect(resumed).toMatchObject({
      revertRequestedAt: '2024-05-01T00:00:00.000Z',
      execution: { arn: executionArnOf(`${BATCH_ID}-revert-1`), attempt: 1 },
    });
  });

  it.each(['deleted', 'failed', 'processing'] as const)('starts no revert of a %s batch', async (status) => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world, { status });

    // Act
    const answer = await startRevert(world.deps, SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual(batch);
    expect(world.workflow.starts).toEqual([]);
  });
});
