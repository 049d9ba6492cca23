/**
 * The batch worker Lambda: runs the ingest-batch step the state machine names in `task`. Errors propagate to Step
 * Functions by name — the definition retries transient ones and catches `FileFormatError` and `BatchStateError`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { batchWorkerFromEnvironment } from '../composition/batch-worker';
import type { IngestDeps } from '../core/batches/ingest/ingest-ports';
import { runWorkerTask, type WorkerEvent } from '../core/batches/ingest/worker-tasks';

const logger = new Logger({ serviceName: 'batch-worker' });

let deps: Promise<IngestDeps> | undefined;

/** Built on the first event; a failed start-up is not kept, so the retry builds again. */
function worker(): Promise<IngestDeps> {
  deps ??= batchWorkerFromEnvironment().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

async function run(event: WorkerEvent): Promise<unknown> {
  logger.appendKeys({ task: event.task, batchId: event.batchId });
  try {
    return await runWorkerTask(await worker(), event);
  } catch (error) {
    logger.warn('batch step failed', { error: error instanceof Error ? error.name : 'unknown' });
    throw error;
  }
}

export const handler = middy<WorkerEvent, unknown>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(run);
