/**
 * Starting runs through the API: run now, one run of a flow at a time (a dead run's claim taken over), a start that
 * fails half-way, and the re-trigger rules.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import { CLAIM_GRACE_MS, RUN_INTERRUPTED } from '../../../lambdas/core/dataflows/run-start';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { failureOf } from '../../support/memory-uploads';
import {
  dataflow,
  dataflowWorld,
  driveRun,
  FLOW_ID,
  SANDBOX,
  type DataflowWorld,
} from '../../support/dataflow-world';

const SECOND = 1000;

describe('run now', () => {
  let world: DataflowWorld;
  let service: FlowRunService;

  beforeEach(async () => {
    world = dataflowWorld();
    service = new FlowRunService(world.startDeps);
    await world.flows.create(dataflow());
  });

  it('claims the flow, records a queued run and starts its execution under the run id', async () => {
    // Act
    const run = await service.runNow(SANDBOX, FLOW_ID);

    // Assess
    expect(run).toMatchObject({
      status: 'queued',
      trigger: 'manual',
      dataflowId: FLOW_ID,
      progress: { done: false },
    });
    expect(run.executionArn).toMatch(new RegExp(`:${run.id}$`));
    expect(world.workflow.starts).toEqual([
      { name: run.id, input: { sandbox: SANDBOX, dataflowId: FLOW_ID, runId: run.id } },
    ]);
    expect(world.flows.stored().state).toMatchObject({ activeRunId: run.id, lastRunId: run.id });
  });

  it('refuses a second run while the first is going, and a run of a disabled flow', async () => {
    // Prepare
    await service.runNow(SANDBOX, FLOW_ID);

    // Act
    const second = await failureOf(service.runNow(SANDBOX, FLOW_ID));
    await world.flows.replace({
      ...world.flows.stored(),
      enabled: false,
      state: {},
      revision: world.flows.stored().revision + 1,
    });
    const disabled = await failureOf(service.runNow(SANDBOX, FLOW_ID));

    // Assess
    expect(second).toMatchObject({ kind: 'conflict', code: 'run-in-progress' });
    expect(disabled).toMatchObject({ kind: 'conflict', code: 'dataflow-disabled' });
    expect(world.workflow.starts).toHaveLength(1);
  });

  it('takes over the claim of a run whose execution ended without finishing it', async () => {
    // Prepare: the runtime stopped mid-run
    const dead = await service.runNow(SANDBOX, FLOW_ID);
    world.workflow.end(dead.id, 'ABORTED');
    world.clock.advance(SECOND);

    // Act
    const run = await service.runNow(SANDBOX, FLOW_ID);

    // Assess
    expect(world.runs.stored(dead.id)).toMatchObject({
      status: 'failed',
      errors: [{ code: RUN_INTERRUPTED }],
      completedAt: world.clock.now().toISOString(),
    });
    expect(world.flows.stored().state.activeRunId).toBe(run.id);
  });

  it('waits out a claim without an execution for the grace period, then takes it over', async () => {
    // Prepare: a starter claimed the flow and died before recording its run
    const stored = world.flows.stored();
    await world.flows.replace({
      ...stored,
      state: { activeRunId: '01ORPHAN', activeRunSince: world.clock.now().toISOString() },
      revision: stored.revision + 1,
    });

    // Act
    const young = await failureOf(service.runNow(SANDBOX, FLOW_ID));
    world.clock.advance(CLAIM_GRACE_MS);
    const run = await service.runNow(SANDBOX, FLOW_ID);

    // Assess
    expect(young).toMatchObject({ kind: 'conflict', code: 'run-in-progress' });
    expect(world.flows.stored().state.activeRunId).toBe(run.id);
  });

  it('releases the flow and fails the run when the execution cannot be started', async () => {
    // Prepare
    world.workflow.failNextStart = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    // Act
    const failure = await failureOf(service.runNow(SANDBOX, FLOW_ID));
    const next = await service.runNow(SANDBOX, FLOW_ID);

    // Assess
    expect(failure).toMatchObject({ name: 'ThrottlingException' });
    const first = world.runs.all().find((run) => run.id !== next.id);
    expect(first).toMatchObject({ status: 'failed', errors: [{ code: RUN_INTERRUPTED }] });
    expect(next.status).toBe('queued');
  });

  it('lets only one of two racing starters claim the flow', async () => {
    // Prepare: another starter claims the flow between our read and our write
    world.flows.interfere((flow) => ({
      state: { ...flow.state, activeRunId: 'other', activeRunSince: world.clock.now().toISOString() },
    }));

    // Act
    const failure = await failureOf(service.runNow(SANDBOX, FLOW_ID));

    // Assess
    expect(failure).toMatchObject({ kind: 'conflict', code: 'run-in-progress' });
    expect(world.workflow.starts).toEqual([]);
  });

  it('answers 404 for an unknown flow or run', async () => {
    // Act
    const flow = await failureOf(service.runNow(SANDBOX, 'nope'));
    const run = await failureOf(service.get(SANDBOX, FLOW_ID, 'nope'));
    const list = await failureOf(service.list(SANDBOX, 'nope', { limit: 10 }));

    // Assess
    for (const failure of [flow, run, list])
      expect(failure).toMatchObject({ kind: 'not-found', code: 'not-found' });
  });

  it('lists runs newest first, a page at a time', async () => {
    // Prepare
    const ids: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const run = await service.runNow(SANDBOX, FLOW_ID);
      ids.push((await driveRun(world, run.id)).id);
      world.clock.advance(SECOND);
    }

    // Act
    const first = await service.list(SANDBOX, FLOW_ID, { limit: 2 });
    const second = await service.list(SANDBOX, FLOW_ID, { limit: 2, start: first.next });

    // Assess
    expect([...first.items, ...second.items].map((run) => run.id)).toEqual([...ids].reverse());
    expect(second.next).toBeUndefined();
  });
});

describe('re-trigger', () => {
  let world: DataflowWorld;
  let service: FlowRunService;

  const failedRun = async () => {
    world.connections.clear();
    const run = await driveRun(world, (await service.runNow(SANDBOX, FLOW_ID)).id);
    world.connections.set(
      'conn-s3',
      (await import('../../support/dataflow-world')).connectionOf('conn-s3', 's3'),
    );
    world.clock.advance(SECOND);
    return run;
  };

  beforeEach(async () => {
    world = dataflowWorld();
    service = new FlowRunService(world.startDeps);
    await world.flows.create(dataflow());
  });

  it('starts a run that continues the failed one', async () => {
    // Prepare
    const failed = await failedRun();

    // Act
    const run = await service.retrigger(SANDBOX, FLOW_ID, failed.id);

    // Assess
    expect(failed.status).toBe('failed');
    expect(run).toMatchObject({ trigger: 'retrigger', retriggerOf: failed.id, status: 'queued' });
  });

  it('refuses a run that did not fail, a run re-triggered already, and a run a later success covered', async () => {
    // Prepare
    const failed = await failedRun();
    const retriggered = await driveRun(world, (await service.retrigger(SANDBOX, FLOW_ID, failed.id)).id);
    const otherFailed = await failedRun();
    world.clock.advance(SECOND);
    await driveRun(world, (await service.runNow(SANDBOX, FLOW_ID)).id);

    // Act
    const succeeded = await failureOf(service.retrigger(SANDBOX, FLOW_ID, retriggered.id));
    const twice = await failureOf(service.retrigger(SANDBOX, FLOW_ID, failed.id));
    const covered = await failureOf(service.retrigger(SANDBOX, FLOW_ID, otherFailed.id));

    // Assess
    expect(retriggered.status).toBe('success');
    expect(succeeded).toMatchObject({ kind: 'conflict', code: 'run-not-failed' });
    expect(twice).toMatchObject({ kind: 'conflict', code: 'run-already-retriggered' });
    expect(covered).toMatchObject({ kind: 'conflict', code: 'run-superseded' });
    expect(covered).toBeInstanceOf(DomainError);
  });

  it('refuses while another run of the flow is going', async () => {
    // Prepare
    const failed = await failedRun();
    await service.runNow(SANDBOX, FLOW_ID);

    // Act
    const failure = await failureOf(service.retrigger(SANDBOX, FLOW_ID, failed.id));

    // Assess
    expect(failure).toMatchObject({ kind: 'conflict', code: 'run-in-progress' });
  });
});
