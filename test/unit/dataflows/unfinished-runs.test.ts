/**
 * A run whose batch did not finish (its promotion stopped, its execution died) is never followed by a fresh pull
 * beside it: the next run — on demand, scheduled, or a re-trigger — resumes that batch, so nothing is ingested twice
 * and the watermark moves once, when the batch succeeds.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import { runDataflowTask } from '../../../lambdas/core/dataflows/run-tasks';
import { dispatchDueRuns } from '../../../lambdas/core/dataflows/scheduler';
import { APPLY_CODES } from '../../../lambdas/core/profiles/apply-to-profiles';
import { failureOf } from '../../support/memory-uploads';
import {
  ago,
  dataflow,
  dataflowWorld,
  driveRun,
  emailLines,
  FLOW_ID,
  ingestStartedBatches,
  lakeEmails,
  retriggerRun,
  runNow,
  SANDBOX,
  type DataflowWorld,
} from '../../support/dataflow-world';

const MINUTE = 60_000;

describe('the run after one whose batch stopped mid-promotion', () => {
  let world: DataflowWorld;
  let service: FlowRunService;
  const profileStoreDown = () => {
    world.ingest.profiles.answer = () => ({ status: 'failed', code: APPLY_CODES.storeError });
  };
  const profileStoreUp = () => {
    world.ingest.profiles.answer = () => ({ status: 'applied' });
  };
  beforeEach(async () => {
    world = dataflowWorld();
    service = new FlowRunService(world.startDeps);
    await world.flows.create(dataflow());
    world.s3.put('people/a.jsonl', emailLines('a@x.io', 'b@x.io'), ago(world, 3 * MINUTE));
  });

  it('resumes the stuck batch instead of pulling anew: nothing twice, the watermark moved once', async () => {
    // Prepare: the ingestion stops while promoting; a new object arrives before the next run
    profileStoreDown();
    const stuck = await runNow(world);
    const stuckStatus = world.ingest.batches.stored(stuck.id).status;
    profileStoreUp();
    world.clock.advance(MINUTE);
    world.s3.put('people/c.jsonl', emailLines('c@x.io'), ago(world, MINUTE));
    const watermarkBefore = world.flows.stored().state.watermark;

    // Act
    const next = await runNow(world);
    const watermarkAfterNext = world.flows.stored().state.watermark;
    world.clock.advance(MINUTE);
    const after = await runNow(world);

    // Assess
    expect(stuckStatus).toBe('processing');
    expect(world.flows.stored().state.unfinishedRunId).toBeUndefined();
    expect(next).toMatchObject({
      status: 'success',
      trigger: 'manual',
      resumes: stuck.id,
      batchId: stuck.id,
      metrics: { recordsIngested: 2 },
    });
    expect(world.ingest.batches.stored(stuck.id).status).toBe('success');
    expect(world.runs.stored(stuck.id).retriggeredBy).toBe(next.id);
    expect(watermarkBefore).toBeUndefined();
    expect(watermarkAfterNext).toMatchObject({ key: 'people/a.jsonl' });
    expect(after).toMatchObject({ status: 'success', metrics: { filesRead: 1, recordsIngested: 1 } });
    expect(world.s3.opened).toEqual(['people/a.jsonl', 'people/c.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
  });

  it('resumes it from a scheduled slot too', async () => {
    // Prepare
    profileStoreDown();
    const stuck = await runNow(world);
    profileStoreUp();
    await world.flows.replace({
      ...world.flows.stored(),
      schedule: {
        frequency: 'minute',
        interval: 1,
        startTime: world.clock.now().toISOString(),
        backfill: true,
      },
      state: { ...world.flows.stored().state, nextRunAt: world.clock.now().toISOString() },
      revision: world.flows.stored().revision + 1,
    });

    // Act
    const dispatched = await dispatchDueRuns(world.startDeps);
    const scheduled = await driveRun(world, dispatched.started[0]!.runId);

    // Assess
    expect(scheduled).toMatchObject({
      status: 'success',
      trigger: 'schedule',
      resumes: stuck.id,
      batchId: stuck.id,
    });
    expect(world.s3.opened).toEqual(['people/a.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });

  it('lets the stuck run be re-triggered, and the run that resumed it when that one stopped too', async () => {
    // Prepare: the profile store stays down through the next run
    profileStoreDown();
    const stuck = await runNow(world);
    const next = await runNow(world);
    profileStoreUp();

    // Act
    const refused = await failureOf(service.retrigger(SANDBOX, FLOW_ID, stuck.id));
    const retriggered = await driveRun(world, (await service.retrigger(SANDBOX, FLOW_ID, next.id)).id);

    // Assess
    expect(next).toMatchObject({ status: 'failed', resumes: stuck.id, batchId: stuck.id });
    expect(refused).toMatchObject({ kind: 'conflict', code: 'run-already-retriggered' });
    expect(retriggered).toMatchObject({ status: 'success', retriggerOf: next.id, batchId: stuck.id });
    expect(world.s3.opened).toEqual(['people/a.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
    expect(world.flows.stored().state.watermark).toMatchObject({ key: 'people/a.jsonl' });
  });

  it('re-triggers the stuck run itself when no run came after it', async () => {
    // Prepare
    profileStoreDown();
    const stuck = await runNow(world);
    profileStoreUp();

    // Act
    const retriggered = await driveRun(world, (await service.retrigger(SANDBOX, FLOW_ID, stuck.id)).id);
    const next = await runNow(world);

    // Assess
    expect(retriggered).toMatchObject({ status: 'success', retriggerOf: stuck.id, batchId: stuck.id });
    expect(next).toMatchObject({ status: 'success', metrics: { recordsRead: 0 } });
    expect(next.resumes).toBeUndefined();
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });

  it('resumes the batch of a run whose execution died while it was ingesting', async () => {
    // Prepare: the run COMPLETEs its batch, whose ingestion stops while promoting; then the runtime stops
    profileStoreDown();
    const { id } = await service.runNow(SANDBOX, FLOW_ID);
    const step = { sandbox: SANDBOX, dataflowId: FLOW_ID, runId: id };
    await runDataflowTask(world.deps, { ...step, task: 'begin-run' });
    while (!((await runDataflowTask(world.deps, { ...step, task: 'pull-slice' })) as { done: boolean }).done);
    await runDataflowTask(world.deps, { ...step, task: 'complete-batch' });
    await ingestStartedBatches(world);
    world.workflow.end(id, 'ABORTED');
    profileStoreUp();
    world.clock.advance(MINUTE);

    // Act
    const next = await runNow(world);

    // Assess
    expect(world.runs.stored(id)).toMatchObject({ status: 'failed', errors: [{ code: 'run-interrupted' }] });
    expect(next).toMatchObject({
      status: 'success',
      resumes: id,
      batchId: id,
      metrics: { recordsIngested: 2 },
    });
    expect(world.s3.opened).toEqual(['people/a.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });
});

describe('re-triggering a run that failed before it began', () => {
  it('reads from the watermark, as a new run would, rather than from the beginning', async () => {
    // Prepare: a run succeeds, then one fails before it begins (its connection is gone for a while)
    const world = dataflowWorld();
    await world.flows.create(dataflow());
    world.s3.put('people/a.jsonl', emailLines('a@x.io'), ago(world, 3 * MINUTE));
    await runNow(world);
    const connection = world.connections.get('conn-s3')!;
    world.connections.delete('conn-s3');
    world.clock.advance(MINUTE);
    const failed = await runNow(world);
    world.connections.set('conn-s3', connection);
    world.s3.put('people/b.jsonl', emailLines('b@x.io'), ago(world, MINUTE));

    // Act
    const retriggered = await retriggerRun(world, failed.id);

    // Assess
    expect(failed).toMatchObject({ status: 'failed', window: {} });
    expect(retriggered).toMatchObject({ status: 'success', metrics: { filesRead: 1, recordsIngested: 1 } });
    expect(world.s3.opened).toEqual(['people/a.jsonl', 'people/b.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });
});
