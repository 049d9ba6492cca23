import { describe, expect, it } from 'vitest';
import { recordFailure, WORKFLOW_ERROR } from '../../../../lambdas/core/batches/ingest/record-failure';
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

/** A staged batch of two chunks of valid rows and one of a failed row. */
async function stagedBatch(): Promise<IngestWorld> {
  const world = ingestWorld({ chunkBytes: 1 });
  addBatch(world, { partialIngestionPercent: 50 });
  await addFile(world, 'people.json', personLines([{ email: 'a@x.io' }, { email: 'b@x.io' }, { age: 3 }]));
  await runIngestion(world, 'staged');
  return world;
}

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at stageChunk'] });

describe('recordFailure', () => {
  it("fails a batch being staged with the Lambda error's message, and removes what staging wrote", async () => {
    // Prepare
    const world = await stagedBatch();
    expect(world.lake.objects.size).toBe(2);
    const error = {
      Error: 'BatchStateError',
      Cause: lambdaCause('BatchStateError', 'the staged file is gone'),
    };

    // Act
    const outcome = await recordFailure(world.deps, { ...STEP, error });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      failure: { code: WORKFLOW_ERROR, message: 'BatchStateError: the staged file is gone' },
    });
    expect(world.lake.objects.size).toBe(0);
    expect(world.quarantine.objects.size).toBe(1);
  });

  it.each([
    [
      'a cause that is text',
      { Error: 'States.Timeout', Cause: 'the task timed out' },
      'States.Timeout: the task timed out',
    ],
    ['a JSON cause without a message', { Error: 'E', Cause: '{"code":1}' }, 'E: {"code":1}'],
    ['no cause', { Error: 'States.Runtime' }, 'States.Runtime: States.Runtime'],
    ['no error at all', undefined, 'Error: the workflow failed'],
  ])('says what failed from %s', async (_what, error, message) => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);

    // Act
    await recordFailure(world.deps, { ...STEP, ...(error ? { error } : {}) });

    // Assess
    expect(world.batches.stored().failure).toEqual({ code: WORKFLOW_ERROR, message });
  });

  it('keeps the first 2,000 characters of a long message', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    const error = { Error: 'Error', Cause: lambdaCause('Error', 'x'.repeat(5000)) };

    // Act
    await recordFailure(world.deps, { ...STEP, error });

    // Assess
    expect(world.batches.stored().failure?.message).toBe(`Error: ${'x'.repeat(2000 - 'Error: '.length)}`);
  });

  it('leaves a batch being promoted as it is, for COMPLETE to resume', async () => {
    // Prepare
    const world = await stagedBatch();
    await runIngestion(world, 'decided');
    const decided = world.batches.stored();
    expect(decided.status).toBe('processing');
    const lake = world.lake.keys();

    // Act
    const outcome = await recordFailure(world.deps, { ...STEP, error: { Error: 'ProfileStoreError' } });

    // Assess
    expect(outcome).toEqual({ done: false });
    expect(world.batches.stored()).toEqual(decided);
    expect(world.lake.keys()).toEqual(lake);
  });

  it.each(['failed', 'success'] as const)('leaves a %s batch as it is', async (status) => {
    // Prepare
    const world = ingestWorld();
    const batch = addBatch(world, { status, failure: { code: 'empty-file', message: 'a.csv: empty' } });

    // Act
    const outcome = await recordFailure(world.deps, { ...STEP, error: { Error: 'BatchStateError' } });

    // Assess
    expect(outcome).toEqual({ done: false });
    expect(world.batches.stored()).toEqual(batch);
  });

  it('answers not done when the batch is gone', async () => {
    // Prepare
    const world = ingestWorld();

    // Act
    const outcome = await recordFailure(world.deps, STEP);

    // Assess
    expect(outcome).toEqual({ done: false });
  });
});
