/**
 * The dataflow scheduler Lambda, invoked every minute by one EventBridge Scheduler schedule (input
 * `{"source":"tributary.scheduler"}`, which it does not need): starts a run of every flow whose slot has come.
 * Starts that failed are logged and left due, so the next minute tries them again.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { dataflowSchedulerFromEnvironment } from '../composition/dataflow-scheduler';
import type { RunStartDeps } from '../core/dataflows/run-start';
import { dispatchDueRuns, type DispatchOutcome } from '../core/dataflows/scheduler';

const logger = new Logger({ serviceName: 'dataflow-scheduler' });

let deps: RunStartDeps | undefined;

async function dispatch(): Promise<DispatchOutcome> {
  deps ??= dataflowSchedulerFromEnvironment();
  const outcome = await dispatchDueRuns(deps);
  if (outcome.skipped.length > 0)
    logger.info('slots skipped: a run was still going', { skipped: outcome.skipped });
  if (outcome.failed.length > 0) logger.warn('runs could not be started', { failed: outcome.failed });
  if (outcome.started.length > 0) logger.info('runs started', { started: outcome.started });
  return outcome;
}

export const handler = middy<unknown, DispatchOutcome>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(dispatch);
