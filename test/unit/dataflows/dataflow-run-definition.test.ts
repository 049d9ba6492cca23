/**
 * The dataflow-run state machine as written: valid Amazon States Language, and its paths run with
 * aws-local-stepfunctions (as the local runtime runs it), every Task answered by the dataflow worker over in-memory
 * fakes — the batch a run completes is ingested by the batch worker's own steps while the run waits — or by a
 * scripted stand-in where a path needs an error the worker would not raise on its own.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { aslValidator, runWorkflow, statesOf, workflowDefinition } from '../../support/asl-harness';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import { notFound } from '../../../lambdas/core/errors/domain-error';
import { SLICE_TIME_BUDGET_MS } from '../../../lambdas/core/dataflows/pull-slice';
import { runDataflowTask, type RunWorkerEvent } from '../../../lambdas/core/dataflows/run-tasks';
import { RUN_EVENT_CODES } from '../../../lambdas/core/dataflows/run-view';
import type { RunWorkerDeps } from '../../../lambdas/core/dataflows/run-worker-ports';
import { target } from '../streaming/consume-fakes';
import {
  DATASET_ID,
  dataflow,
  dataflowWorld,
  FLOW_ID,
  HTTP_CONNECTION_ID,
  ingestStartedBatches,
  lakeEmails,
  peopleLines,
  SANDBOX,
  type DataflowWorld,
} from '../../support/dataflow-world';

const WORKER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tributary-dataflow-worker';
const definition = workflowDefinition('dataflow-run.asl.json', 'DataflowWorkerFunctionArn', WORKER_ARN);

const WORKER_TASKS = [
  'begin-run',
  'pull-slice',
  'complete-batch',
  'check-batch',
  'finish-run',
  'fail-run',
  'notify-run',
];

type Worker = (event: RunWorkerEvent) => Promise<unknown>;

const runMachine = (input: Record<string, unknown>, worker: Worker) =>
  runWorkflow(definition(), {
    functionArn: WORKER_ARN,
    input,
    worker,
    waitTimeOverrides: { WaitForBatch: 0 },
  });

/** The dataflow worker; while the run waits for its batch, the batch workflow's steps ingest it. */
const realWorker =
  (world: DataflowWorld, deps: RunWorkerDeps = world.deps): Worker =>
  async (event) => {
    if (event.task === 'check-batch') await ingestStartedBatches(world);
    return runDataflowTask(deps, event);
  };

const count = (calls: readonly string[], state: string) => calls.filter((call) => call === state).length;
const MINUTE = 60_000;

describe('the dataflow-run definition', () => {
  it('is valid Amazon States Language', () => {
    // Prepare
    const machine = definition();

    // Act
    const validation = aslValidator(structuredClone(machine), { checkArn: true, checkPaths: true });

    // Assess
    expect(validation.errorsText()).toBe('');
    expect(validation.isValid).toBe(true);
  });

  it('invokes the dataflow worker from every Task, with every task the worker runs', () => {
    // Prepare
    const states = statesOf(definition());

    // Act
    const tasks = states.filter(([, state]) => state.Type === 'Task').map(([, state]) => state.Parameters);

    // Assess
    expect(tasks.map((parameters) => parameters?.FunctionName)).toEqual(tasks.map(() => WORKER_ARN));
    expect(new Set(tasks.map((parameters) => parameters?.Payload?.task))).toEqual(new Set(WORKER_TASKS));
  });
});

