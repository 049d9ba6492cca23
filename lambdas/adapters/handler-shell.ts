/**
 * The shell every Lambda handler runs in: middy with Powertools' logger, the Lambda context in every log line and
 * nothing of one event's keys left for the next. The logger's service is the function's own: the house construct
 * sets POWERTOOLS_SERVICE_NAME to the handler file's name (`authorizer`, `batch-worker`, …), so no handler names
 * itself. Dependencies are started on the first event, not at import: a container reads its environment once, tests
 * set it first, and a start that failed (a secret read, say) is not kept, so the next event starts again.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

/** The function's logger: one per execution environment, as there is one handler per bundle. */
export const logger = new Logger();

/** A function's dependencies, started on first use and kept while they work; a failed start is tried again. */
export function startedOnce<T>(start: () => T | Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    started ??= Promise.resolve()
      .then(start)
      .catch((error: unknown) => {
        started = undefined;
        throw error;
      });
    return started;
  };
}

/**
 * `handle` in the shell: the logger (the function's, or one a test passes) with the Lambda context, its keys cleared
 * after each event. More middleware may be added with `.use`.
 */
export function lambdaHandler<TEvent, TResult>(
  handle: (event: TEvent, context: Context) => Promise<TResult>,
  withLogger: Logger = logger,
): MiddyfiedHandler<TEvent, TResult> {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(withLogger, { clearState: true }))
    .handler(handle);
}
