/**
 * The ingest-batch state machine as written: valid Amazon States Language, and its paths run with
 * aws-local-stepfunctions (as the local runtime runs it), every Task answered by the batch worker over in-memory
 * fakes, or by a scripted stand-in where a path needs an error the worker would not raise on its own.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aslValidator, runWorkflow, statesOf, workflowDefinition } from '../../support/asl-harness';
import { fileBatchMetrics } from '../../../lambdas/core/batches/file-batch-view';
import { FileFormatError } from '../../../lambdas/core/files/file-format-types';
import { CHUNKS_PER_PAGE } from '../../../lambdas/core/batches/ingest/chunk-plan';
import { THRESHOLD_EXCEEDED } from '../../../lambdas/core/batches/ingest/decide';
import { WORKFLOW_ERROR } from '../../../lambdas/core/batches/ingest/record-failure';
import { startRevert } from '../../../lambdas/core/batches/ingest/start-workflow';
import { runWorkerTask, type WorkerEvent } from '../../../lambdas/core/batches/ingest/worker-tasks';
import { APPLY_CODES } from '../../../lambdas/core/profiles/apply-to-profiles';
import {
  addBatch,
  addFile,
  ingestWorld,
  parquetRows,
  personLines,
  withLake,
  type IngestWorld,
} from '../../support/memory-file-batches';
import { BATCH_ID, SANDBOX } from '../../support/memory-uploads';

const WORKER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tributary-batch-worker';
const definition = workflowDefinition('ingest-batch.asl.json', 'BatchWorkerFunctionArn', WORKER_ARN);

const WORKER_TASKS = [
  'check-guardrails',
  'plan-chunks',
  'chunks-to-stage',
  'stage-chunk',
  'decide',
  'chunks-to-promote',
  'promote-chunk',
  'finish-promotion',
  'plan-revert',
  'chunks-to-revert',
  'revert-chunk',
  'finish-revert',
  'record-failure',
];

type Worker = (event: WorkerEvent) => Promise<unknown>;

const runMachine = (input: Record<string, unknown>, worker: Worker) =>
  runWorkflow(definition(), { functionArn: WORKER_ARN, input, worker });

const realWorker =
  (world: IngestWorld): Worker =>
  (event) =>
    runWorkerTask(world.deps, event);

const INGEST = { action: 'ingest', sandbox: SANDBOX, batchId: BATCH_ID };
const REVERT = { action: 'revert', sandbox: SANDBOX, batchId: BATCH_ID };
const count = (calls: readonly string[], state: string) => calls.filter((call) => call === state).length;

/** A staging batch of two files: three valid rows and one invalid, in one-row chunks. */
async function stagingWorld(percent = 50): Promise<IngestWorld> {
  const world = ingestWorld({ chunkBytes: 1 });
  addBatch(world, { partialIngestionPercent: percent });
  await addFile(world, 'a.json', personLines([{ email: 'a@x.io' }, { email: 'b@x.io' }]));
  await addFile(world, 'b.json', personLines([{ email: 'c@x.io' }, { age: 4 }]));
  return world;
}

/** A staging batch of one file of one valid row: one chunk, so retries are counted exactly. */
async function oneChunkWorld(): Promise<IngestWorld> {
  const world = ingestWorld();
  addBatch(world);
  await addFile(world, 'a.json', personLines([{ email: 'a@x.io' }]));
  return world;
}

/** 1 attempt, then the definition's MaxAttempts of retries for States.ALL. */
const ATTEMPTS = 6;

describe('the ingest-batch definition', () => {
  it('is valid Amazon States Language', () => {
    // Prepare
    const machine = definition();

    // Act
    const validation = aslValidator(structuredClone(machine), { checkArn: true, checkPaths: true });

    // Assess
    expect(validation.errorsText()).toBe('');
    expect(validation.isValid).toBe(true);
  });

  it('invokes the batch worker from every Task, with tasks the worker runs', () => {
    // Prepare
    const states = statesOf(definition());

    // Act
    const tasks = states.filter(([, state]) => state.Type === 'Task').map(([, state]) => state.Parameters);
    const named = [
      ...tasks.map((parameters) => parameters?.Payload?.task),
      ...states.map(([, state]) => state.ItemSelector?.task),
    ].filter((task) => task !== undefined);

    // Assess
    expect(tasks.map((parameters) => parameters?.FunctionName)).toEqual(tasks.map(() => WORKER_ARN));
    expect(new Set(named)).toEqual(new Set(WORKER_TASKS));
  });
});

