/**
 * The batch worker Lambda: runs the ingest-batch step the state machine names in `task`. Errors propagate to Step
 * Functions by name — the definition retries transient ones and catches `FileFormatError` and `BatchStateError`.
 */
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { batchWorkerFromEnvironment } from '../composition/batch-worker';
import type { IngestDeps } from '../core/batches/ingest/ingest-ports';
import { runWorkerTask, type WorkerEvent } from '../core/batches/ingest/worker-tasks';

const worker = startedOnce<IngestDeps>(batchWorkerFromEnvironment);

async function run(event: WorkerEvent): Promise<unknown> {
  logger.appendKeys({ task: event.task, batchId: event.batchId });
  try {
    return await runWorkerTask(await worker(), event);
  } catch (error) {
    logger.warn('batch step failed', { error: error instanceof Error ? error.name : 'unknown' });
    throw error;
  }
}

export const handler = lambdaHandler(run);
