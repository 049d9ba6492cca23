/**
 * The end of a run. `finish-run`: the run takes its batch's outcome — success moves the flow's watermark past what
 * the run pulled (a conditional write on the flow; a watermark never moves back), anything else leaves it where it
 * was — and its metrics from the batch. `fail-run`: a step failed after its retries; the run fails with the error,
 * keeping its progress. Either way the flow's claim is released, and a failed run that holds a batch becomes the
 * flow's unfinished run, which the next run (or a re-trigger) resumes rather than pulling anew beside it.
 * Both are safe to repeat: an ended run is answered as it is.
 */
import { fileBatchMetrics, fileBatchView } from '../batches/file-batch-view';
import type { FileBatch, StagedChunk } from '../batches/file-batch-types';
import { changeFlow, changeRun, stateChange } from './dataflow-changes';
import {
  FINAL_RUN_STATUSES,
  laterRunId,
  pulledMetrics,
  type DataflowWatermark,
  type FlowRun,
  type RunError,
  type RunMetrics,
  type RunStatus,
} from './dataflow-types';
import { RUN_ERROR_CODES, runErrorOf, type CaughtError } from './run-errors';
import { runForStep } from './run-context';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';
import { advancedWatermark, watermarkAfter } from './watermarks';

export type EndStatus = Extract<RunStatus, 'success' | 'failed'>;

interface Outcome {
  readonly status: EndStatus;
  readonly metrics: RunMetrics;
  readonly errors: readonly RunError[];
}

function outcomeOf(run: FlowRun, batch: FileBatch | undefined, chunks: readonly StagedChunk[]): Outcome {
  if (!batch) return { status: 'success', metrics: pulledMetrics(run.progress), errors: [] };
  const counts = fileBatchMetrics(batch, chunks);
  const metrics: RunMetrics = {
    recordsRead: counts.inputRecordCount,
    recordsIngested: counts.outputRecordCount,
    recordsFailed: counts.failedRecordCount,
    filesRead: run.progress.files,
    bytesRead: run.progress.bytes,
    batch: counts,
  };
  // As Experience Platform does, a run lists its batch's errors (failed rows by code) whether it succeeded or not.
  const batchErrors: RunError[] = fileBatchView(batch, chunks).errors.map((error) => ({
    code: error.code,
    message:
      error.recordCount > 0 ? `${error.description} (${error.recordCount} records)` : error.description,
  }));
  if (batch.status === 'success') return { status: 'success', metrics, errors: batchErrors };
  // The batch's own errors (its failure first) follow and say why.
  const why =
    batch.status === 'failed'
      ? `batch ${batch.batchId} failed`
      : ['loading', 'staging', 'processing'].includes(batch.status)
        ? `the ingestion of batch ${batch.batchId} stopped while it was ${batch.status}; the next run resumes it (or re-trigger this one)`
        : `batch ${batch.batchId} was ${batch.status} before it was ingested`;
  return {
    status: 'failed',
    metrics,
    errors: [
      { code: RUN_ERROR_CODES.promotion, message: `Error occurred at promotion activity: ${why}` },
      ...batchErrors,
    ],
  };
}

/**
 * The flow's unfinished run once `run` ended: a success covers any unfinished run before it (it resumed it, or that
 * run's batch could not finish and the success pulled its data anew); a failure that holds a batch is the latest.
 */
function unfinishedAfter(current: string | undefined, run: FlowRun, succeeded: boolean): string | undefined {
  if (succeeded) return current !== undefined && current > run.id ? current : undefined;
  return run.batchId ? laterRunId(current, run.id) : current;
}

/** A run whose pull stopped at a per-run cap with pages left: the next run goes on with it. */
const stoppedAtCap = (run: FlowRun): boolean =>
  run.progress.cappedBy !== undefined && run.progress.next !== undefined;

/**
 * The flow's state once the run ended: its claim released if the run holds it; for a run whose batch succeeded, the
 * watermark moved to `to` (or, for a run that stopped at a cap, left where it is, the run to be gone on with), the
 * run remembered as the latest success and an unfinished run it covered forgotten; for a failed run that holds a
 * batch, the run remembered as the flow's unfinished run.
 */
