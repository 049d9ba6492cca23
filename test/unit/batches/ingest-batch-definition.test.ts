/**
 * The ingest-batch state machine as written: valid Amazon States Language, and its paths run with
 * aws-local-stepfunctions (as the local runtime runs it), every Task answered by the batch worker over in-memory
 * fakes, or by a scripted stand-in where a path needs an error the worker would not raise on its own.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aslValidator, runWorkflow, statesOf, workflowDefinition } from '../../support/asl-harness';
import { FileFormatError } from '../../../lambdas/core/batches/formats/file-format-types';
import { THRESHOLD_EXCEEDED } from '../../../lambdas/core/batches/ingest/decide';
import { WORKFLOW_ERROR } from '../../../lambdas/core/batches/ingest/record-failure';
import { startRevert } from '../../../lambdas/core/batches/ingest/start-workflow';
import { runWorkerTask, type WorkerEvent } from '../../../lambdas/core/batches/ingest/worker-tasks';
import { APPLY_CODES } from '../../../lambdas/core/profiles/apply-to-profiles';
import {
  addBatch,
  addFile,
  ingestWorld,
  personLines,
  runIngestion,
  withLake,
  type IngestWorld,
} from '../../support/memory-file-batches';
import { BATCH_ID, SANDBOX } from '../../support/memory-uploads';

const WORKER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tributary-batch-worker';
const definition = workflowDefinition('ingest-batch.asl.json', 'BatchWorkerFunctionArn', WORKER_ARN);

const WORKER_TASKS = [
  'check-guardrails',
  'plan-chunks',
  'stage-chunk',
  'decide',
  'promote-chunk',
  'finish-promotion',
  'plan-revert',
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
      'StageChunk',
      'StageChunk',
      'StageChunk',
      'StageChunk',
      'Decide',
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

  it('reverts the batches a replay replaces before it promotes the replay', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { batchId: 'old', externalId: 'old' });
    await addFile(world, 'a.json', personLines([{ email: 'a@x.io', age: 1 }, { email: 'b@x.io' }]), {
      batchId: 'old',
    });
    await runIngestion(world, 'finished', 'old');
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
      'StageChunk',
      'Decide',
      'PlanPredecessorRevert',
      'RevertPredecessorChunk',
      'FinishPredecessorRevert',
      'PromoteChunk',
      'FinishPromotion',
    ]);
    expect(world.batches.stored('old')).toMatchObject({ status: 'inactive', replacedBy: BATCH_ID });
    expect(world.batches.stored()).toMatchObject({ status: 'success' });
    expect(world.profiles.revertedRecords()).toEqual([{ email: 'a@x.io', age: 1 }, { email: 'b@x.io' }]);
    const lake = world.lake.keys();
    expect(lake).toHaveLength(1);
    expect(lake.filter((key) => oldLake.includes(key))).toEqual([]);
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
    expect(run.calls).toEqual(['CheckGuardrails', 'PlanChunks', 'StageChunk', 'RecordFailure']);
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
    expect(run.calls).toEqual(['PlanRevert', 'RevertChunk', 'RevertChunk', 'RevertChunk', 'FinishRevert']);
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
    expect(run.calls).toEqual(['PlanRevert', 'FinishRevert']);
    expect(world.batches.stored().status).toBe('success');
  });
});
