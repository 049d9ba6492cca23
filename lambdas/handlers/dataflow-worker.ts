/**
 * The dataflow worker Lambda: runs the dataflow-run step the state machine names in `task`. Errors propagate to
 * Step Functions by name — the definition retries transient ones (`SourceError` a little later) and does not retry
 * `DataflowStateError`, `SourceRejectedError` or `DomainError`. Only the error's name is logged: a source's message
 * is the run's to record.
 */
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { dataflowWorkerFromEnvironment } from '../composition/dataflow-worker';
import type { NotifyOutcome } from '../core/dataflows/notify-run';
import type { RunWorkerDeps } from '../core/dataflows/run-worker-ports';
import { runDataflowTask, type RunWorkerEvent } from '../core/dataflows/run-tasks';

const workerDeps = startedOnce<RunWorkerDeps>(dataflowWorkerFromEnvironment);

async function run(event: RunWorkerEvent): Promise<unknown> {
  logger.appendKeys({ task: event.task, dataflowId: event.dataflowId, runId: event.runId });
  try {
    const result = await runDataflowTask(await workerDeps(), event);
    if (event.task === 'notify-run' && (result as NotifyOutcome).failed.length > 0) {
      // Recorded on the run too (with why); the run's outcome does not change.
      logger.warn('run notification failed', { channels: (result as NotifyOutcome).failed });
    }
    return result;
  } catch (error) {
    logger.warn('dataflow step failed', { error: error instanceof Error ? error.name : 'unknown' });
    throw error;
  }
}

export const handler = lambdaHandler(run);