async function settleFlow(
  deps: Pick<RunWorkerDeps, 'flows' | 'now'>,
  run: FlowRun,
  success: { readonly to: DataflowWatermark | undefined } | undefined,
): Promise<void> {
  await changeFlow(deps.flows, run.sandbox, run.dataflowId, deps.now, (flow) => {
    const { state } = flow;
    const holds = state.activeRunId === run.id;
    const latest = state.lastSuccessRunId;
    const newer = success !== undefined && (latest === undefined || latest < run.id);
    const watermark = success ? advancedWatermark(state.watermark, success.to) : state.watermark;
    const moved = JSON.stringify(watermark) !== JSON.stringify(state.watermark);
    const unfinished = unfinishedAfter(state.unfinishedRunId, run, success !== undefined);
    const unfinishedChanged = unfinished !== state.unfinishedRunId;
    const continuation =
      success && newer ? (stoppedAtCap(run) ? run.id : undefined) : state.continuationRunId;
    const continuationChanged = continuation !== state.continuationRunId;
    if (!holds && !newer && !moved && !unfinishedChanged && !continuationChanged) return undefined;
    return stateChange(flow, {
      ...(holds ? { activeRunId: undefined, activeRunSince: undefined } : {}),
      ...(newer ? { lastSuccessRunId: run.id } : {}),
      ...(moved ? { watermark } : {}),
      ...(unfinishedChanged ? { unfinishedRunId: unfinished } : {}),
      ...(continuationChanged ? { continuationRunId: continuation } : {}),
    });
  });
}

const ended = (run: FlowRun): EndStatus | undefined =>
  FINAL_RUN_STATUSES.includes(run.status) ? (run.status as EndStatus) : undefined;

export async function finishRun(deps: RunWorkerDeps, step: RunStep): Promise<{ status: EndStatus }> {
  const run = await runForStep(deps, step);
  const already = ended(run);
  if (already) return { status: already };
  const batch = run.batchId ? await deps.batches.getFileBatch(run.sandbox, run.batchId) : undefined;
  const chunks = batch ? await deps.batches.stagedChunksOf(run.sandbox, batch.batchId) : [];
  const outcome = outcomeOf(run, batch, chunks);
  // A run stopped at a cap has read only part of its window: the watermark waits for the run that reads the rest.
  const to = outcome.status === 'success' && !stoppedAtCap(run) ? watermarkAfter(run) : undefined;
  // The flow first: once the run reads `success`, its watermark must already be where the run left it.
  await settleFlow(deps, run, outcome.status === 'success' ? { to } : undefined);
  const completedAt = deps.now().toISOString();
  const finished = await changeRun(deps.runs, step, deps.now, (current) =>
    ended(current)
      ? undefined
      : {
          status: outcome.status,
          completedAt,
          durationMs: Date.parse(completedAt) - Date.parse(current.startedAt),
          metrics: outcome.metrics,
          errors: [...current.errors, ...outcome.errors],
          window: { ...current.window, ...(to ? { to } : {}) },
        },
  );
  return { status: (finished && ended(finished)) ?? outcome.status };
}

export async function failRun(
  deps: RunWorkerDeps,
  step: RunStep & { readonly error?: CaughtError },
): Promise<{ status: EndStatus }> {
  const run = await runForStep(deps, step);
  await settleFlow(deps, run, undefined);
  const already = ended(run);
  if (already) return { status: already };
  const error = runErrorOf(step.error);
  const completedAt = deps.now().toISOString();
  const failed = await changeRun(deps.runs, step, deps.now, (current) =>
    ended(current)
      ? undefined
      : {
          status: 'failed',
          completedAt,
          durationMs: Date.parse(completedAt) - Date.parse(current.startedAt),
          metrics: pulledMetrics(current.progress),
          errors: [...current.errors, error],
        },
  );
  return { status: (failed && ended(failed)) ?? 'failed' };
}
