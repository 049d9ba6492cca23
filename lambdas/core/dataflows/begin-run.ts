/**
 * First step of a run: fix where it reads from — the flow's watermark (or, without backfill, the schedule's start)
 * — and whether it pulls or goes straight to its batch.
 *
 * A run never pulls anew beside a batch that may still promote, or already promoted, what the run would pull
 * again. So a run continues a failed run when there is one to continue, taking over its window and progress, and
 * its batch while that batch can still finish (`loading`: the pull goes on from where it stopped; `staging` or
 * `processing`: COMPLETE resumes the ingestion, which skips what is done; `success`: only the run's own finish was
 * missing):
 * - a re-trigger continues the failed run it names. A batch of it that failed (a threshold, an unreadable file) or
 *   was ended is replaced by a new batch of the same files — their bytes stay where the failed run put them — so
 *   it is read again, with the flow's mapping as it is now. Nothing of a failed batch was promoted, so each record
 *   ends in the dataset once.
 * - any other run resumes the flow's unfinished run (`unfinishedRunId`: the latest failed run that holds a batch)
 *   when that batch can still finish; otherwise it goes on with the pull of a run that succeeded after stopping at
 *   a per-run cap (`continuationRunId`: same window, from the page it stopped at, with what it pulled remembered),
 *   unless the connection changed since; otherwise it starts from the watermark.
 * A failed run that never began (its connection was gone, its execution never ran) has nothing to carry: its
 * re-trigger begins as any other run.
 */
import type { FileBatchStatus } from '../batches/file-batch-types';
import type { Connection, HttpSourceParams } from '../connections/connection-types';
import { changeRun, DataflowStateError, type RunChange } from './dataflow-changes';
import {
  FINAL_RUN_STATUSES,
  NO_PROGRESS,
  type Dataflow,
  type DataflowSchedule,
  type DeltaWatermark,
  type FlowRun,
} from './dataflow-types';
import { connectionForStep, ensureRunBatch, flowForStep, runForStep } from './run-context';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';
import { deltaWatermarkOf, s3WatermarkOf } from './watermarks';

export type NextStep = 'pull' | 'complete';

/** Statuses in which a failed run's batch can still end in success without being made again. */
const CONTINUABLE: readonly FileBatchStatus[] = ['loading', 'staging', 'processing', 'success'];

function freshStart(flow: Dataflow, connection: Connection): RunChange {
  const { schedule } = flow;
  const noBackfill = schedule !== undefined && !schedule.backfill;
  if (connection.type === 's3') {
    const from = s3WatermarkOf(flow.state.watermark);
    return {
      source: 's3',
      window: from ? { from } : {},
      ...(noBackfill ? { notBefore: schedule.startTime } : {}),
    };
  }
  const incremental = (connection.params as HttpSourceParams).incremental !== undefined;
  const from =
    deltaWatermarkOf(flow.state.watermark) ?? (incremental && noBackfill ? startingAt(schedule) : undefined);
  return { source: 'http', window: from === undefined ? {} : { from } };
}

/** Without backfill, an HTTP flow reads the records from the schedule's start time on (a date-time, so an instant). */
const startingAt = (schedule: DataflowSchedule): DeltaWatermark => ({
  delta: schedule.startTime,
  deltaType: 'instant',
  lookBack: { from: schedule.startTime, inclusive: true, taken: {} },
});

/** What a run takes over from a failed run that began: its window and progress. */
const carriedFrom = (failed: FlowRun & { readonly source: NonNullable<FlowRun['source']> }): RunChange => ({
  source: failed.source,
  window: failed.window.from ? { from: failed.window.from } : {},
  ...(failed.notBefore ? { notBefore: failed.notBefore } : {}),
  progress: failed.progress,
});

const stepOf = (run: FlowRun, runId: string): RunStep => ({
  sandbox: run.sandbox,
  dataflowId: run.dataflowId,
  runId,
});

/** A re-trigger: continues the failed run once; undefined when that run never began. */
async function continueFailed(
  deps: RunWorkerDeps,
  flow: Dataflow,
  run: FlowRun,
  connection: Connection,
  failedId: string,
): Promise<RunChange | undefined> {
  const failed = await changeRun(deps.runs, stepOf(run, failedId), deps.now, (current) =>
    current.retriggeredBy ? undefined : { retriggeredBy: run.id },
  );
  if (!failed) throw new DataflowStateError(`run ${failedId}, which run ${run.id} re-triggers, is gone`);
  if (failed.retriggeredBy !== run.id) {
    throw new DataflowStateError(`run ${failedId} was already re-triggered as run ${failed.retriggeredBy}`);
  }
  const { source } = failed;
  if (!source) return undefined;
  const carried = carriedFrom({ ...failed, source });
  if (!failed.batchId) return carried;
  const batch = await deps.batches.getFileBatch(run.sandbox, failed.batchId);
  if (batch && CONTINUABLE.includes(batch.status)) return { ...carried, batchId: batch.batchId };
  const files = await deps.batchFiles.listFiles(run.sandbox, failed.batchId);
  if (files.length === 0) return carried;
  const batchId = await ensureRunBatch(deps, flow, run, connection);
  for (const file of files) await deps.batchFiles.putFile(run.sandbox, batchId, file);
  return { ...carried, batchId };
}