describe('runs of the dataflow-run definition', () => {
  let world: DataflowWorld;

  const start = async () => {
    const run = await new FlowRunService(world.startDeps).runNow(SANDBOX, FLOW_ID);
    return { input: { sandbox: SANDBOX, dataflowId: FLOW_ID, runId: run.id }, runId: run.id };
  };

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow());
    const modified = new Date(world.clock.now().getTime() - 2 * MINUTE);
    world.s3.put('people/a.jsonl', peopleLines([{ email: 'a@x.io' }, { email: 'b@x.io' }]), modified);
    world.s3.put('people/b.jsonl', peopleLines([{ email: 'c@x.io' }]), modified);
  });

  it('begins, pulls, completes the batch, waits for it, finishes and notifies', async () => {
    // Prepare
    const { input, runId } = await start();

    // Act
    const run = await runMachine(input, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls).toEqual([
      'BeginRun',
      'PullSlice',
      'CompleteBatch',
      'CheckBatch',
      'FinishRun',
      'NotifyOutcome',
    ]);
    expect(world.runs.stored(runId)).toMatchObject({ status: 'success', metrics: { recordsIngested: 3 } });
    expect(world.events.map((event) => event.eventCode)).toEqual([RUN_EVENT_CODES.success]);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
  });

  it('pulls slice after slice until the pull is done', async () => {
    // Prepare: each copy takes longer than a slice's time budget
    const { input } = await start();
    const landing = world.deps.landing;
    const deps: RunWorkerDeps = {
      ...world.deps,
      landing: {
        ...landing,
        upload: async (key, body) => {
          world.clock.advance(SLICE_TIME_BUDGET_MS + 1);
          return landing.upload(key, body);
        },
      },
    };

    // Act
    const run = await runMachine(input, realWorker(world, deps));

    // Assess
    expect(run.error).toBeUndefined();
    expect(count(run.calls, 'PullSlice')).toBe(2);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
  });

  it('retries a source that failed for a while, then succeeds', async () => {
    // Prepare: an HTTP flow whose API answers 500 until the step's first attempt has given up
    await world.flows.replace({ ...world.flows.stored(), connectionId: HTTP_CONNECTION_ID, revision: 2 });
    world.api.records.push({ email: 'h@x.io', updatedAt: '2026-03-01T00:00:00Z' });
    world.api.failing.add(1);
    const { input, runId } = await start();
    const worker = realWorker(world);

    // Act
    const run = await runMachine(input, async (event) => {
      if (event.task === 'pull-slice' && world.api.requests.length > 0) world.api.failing.clear();
      return worker(event);
    });

    // Assess
    expect(run.error).toBeUndefined();
    expect(count(run.calls, 'PullSlice')).toBe(2);
    expect(world.runs.stored(runId).status).toBe('success');
  });

  it('finishes a run whose batch failed as failed, and ends the execution without an error', async () => {
    // Prepare
    world.ingest.targets[DATASET_ID] = {
      ...target(DATASET_ID),
      validate: () => [{ pointer: '/email', keyword: 'format', message: 'refused' }],
    };
    const { input, runId } = await start();

    // Act
    const run = await runMachine(input, realWorker(world));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.calls.slice(-2)).toEqual(['FinishRun', 'NotifyOutcome']);
    expect(world.runs.stored(runId).status).toBe('failed');
    expect(world.runs.stored(runId).errors.map((error) => error.code)).toEqual([
      'CONNECTOR-2001-500',
      'partial-ingestion-threshold-exceeded',
      'schema-validation',
    ]);
    expect(world.events.map((event) => event.eventCode)).toEqual([RUN_EVENT_CODES.failed]);
    expect(world.flows.stored().state.watermark).toBeUndefined();
  });

  it('fails the run and the execution when a step keeps failing, after its retries', async () => {
    // Prepare
    const { input, runId } = await start();
    const worker: Worker = async (event) => {
      if (event.task === 'complete-batch') throw new Error('the batches table is unavailable');
      return realWorker(world)(event);
    };

    // Act
    const run = await runMachine(input, worker);

    // Assess
    expect(run.error?.name).toBe('RunFailed');
    expect(count(run.calls, 'CompleteBatch')).toBe(6);
    expect(run.calls.slice(-2)).toEqual(['FailRun', 'NotifyFailure']);
    expect(world.runs.stored(runId)).toMatchObject({
      status: 'failed',
      errors: [{ code: 'dataflow-step-failed', message: 'Error: the batches table is unavailable' }],
      progress: { files: 2, done: true },
    });
    expect(world.flows.stored().state.activeRunId).toBeUndefined();
  });

  it('does not retry a source that refused for good', async () => {
    // Prepare: the API refuses the credential (401)
    await world.flows.replace({ ...world.flows.stored(), connectionId: HTTP_CONNECTION_ID, revision: 2 });
    const refusing = {
      ...world.deps,
      connections: { ...world.deps.connections, authOf: async () => undefined },
    };
    const { input, runId } = await start();

    // Act
    const run = await runMachine(input, realWorker(world, refusing));

    // Assess
    expect(run.error?.name).toBe('RunFailed');
    expect(run.calls).toEqual(['BeginRun', 'PullSlice', 'FailRun', 'NotifyFailure']);
    expect(world.runs.stored(runId).errors).toEqual([
      { code: 'CONNECTOR-1001-500', message: 'http-401: GET api.test/people answered 401' },
    ]);
  });

  it('does not retry a run whose connection is gone', async () => {
    // Prepare
    world.connections.clear();
    const { input, runId } = await start();

    // Act
    const run = await runMachine(input, realWorker(world));

    // Assess
    expect(run.calls).toEqual(['BeginRun', 'FailRun', 'NotifyFailure']);
    expect(world.runs.stored(runId).status).toBe('failed');
  });

  it('does not retry a step the core refused (a DomainError, caught by its name)', async () => {
    // Prepare
    const { input, runId } = await start();
    const worker = realWorker(world);

    // Act
    const run = await runMachine(input, async (event) => {
      if (event.task === 'pull-slice') throw notFound('dataset', 'gone');
      return worker(event);
    });

    // Assess
    expect(run.calls).toEqual(['BeginRun', 'PullSlice', 'FailRun', 'NotifyFailure']);
    expect(world.runs.stored(runId).status).toBe('failed');
  });

  it('ends well when a notification step keeps failing: a notification never fails the run', async () => {
    // Prepare
    const { input, runId } = await start();
    const worker: Worker = async (event) => {
      if (event.task === 'notify-run') throw new Error('the runs table is unavailable');
      return realWorker(world)(event);
    };

    // Act
    const run = await runMachine(input, worker);

    // Assess
    expect(run.error).toBeUndefined();
    expect(count(run.calls, 'NotifyOutcome')).toBe(6);
    expect(world.runs.stored(runId).status).toBe('success');
  });
});
