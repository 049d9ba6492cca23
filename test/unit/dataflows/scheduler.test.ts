/** The minute's dispatch: due flows get a run of their slot, missed slots coalesce, a busy flow's slot is skipped. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DataflowSchedule } from '../../../lambdas/core/dataflows/dataflow-types';
import { dispatchDueRuns } from '../../../lambdas/core/dataflows/scheduler';
import { dataflow, dataflowWorld, FLOW_ID, START, type DataflowWorld } from '../../support/dataflow-world';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(START.getTime() + ms).toISOString();
const everyFiveMinutes: DataflowSchedule = {
  frequency: 'minute',
  interval: 5,
  startTime: START.toISOString(),
  backfill: true,
};

describe('the schedule dispatch', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow({ schedule: everyFiveMinutes, state: { nextRunAt: iso(5 * MINUTE) } }));
    await world.flows.create(
      dataflow({ id: 'not-yet', schedule: everyFiveMinutes, state: { nextRunAt: iso(10 * MINUTE) } }),
    );
  });

  it('starts a run of each flow whose slot has come and moves its next slot past now', async () => {
    // Prepare
    world.clock.set(new Date(iso(5 * MINUTE + 20_000)));

    // Act
    const outcome = await dispatchDueRuns(world.startDeps);

    // Assess
    const [run] = world.runs.all();
    expect(outcome).toEqual({
      started: [{ dataflowId: FLOW_ID, runId: run!.id, scheduledFor: iso(5 * MINUTE) }],
      skipped: [],
      failed: [],
    });
    expect(run).toMatchObject({ trigger: 'schedule', scheduledFor: iso(5 * MINUTE), status: 'queued' });
    expect(world.flows.stored().state).toMatchObject({
      nextRunAt: iso(10 * MINUTE),
      lastScheduledFor: iso(5 * MINUTE),
      activeRunId: run!.id,
    });
    expect(world.flows.stored('not-yet').state.activeRunId).toBeUndefined();
  });

  it('coalesces missed slots into one run of the latest', async () => {
    // Prepare: the dispatcher was down for an hour
    world.clock.set(new Date(iso(67 * MINUTE)));

    // Act
    const outcome = await dispatchDueRuns(world.startDeps);

    // Assess
    expect(outcome.started.map((started) => [started.dataflowId, started.scheduledFor])).toEqual([
      [FLOW_ID, iso(65 * MINUTE)],
      ['not-yet', iso(65 * MINUTE)],
    ]);
    expect(world.workflow.starts).toHaveLength(2);
    expect(world.flows.stored().state.nextRunAt).toBe(iso(70 * MINUTE));
  });

  it('skips the slot of a flow whose run is still going, and records it', async () => {
    // Prepare
    world.clock.set(new Date(iso(5 * MINUTE)));
    const [started] = (await dispatchDueRuns(world.startDeps)).started;
    world.clock.set(new Date(iso(10 * MINUTE)));

    // Act
    const outcome = await dispatchDueRuns(world.startDeps);

    // Assess
    expect(outcome.skipped).toEqual([
      { dataflowId: FLOW_ID, activeRunId: started!.runId, scheduledFor: iso(10 * MINUTE) },
    ]);
    expect(world.flows.stored().state).toMatchObject({
      activeRunId: started!.runId,
      nextRunAt: iso(15 * MINUTE),
      lastSkippedSlot: { scheduledFor: iso(10 * MINUTE), activeRunId: started!.runId, at: iso(10 * MINUTE) },
    });
  });

  it('starts a slot once when two dispatches overlap', async () => {
    // Prepare
    world.clock.set(new Date(iso(5 * MINUTE)));

    // Act
    const [first, second] = await Promise.all([
      dispatchDueRuns(world.startDeps),
      dispatchDueRuns(world.startDeps),
    ]);

    // Assess
    expect([...first.started, ...second.started]).toHaveLength(1);
    expect(world.workflow.starts).toHaveLength(1);
  });

  it('runs a once flow at its start time and never again', async () => {
    // Prepare
    const once: DataflowSchedule = { frequency: 'once', startTime: iso(MINUTE), backfill: true };
    await world.flows.create(dataflow({ id: 'once', schedule: once, state: { nextRunAt: iso(MINUTE) } }));
    world.clock.set(new Date(iso(2 * MINUTE)));

    // Act
    const first = await dispatchDueRuns(world.startDeps);
    world.clock.set(new Date(iso(60 * MINUTE)));
    const later = await dispatchDueRuns(world.startDeps);

    // Assess
    expect(first.started.map((started) => [started.dataflowId, started.scheduledFor])).toEqual([
      ['once', iso(MINUTE)],
    ]);
    expect(later.started.map((started) => started.dataflowId)).not.toContain('once');
    expect(world.flows.stored('once').state.nextRunAt).toBeUndefined();
  });

  it('reports a start that failed and leaves the flow due for the next dispatch', async () => {
    // Prepare
    world.clock.set(new Date(iso(5 * MINUTE)));
    world.workflow.failNextStart = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    // Act
    const failed = await dispatchDueRuns(world.startDeps);
    const retried = await dispatchDueRuns(world.startDeps);

    // Assess
    expect(failed.failed).toEqual([{ dataflowId: FLOW_ID, error: 'ThrottlingException: Rate exceeded' }]);
    expect(retried.started.map((started) => [started.dataflowId, started.scheduledFor])).toEqual([
      [FLOW_ID, iso(5 * MINUTE)],
    ]);
  });
});