/**
 * The flow's unfinished run, resumed when its batch can still finish; undefined otherwise. Resuming the same batch
 * twice (a run that died while resuming it) ingests nothing twice, so the latest resumer simply takes it over.
 */
async function resumeUnfinished(
  deps: RunWorkerDeps,
  flow: Dataflow,
  run: FlowRun,
): Promise<RunChange | undefined> {
  const unfinishedId = flow.state.unfinishedRunId;
  if (!unfinishedId || unfinishedId === run.id) return undefined;
  const unfinished = await deps.runs.get(run.sandbox, run.dataflowId, unfinishedId);
  const source = unfinished?.source;
  if (!unfinished || unfinished.status !== 'failed' || !unfinished.batchId || !source) return undefined;
  const batch = await deps.batches.getFileBatch(run.sandbox, unfinished.batchId);
  if (!batch || !CONTINUABLE.includes(batch.status)) return undefined;
  await changeRun(deps.runs, stepOf(run, unfinishedId), deps.now, () => ({ retriggeredBy: run.id }));
  return { ...carriedFrom({ ...unfinished, source }), batchId: batch.batchId, resumes: unfinishedId };
}

/**
 * The pull of the run that stopped at a cap, gone on with: its window, the page it stopped at, and what it knows of
 * the records it pulled (largest delta value, type, look-back), so the watermark moves once, past all of them. The
 * counters start again: the caps are per run. A connection changed since that run began (its URL, its pagination)
 * makes the position meaningless: undefined, and the run starts from the watermark.
 */
async function continueCapped(
  deps: RunWorkerDeps,
  flow: Dataflow,
  run: FlowRun,
  connection: Connection,
): Promise<RunChange | undefined> {
  const cappedId = flow.state.continuationRunId;
  if (!cappedId || connection.type !== 'http') return undefined;
  const capped = await deps.runs.get(run.sandbox, run.dataflowId, cappedId);
  const next = capped?.progress.next;
  if (!capped || !next || Date.parse(connection.updatedAt) > Date.parse(capped.startedAt)) return undefined;
  const { maxDelta, deltaType, lookBack } = capped.progress;
  return {
    source: 'http',
    window: capped.window.from ? { from: capped.window.from } : {},
    progress: {
      ...NO_PROGRESS,
      next,
      ...(maxDelta !== undefined ? { maxDelta } : {}),
      ...(deltaType !== undefined ? { deltaType } : {}),
      ...(lookBack !== undefined ? { lookBack } : {}),
    },
    continues: capped.id,
  };
}

async function beginning(
  deps: RunWorkerDeps,
  flow: Dataflow,
  run: FlowRun,
  connection: Connection,
): Promise<RunChange> {
  const continued = run.retriggerOf
    ? await continueFailed(deps, flow, run, connection, run.retriggerOf)
    : undefined;
  return (
    continued ??
    (await resumeUnfinished(deps, flow, run)) ??
    (await continueCapped(deps, flow, run, connection)) ??
    freshStart(flow, connection)
  );
}

/** Pull while there is more to pull into a batch still loading files; otherwise on to the batch. */
async function nextStep(deps: RunWorkerDeps, run: FlowRun): Promise<NextStep> {
  if (run.progress.done) return 'complete';
  if (!run.batchId) return 'pull';
  const batch = await deps.batches.getFileBatch(run.sandbox, run.batchId);
  return batch === undefined || batch.status === 'loading' ? 'pull' : 'complete';
}

export async function beginRun(deps: RunWorkerDeps, step: RunStep): Promise<{ next: NextStep }> {
  const run = await runForStep(deps, step);
  if (FINAL_RUN_STATUSES.includes(run.status)) {
    throw new DataflowStateError(`run ${run.id} has already ended (${run.status})`);
  }
  if (run.status !== 'queued') return { next: await nextStep(deps, run) };
  const flow = await flowForStep(deps, step);
  const connection = await connectionForStep(deps, flow);
  const begun = await beginning(deps, flow, run, connection);
  const started = await changeRun(deps.runs, step, deps.now, (current) =>
    current.status === 'queued' ? { ...begun, status: 'pulling' } : undefined,
  );
  if (!started || FINAL_RUN_STATUSES.includes(started.status)) {
    throw new DataflowStateError(`run ${run.id} ended before it began`);
  }
  return { next: await nextStep(deps, started) };
}
