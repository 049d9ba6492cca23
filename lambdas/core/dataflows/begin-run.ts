/**
 * First step of a run: fix where it reads from — the flow's watermark (or, without backfill, the schedule's start)
 * — and whether it pulls or goes straight to its batch.
 *
 * A re-triggered run continues the failed run it names, so that nothing is pulled twice and nothing the failed run
 * pulled is lost: it takes over the failed run's window and progress, and its batch while that batch can still
 * finish (`loading`: the pull goes on from where it stopped; `staging` or `processing`: COMPLETE resumes the
 * ingestion, which skips what is done; `success`: only the run's own finish was missing). A batch that failed (a
 * threshold, an unreadable file) or was ended is replaced by a new batch of the same files — their bytes stay where
 * the failed run put them — so it is read again, with the flow's mapping as it is now. Nothing of a failed batch was
 * promoted, so each record ends in the dataset once.
 */
import type { FileBatchStatus } from '../batches/file-batch-types';
import type { Connection, HttpSourceParams } from '../connections/connection-types';
import { changeRun, DataflowStateError, type RunChange } from './dataflow-changes';
import { FINAL_RUN_STATUSES, type Dataflow, type FlowRun } from './dataflow-types';
import {
  connectionForStep,
  deltaOf,
  ensureRunBatch,
  flowForStep,
  runForStep,
  s3WatermarkOf,
} from './run-context';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';

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
  const from = deltaOf(flow.state.watermark) ?? (incremental && noBackfill ? schedule.startTime : undefined);
  return { source: 'http', window: from === undefined ? {} : { from: { delta: from } } };
}

async function continueFailed(
  deps: RunWorkerDeps,
  flow: Dataflow,
  run: FlowRun,
  connection: Connection,
  failedId: string,
): Promise<RunChange> {
  const failedStep = { sandbox: run.sandbox, dataflowId: run.dataflowId, runId: failedId };
  const failed = await changeRun(deps.runs, failedStep, deps.now, (current) =>
    current.retriggeredBy ? undefined : { retriggeredBy: run.id },
  );
  if (!failed) throw new DataflowStateError(`run ${failedId}, which run ${run.id} re-triggers, is gone`);
  if (failed.retriggeredBy !== run.id) {
    throw new DataflowStateError(`run ${failedId} was already re-triggered as run ${failed.retriggeredBy}`);
  }
  const carried: RunChange = {
    source: failed.source ?? connection.type,
    window: failed.window.from ? { from: failed.window.from } : {},
    ...(failed.notBefore ? { notBefore: failed.notBefore } : {}),
    progress: failed.progress,
  };
  if (!failed.batchId) return carried;
  const batch = await deps.batches.getFileBatch(run.sandbox, failed.batchId);
  if (batch && CONTINUABLE.includes(batch.status)) return { ...carried, batchId: batch.batchId };
  const files = await deps.batchFiles.listFiles(run.sandbox, failed.batchId);
  if (files.length === 0) return carried;
  const batchId = await ensureRunBatch(deps, flow, run, connection);
  for (const file of files) await deps.batchFiles.putFile(run.sandbox, batchId, file);
  return { ...carried, batchId };
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
  const begun = run.retriggerOf
    ? await continueFailed(deps, flow, run, connection, run.retriggerOf)
    : freshStart(flow, connection);
  const started = await changeRun(deps.runs, step, deps.now, (current) =>
    current.status === 'queued' ? { ...begun, status: 'pulling' } : undefined,
  );
  if (!started || FINAL_RUN_STATUSES.includes(started.status)) {
    throw new DataflowStateError(`run ${run.id} ended before it began`);
  }
  return { next: await nextStep(deps, started) };
}
