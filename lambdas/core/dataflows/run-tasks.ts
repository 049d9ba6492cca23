/**
 * The dataflow worker's one entry point: the dataflow-run state machine names the step in `task`, and the worker
 * runs it. Every step takes the run's place (`sandbox`, `dataflowId`, `runId`); `check-batch` also the looks taken,
 * `fail-run` the error Step Functions caught.
 */
import { beginRun } from './begin-run';
import { failRun, finishRun } from './finish-run';
import { notifyRun } from './notify-run';
import { pullSlice } from './pull-slice';
import { checkRunBatch, completeRunBatch } from './run-batch';
import type { CaughtError } from './run-errors';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';

export type RunWorkerEvent =
  | (RunStep & { readonly task: 'begin-run' | 'pull-slice' | 'complete-batch' | 'finish-run' | 'notify-run' })
  | (RunStep & { readonly task: 'check-batch'; readonly checks: number })
  | (RunStep & { readonly task: 'fail-run'; readonly error?: CaughtError });

export function runDataflowTask(deps: RunWorkerDeps, event: RunWorkerEvent): Promise<unknown> {
  switch (event.task) {
    case 'begin-run':
      return beginRun(deps, event);
    case 'pull-slice':
      return pullSlice(deps, event);
    case 'complete-batch':
      return completeRunBatch(deps, event);
    case 'check-batch':
      return checkRunBatch(deps, event);
    case 'finish-run':
      return finishRun(deps, event);
    case 'fail-run':
      return failRun(deps, event);
    case 'notify-run':
      return notifyRun(deps, event);
  }
}
