/**
 * A run's batch after the pull: COMPLETE it (the ingest-batch workflow stages, decides and promotes it; COMPLETE
 * also resumes a batch whose ingestion was interrupted), then look at it after each Wait of the state machine until
 * it is decided. A batch whose ingestion execution ended without deciding it will not move any more: the run goes
 * on to its finish, which fails it, and a re-trigger COMPLETEs the batch again.
 */
import { FINAL_FILE_BATCH_STATUSES } from '../batches/file-batch-types';
import { DataflowStateError } from './dataflow-changes';
import { FINAL_RUN_STATUSES } from './dataflow-types';
import { changeLiveRun, runForStep } from './run-context';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';

/**
 * Pauses between looks at the batch: short at first, as a small batch is decided within a minute; then long, as a
 * large one takes minutes to hours, and each look is a few state transitions of an execution whose history is
 * capped at 25,000 events (30 s keeps a day-long ingestion well within it).
 */
export const QUICK_WAIT_SECONDS = 2;
export const SLOW_WAIT_SECONDS = 30;
/** Looks at the quick pause (half a minute) before the long one. */
export const QUICK_CHECKS = 15;

export interface BatchWait {
  readonly settled: boolean;
  /** The Wait state's pause before the next look. */
  readonly waitSeconds: number;
  /** Looks taken so far. */
  readonly checks: number;
}

const SETTLED: BatchWait = { settled: true, waitSeconds: 0, checks: 0 };

const waiting = (checks: number): BatchWait => ({
  settled: false,
  waitSeconds: checks < QUICK_CHECKS ? QUICK_WAIT_SECONDS : SLOW_WAIT_SECONDS,
  checks,
});

export async function completeRunBatch(deps: RunWorkerDeps, step: RunStep): Promise<BatchWait> {
  const run = await runForStep(deps, step);
  if (FINAL_RUN_STATUSES.includes(run.status)) {
    throw new DataflowStateError(`run ${run.id} has already ended (${run.status})`);
  }
  // Nothing new at the source: no batch was made.
  if (!run.batchId) return SETTLED;
  const batch = await deps.batches.getFileBatch(run.sandbox, run.batchId);
  if (!batch) throw new DataflowStateError(`batch ${run.batchId} of run ${run.id} is gone`);
  if (FINAL_FILE_BATCH_STATUSES.includes(batch.status)) return SETTLED;
  if (
    batch.status === 'loading' &&
    (await deps.batchFiles.listFiles(run.sandbox, batch.batchId)).length === 0
  ) {
    // Made just before its first file by a step that died before storing it: there is nothing to ingest.
    await deps.fileBatches.abort(run.sandbox, batch.batchId);
    await changeLiveRun(deps, step, () => ({ batchId: undefined }));
    return SETTLED;
  }
  await deps.fileBatches.complete(run.sandbox, batch.batchId);
  await changeLiveRun(deps, step, () => ({ status: 'ingesting' }));
  return waiting(0);
}

export async function checkRunBatch(
  deps: RunWorkerDeps,
  step: RunStep & { readonly checks: number },
): Promise<BatchWait> {
  const run = await runForStep(deps, step);
  if (!run.batchId) return SETTLED;
  const batch = await deps.batches.getFileBatch(run.sandbox, run.batchId);
  if (!batch || FINAL_FILE_BATCH_STATUSES.includes(batch.status) || batch.status === 'loading')
    return SETTLED;
  const arn = batch.execution?.arn;
  // An empty ARN: COMPLETE is starting the execution right now.
  if (arn && (await deps.batchExecutions.status(arn)) !== 'RUNNING') return SETTLED;
  return waiting(step.checks + 1);
}
