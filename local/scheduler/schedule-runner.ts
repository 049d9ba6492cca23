/**
 * Runs the enabled rate schedules as EventBridge Scheduler would: the target function is invoked with the
 * schedule's Input once per period, the first time one period after start. Locally a tick never overlaps the
 * previous invocation of its schedule (it is skipped and counted); a failed invocation is logged and retried, and
 * the schedule keeps ticking.
 */
import { randomUUID } from 'node:crypto';
import { invokeAsynchronously } from '../lambda/async-invocation';
import type { FunctionHost } from '../lambda/function-host';
import type { LocalFunction } from '../lambda/local-function';
import type { RuntimeLog } from '../runtime-log';
import type { LocalSchedule } from './schedules';

/** Scheduler backs off for minutes between retries; locally a short pause shows the retry without the wait. */
export const SCHEDULE_RETRY_DELAY_MS = 200;
/** setTimeout's longest delay (about 24.8 days): a longer period (`rate(30 days)`) is waited out in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type ScheduleHost = Pick<FunctionHost, 'find' | 'invoke'>;

export interface SchedulerOptions {
  readonly schedules: readonly LocalSchedule[];
  readonly host: ScheduleHost;
  readonly log: RuntimeLog;
  /** Replaces every schedule's period (tests, demos). */
  readonly tickMs?: number;
}

export interface RunningScheduler {
  /** Clears every timer and waits for the invocations under way. */
  stop(): Promise<void>;
}

/** Scheduler's time format in context attributes: ISO 8601 to the second. */
const scheduledTimeText = (time: Date): string => time.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The target's event: its Input with Scheduler's context attributes filled in, or `{}` without an Input. */
export function scheduleEvent(
  schedule: LocalSchedule,
  scheduledTime: Date,
  executionId: string,
  attempt: number,
): unknown {
  if (schedule.input === undefined) return {};
  return JSON.parse(
    schedule.input
      .replaceAll('<aws.scheduler.schedule-arn>', schedule.arn)
      .replaceAll('<aws.scheduler.scheduled-time>', scheduledTimeText(scheduledTime))
      .replaceAll('<aws.scheduler.execution-id>', executionId)
      .replaceAll('<aws.scheduler.attempt-number>', String(attempt)),
  );
}

export function startSchedules(options: SchedulerOptions): RunningScheduler {
  const { host, log, tickMs } = options;
  const abort = new AbortController();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  function invoke(schedule: LocalSchedule, fn: LocalFunction, scheduledTime: Date): Promise<void> {
    const executionId = randomUUID();
    return invokeAsynchronously({
      host,
      fn,
      event: (attempt) => scheduleEvent(schedule, scheduledTime, executionId, attempt),
      attempts: schedule.maxRetries + 1,
      retryDelayMs: SCHEDULE_RETRY_DELAY_MS,
      signal: abort.signal,
      log,
      source: `schedule ${schedule.name}`,
    });
  }

  function run(schedule: LocalSchedule, fn: LocalFunction): void {
    const periodMs = tickMs ?? schedule.periodMs;
    const startedAt = Date.now();
    let busy = false;
    let skipped = 0;

    const fire = (scheduledTime: Date): void => {
      if (busy) {
        skipped += 1;
        log.info(
          `schedule ${schedule.name}: tick skipped, the previous invocation is still running (${skipped} skipped)`,
        );
        return;
      }
      busy = true;
      const invocation = invoke(schedule, fn, scheduledTime).finally(() => {
        busy = false;
        running.delete(invocation);
      });
      running.add(invocation);
    };

    const arm = (): void => {
      // Ticks missed while the process was busy are not caught up: the next one is the next due after now.
      const due = startedAt + (Math.floor((Date.now() - startedAt) / periodMs) + 1) * periodMs;
      const timer = setTimeout(
        () => {
          if (abort.signal.aborted) return;
          if (Date.now() >= due) fire(new Date(due));
          arm();
        },
        Math.min(due - Date.now(), MAX_TIMER_MS),
      );
      timers.set(schedule.arn, timer);
    };
    arm();
  }

  for (const schedule of options.schedules) {
    const fn = host.find(schedule.targetArn);
    if (!fn) {
      log.info(`not emulated: ${schedule.name} (target ${schedule.targetArn} is not a local function)`);
      continue;
    }
    log.info(
      `schedule ${schedule.name}: ${schedule.expression} → ${fn.logicalId}` +
        (tickMs === undefined ? '' : ` (every ${tickMs} ms: tick override)`),
    );
    run(schedule, fn);
  }

  return {
    async stop() {
      abort.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
