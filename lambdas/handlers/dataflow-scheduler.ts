/**
 * The dataflow scheduler Lambda, invoked every minute by one EventBridge Scheduler schedule (input
 * `{"source":"tributary.scheduler"}`, which it does not need): starts a run of every flow whose slot has come.
 * Starts that failed are logged and left due, so the next minute tries them again.
 */
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { dataflowSchedulerFromEnvironment } from '../composition/dataflow-scheduler';
import type { RunStartDeps } from '../core/dataflows/run-start';
import { dispatchDueRuns, type DispatchOutcome } from '../core/dataflows/scheduler';

const schedulerDeps = startedOnce<RunStartDeps>(dataflowSchedulerFromEnvironment);

async function dispatch(): Promise<DispatchOutcome> {
  const outcome = await dispatchDueRuns(await schedulerDeps());
  if (outcome.skipped.length > 0)
    logger.info('slots skipped: a run was still going', { skipped: outcome.skipped });
  if (outcome.failed.length > 0) logger.warn('runs could not be started', { failed: outcome.failed });
  if (outcome.started.length > 0) logger.info('runs started', { started: outcome.started });
  return outcome;
}

export const handler = lambdaHandler<unknown, DispatchOutcome>(dispatch);
