/**
 * The schedule dispatcher, run every minute by one EventBridge Scheduler schedule for the whole deployment (and by
 * the local runtime's scheduler): it finds the enabled flows whose next slot has come, across sandboxes, and starts
 * a run of each — unless a run of the flow is still going, in which case the slot is skipped and recorded on the
 * flow. Either way the flow's `nextRunAt` moves to the first slot after now, in the same conditional write as the
 * claim, so two overlapping dispatches start a slot once, and missed slots coalesce into one run.
 */
import type { Dataflow } from './dataflow-types';
import { startRun, type RunStartDeps } from './run-start';
import { nextSlotAfter, slotAtOrBefore } from './schedule';

/**
 * Flows started per dispatch at most. Each start is a few writes and a StartExecution (tens of milliseconds); the
 * flows left over are still due and the next minute's dispatch starts them.
 */
export const MAX_STARTS_PER_DISPATCH = 200;

export interface StartedSlot {
  readonly dataflowId: string;
  readonly runId: string;
  readonly scheduledFor: string;
}

export interface SkippedStart {
  readonly dataflowId: string;
  readonly activeRunId: string;
  readonly scheduledFor: string;
}

/** A flow whose start failed: it stays due, so the next dispatch tries again. */
export interface FailedStart {
  readonly dataflowId: string;
  readonly error: string;
}

export interface DispatchOutcome {
  readonly started: StartedSlot[];
  readonly skipped: SkippedStart[];
  readonly failed: FailedStart[];
}

/** The slot a due flow's run stands for, or undefined when the flow is no longer due (another dispatch ran it). */
function dueSlot(flow: Dataflow, now: Date): string | undefined {
  const { schedule, state } = flow;
  if (!flow.enabled || !schedule || !state.nextRunAt || Date.parse(state.nextRunAt) > now.getTime())
    return undefined;
  return slotAtOrBefore(schedule, now);
}

export async function dispatchDueRuns(deps: RunStartDeps): Promise<DispatchOutcome> {
  const now = deps.now();
  const due = await deps.flows.due(now.toISOString(), MAX_STARTS_PER_DISPATCH);
  const outcome: DispatchOutcome = { started: [], skipped: [], failed: [] };
  for (const candidate of due) {
    let scheduledFor = '';
    try {
      const result = await startRun(deps, {
        sandbox: candidate.sandbox,
        dataflowId: candidate.id,
        trigger: 'schedule',
        plan: (flow) => {
          const slot = dueSlot(flow, now);
          if (slot === undefined || !flow.schedule) return undefined;
          scheduledFor = slot;
          return {
            scheduledFor: slot,
            state: { nextRunAt: nextSlotAfter(flow.schedule, now), lastScheduledFor: slot },
          };
        },
        whenActive: (flow, activeRunId) => ({
          nextRunAt: flow.schedule ? nextSlotAfter(flow.schedule, now) : undefined,
          lastScheduledFor: scheduledFor,
          lastSkippedSlot: { scheduledFor, activeRunId, at: now.toISOString() },
        }),
      });
      if ('started' in result) {
        outcome.started.push({ dataflowId: candidate.id, runId: result.started.id, scheduledFor });
      } else if ('skipped' in result) {
        outcome.skipped.push({
          dataflowId: candidate.id,
          activeRunId: result.skipped.activeRunId,
          scheduledFor,
        });
      }
    } catch (error) {
      const failure = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      outcome.failed.push({ dataflowId: candidate.id, error: failure });
    }
  }
  return outcome;
}
