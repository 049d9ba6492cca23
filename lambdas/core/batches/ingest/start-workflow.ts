/**
 * Starts the ingest-batch workflow for a batch — an ingestion (COMPLETE) or a revert (REVERT, or a replay that
 * supersedes the batch) — at most once at a time: when the batch's last execution is still running, nothing is
 * started; otherwise the batch is marked with the next attempt (conditionally, so two callers cannot both start
 * one) and an execution named for that attempt is started. Repeating a request is therefore safe, and a batch whose
 * execution died (a stopped local runtime, an exhausted retry) is resumed by asking again.
 */
import { changeBatch, type BatchChange } from '../batch-transitions';
import type { FileBatch } from '../file-batch-types';
import type { IngestDeps, WorkflowInput } from './ingest-ports';

export type WorkflowDeps = Pick<IngestDeps, 'batches' | 'workflow' | 'now'>;

/**
 * `mark` says what the request changes on the batch, or undefined when the batch is in no state to start it (then
 * the batch is answered as it is).
 */
export async function startWorkflow(
  deps: WorkflowDeps,
  sandbox: string,
  batchId: string,
  action: WorkflowInput['action'],
  mark: (batch: FileBatch) => BatchChange | undefined,
): Promise<FileBatch | undefined> {
  const current = await deps.batches.getFileBatch(sandbox, batchId);
  if (!current || mark(current) === undefined) return current;
  if (current.execution?.arn && (await deps.workflow.status(current.execution.arn)) === 'RUNNING') {
    return current;
  }
  const previous = current.execution?.attempt ?? 0;
  const attempt = previous + 1;
  const marked = await changeBatch(deps.batches, sandbox, batchId, deps.now, (batch) => {
    if ((batch.execution?.attempt ?? 0) !== previous) return undefined;
    const change = mark(batch);
    return change === undefined ? undefined : { ...change, execution: { arn: '', attempt } };
  });
  if (marked?.execution?.attempt !== attempt || marked.execution.arn !== '') return marked;
  const { executionArn } = await deps.workflow.start(`${batchId}-${action}-${attempt}`, {
    action,
    sandbox,
    batchId,
  });
  return changeBatch(deps.batches, sandbox, batchId, deps.now, (batch) =>
    batch.execution?.attempt === attempt ? { execution: { arn: executionArn, attempt } } : undefined,
  );
}

/** REVERT of a promoted batch (or its resumption). */
export function startRevert(
  deps: WorkflowDeps,
  sandbox: string,
  batchId: string,
): Promise<FileBatch | undefined> {
  const requestedAt = deps.now().toISOString();
  return startWorkflow(deps, sandbox, batchId, 'revert', (batch) =>
    batch.status === 'success' ? { revertRequestedAt: batch.revertRequestedAt ?? requestedAt } : undefined,
  );
}