describe('runs of the ingest-batch definition', () => {
  it('stages, decides, promotes and finishes a batch', async () => {
    // Prepare
    const world = await stagingWorld();

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual([
      'CheckGuardrails',
      'PlanChunks',
      'ChunksToStage',
      'StageChunk',
      'StageChunk',
      'StageChunk',
      'StageChunk',
      'Decide',
      'ChunksToPromote',
      'PromoteChunk',
      'PromoteChunk',
      'PromoteChunk',
      'FinishPromotion',
    ]);
    expect(world.batches.stored()).toMatchObject({ status: 'success', inputFileCount: 2 });
    expect(world.lake.keys().filter((key) => key.startsWith('lake/'))).toHaveLength(3);
    expect(world.lake.keys().filter((key) => key.startsWith('staging/'))).toEqual([]);
    expect(world.profiles.appliedRecords()).toEqual(
      expect.arrayContaining([{ email: 'a@x.io' }, { email: 'b@x.io' }, { email: 'c@x.io' }]),
    );
  });

  it('promotes a replay first, then reverts the batches it replaces, handing their data over to it', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { batchId: 'old', externalId: 'old' });
    await addFile(world, 'a.json', personLines([{ email: 'a@x.io', age: 1 }, { email: 'b@x.io' }]), {
      batchId: 'old',
    });
    await runMachine({ ...INGEST, batchId: 'old' }, realWorker(world));
    const oldLake = world.lake.keys();
    addBatch(world, { replay: { predecessors: ['old'] } });
    await addFile(world, 'a.json', personLines([{ email: 'a@x.io', age: 2 }]));

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual([
      'CheckGuardrails',
      'PlanChunks',
      'ChunksToStage',
      'StageChunk',
      'Decide',
      'ChunksToPromote',
      'PromoteChunk',
      'PlanPredecessorRevert',
      'PredecessorChunksToRevert',
      'RevertPredecessorChunk',
      'FinishPredecessorRevert',
      'FinishPromotion',
    ]);
    expect(world.batches.stored('old')).toMatchObject({ status: 'inactive', replacedBy: BATCH_ID });
    expect(world.batches.stored()).toMatchObject({ status: 'success' });
    expect(world.profiles.applied.at(-1)).toMatchObject({
      items: [expect.objectContaining({ record: { email: 'a@x.io', age: 2 } })],
      replaces: ['old'],
    });
    expect(world.profiles.revertedRecords()).toEqual([{ email: 'a@x.io', age: 1 }, { email: 'b@x.io' }]);
    const lake = world.lake.keys();
    expect(lake).toHaveLength(1);
    expect(lake.filter((key) => oldLake.includes(key))).toEqual([]);
  });

  it('leaves the batch a replay replaces wholly in place, lake and profiles, while the replay cannot be promoted', async () => {
    // Prepare: a promoted batch, and its replay, whose promotion the profile store keeps failing
    const world = ingestWorld();
    addBatch(world, { batchId: 'old', externalId: 'old' });
    await addFile(world, 'a.json', personLines([{ email: 'a@x.io', age: 1 }]), { batchId: 'old' });
    await runMachine({ ...INGEST, batchId: 'old' }, realWorker(world));
    const oldLake = world.lake.keys();
    addBatch(world, { replay: { predecessors: ['old'] } });
    await addFile(world, 'a.json', personLines([{ email: 'a@x.io', age: 2 }]));
    world.profiles.answer = () => ({ status: 'failed', code: APPLY_CODES.storeError });

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error?.name).toBe('ProfileStoreError');
    expect(world.batches.stored()).toMatchObject({ status: 'processing' });
    expect(world.batches.stored('old')).toMatchObject({ status: 'success' });
    expect(world.batches.stored('old').revertRequestedAt).toBeUndefined();
    expect(world.profiles.reverted).toEqual([]);
    expect(world.lake.keys().filter((key) => oldLake.includes(key))).toEqual(oldLake);
  });

  it('promotes a batch resumed after a deploy that cuts chunks otherwise from its first plan: every row once', async () => {
    // Prepare: 40 rows in chunks of one row; the profile store fails one chunk for good, so the execution ends
    // with the batch being promoted; then a deploy cuts chunks of several rows, and the batch is resumed
    const rows = Array.from({ length: 40 }, (_, i) => ({ email: `r${i}@x.io`, age: i }));
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    await addFile(world, 'a.json', personLines(rows));
    world.profiles.answer = (record) =>
      (record as { age: number }).age === 30
        ? { status: 'failed', code: APPLY_CODES.storeError }
        : { status: 'applied' };
    const stopped = await runMachine(INGEST, realWorker(world));
    world.profiles.answer = () => ({ status: 'applied' });
    const redeployed = { ...world.deps, chunkBytes: 200 };

    // Act
    const resumed = await runMachine(INGEST, (event) => runWorkerTask(redeployed, event));

    // Assess
    expect(stopped.error?.name).toBe('ProfileStoreError');
    expect(resumed.error).toBeUndefined();
    expect(world.batches.stored().status).toBe('success');
    const lakeRows = (
      await Promise.all(
        world.lake
          .keys()
          .filter((key) => key.startsWith('lake/'))
          .map(async (key) => parquetRows(world.lake.objects.get(key)!)),
      )
    ).flat();
    expect(lakeRows.map((row) => row.record)).toHaveLength(40);
    expect(new Set(lakeRows.map((row) => row.message_id)).size).toBe(40);
    const metrics = fileBatchMetrics(
      world.batches.stored(),
      await world.batches.stagedChunksOf(SANDBOX, BATCH_ID),
    );
    expect(metrics).toMatchObject({ inputRecordCount: 40, outputRecordCount: 40 });
  });

  it('stages a batch of more chunks than a state can carry a page at a time', async () => {
    // Prepare
    const rows = CHUNKS_PER_PAGE + 1;
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    await addFile(
      world,
      'a.json',
      personLines(Array.from({ length: rows }, (_, i) => ({ email: `${i}@x.io` }))),
    );

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(count(run.calls, 'ChunksToStage')).toBe(2);
    expect(count(run.calls, 'StageChunk')).toBe(rows);
    expect(count(run.calls, 'ChunksToPromote')).toBe(2);
    expect(count(run.calls, 'PromoteChunk')).toBe(rows);
    expect(world.batches.stored()).toMatchObject({ status: 'success', plan: { chunks: rows, pages: 2 } });
  });

  it('finishes without promoting when the decision is not to promote', async () => {
    // Prepare
    const world = await stagingWorld(5);

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls.at(-1)).toBe('Decide');
    expect(world.batches.stored()).toMatchObject({ status: 'failed', failure: { code: THRESHOLD_EXCEEDED } });
    expect(world.lake.objects.size).toBe(0);
    expect(world.profiles.applied).toEqual([]);
  });

  it('finishes at once when the guardrails are exceeded', async () => {
    // Prepare
    const world = await stagingWorld();
    const deps = { ...world.deps, guardrails: { ...world.deps.guardrails, maxFilesPerBatch: 1 } };

    // Act
    const run = await runMachine(INGEST, (event) => runWorkerTask(deps, event));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual(['CheckGuardrails']);
    expect(world.batches.stored().status).toBe('failed');
  });

  it('retries a transient error and then succeeds', async () => {
    // Prepare
    const world = await stagingWorld();
    let storeFailures = 1;
    world.profiles.answer = () =>
      storeFailures-- > 0 ? { status: 'failed', code: APPLY_CODES.storeError } : { status: 'applied' };

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(count(run.calls, 'PromoteChunk')).toBe(4);
    expect(world.batches.stored().status).toBe('success');
  });

  it('fails the execution, leaving the batch for COMPLETE to resume, when promotion keeps failing', async () => {
    // Prepare
    const world = await oneChunkWorld();
    world.profiles.answer = () => ({ status: 'failed', code: APPLY_CODES.storeError });

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error?.name).toBe('ProfileStoreError');
    expect(count(run.calls, 'PromoteChunk')).toBe(ATTEMPTS);
    expect(run.calls).not.toContain('RecordFailure');
    expect(world.batches.stored().status).toBe('processing');
  });

  it('records the failure and fails with BatchFailed when a chunk cannot be read', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    const gzip = gzipSync(
      Buffer.from(personLines(Array.from({ length: 50 }, (_, i) => ({ email: `${i}@x.io` })))),
    );
    await addFile(world, 'people.json.gz', gzip.subarray(0, gzip.length - 20));

    // Act
    const run = await runMachine(INGEST, realWorker(world));

    // Assess
    expect(run.error?.name).toBe('BatchFailed');
    expect(run.calls).toEqual([
      'CheckGuardrails',
      'PlanChunks',
      'ChunksToStage',
      'StageChunk',
      'RecordFailure',
    ]);
    expect(world.batches.stored()).toMatchObject({ status: 'failed', failure: { code: 'corrupt-gzip' } });
  });

  it('records the failure of a stage chunk whose retries ran out', async () => {
    // Prepare
    const world = await oneChunkWorld();
    const deps = withLake(world, { put: () => Promise.reject(new Error('the lake bucket is unavailable')) });

    // Act
    const run = await runMachine(INGEST, (event) => runWorkerTask(deps, event));

    // Assess
    expect(run.error?.name).toBe('BatchFailed');
    expect(run.calls).toEqual([
      'CheckGuardrails',
      'PlanChunks',
      'ChunksToStage',
      ...Array.from({ length: ATTEMPTS }, () => 'StageChunk'),
      'RecordFailure',
    ]);
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      failure: { code: WORKFLOW_ERROR, message: 'Error: the lake bucket is unavailable' },
    });
  });

  it('does not retry a FileFormatError', async () => {
    // Prepare
    const world = await stagingWorld();
    const received: unknown[] = [];
    const worker: Worker = async (event) => {
      if (event.task === 'plan-chunks')
        throw new FileFormatError('corrupt-gzip', 'The file is not a readable gzip');
      if (event.task === 'record-failure') received.push(event.error);
      return runWorkerTask(world.deps, event);
    };

    // Act
    const run = await runMachine(INGEST, worker);

    // Assess
    expect(run.calls).toEqual(['CheckGuardrails', 'PlanChunks', 'RecordFailure']);
    expect(run.error?.name).toBe('BatchFailed');
    expect(received).toEqual([
      {
        Error: 'FileFormatError',
        Cause: JSON.stringify({
          errorType: 'FileFormatError',
          errorMessage: 'The file is not a readable gzip',
        }),
      },
    ]);
    expect(world.batches.stored().failure).toEqual({
      code: WORKFLOW_ERROR,
      message: 'FileFormatError: The file is not a readable gzip',
    });
  });

  it('reverts a promoted batch', async () => {
    // Prepare
    const world = await stagingWorld();
    await runMachine(INGEST, realWorker(world));
    await startRevert(world.deps, SANDBOX, BATCH_ID);

    // Act
    const run = await runMachine(REVERT, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual([
      'PlanRevert',
      'ChunksToRevert',
      'RevertChunk',
      'RevertChunk',
      'RevertChunk',
      'FinishRevert',
    ]);
    expect(world.batches.stored().status).toBe('deleted');
    expect(world.lake.objects.size).toBe(0);
    expect(world.profiles.revertedRecords()).toHaveLength(3);
  });

  it('reverts nothing of a batch no revert was asked for', async () => {
    // Prepare
    const world = await stagingWorld();
    await runMachine(INGEST, realWorker(world));

    // Act
    const run = await runMachine(REVERT, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual(['PlanRevert']);
    expect(world.batches.stored().status).toBe('success');
  });
});
