/**
 * Lambda's asynchronous (Event) invocation as the local event sources use it (S3 notifications, EventBridge
 * Scheduler): an event over the asynchronous payload quota is refused by Lambda before it is queued, so it is never
 * retried — S3 drops it, Scheduler sends it to the schedule's dead-letter queue or drops it — and locally it is
 * logged as dropped; a failed invocation is logged and retried a bounded number of times, a short pause apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RuntimeLog } from '../runtime-log';
import { isInvokeRefusal, type FunctionHost } from './function-host';
import type { LocalFunction } from './local-function';

export interface AsyncInvocation {
  readonly host: Pick<FunctionHost, 'invoke'>;
  readonly fn: LocalFunction;
  /** The event of each attempt, numbered from 1 (Scheduler puts the attempt number into its event). */
  readonly event: (attempt: number) => unknown;
  /** Attempts in all: the first one and its retries. */
  readonly attempts: number;
  readonly retryDelayMs: number;
  /** Ends the retries (the runtime is stopping). */
  readonly signal: AbortSignal;
  readonly log: RuntimeLog;
  /** What delivers the event, for log lines: `S3 notification`, `schedule nightly`. */
  readonly source: string;
}

export async function invokeAsynchronously(invocation: AsyncInvocation): Promise<void> {
  const { host, fn, attempts, signal, log, source } = invocation;
  for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt += 1) {
    try {
      await host.invoke(fn, invocation.event(attempt), 'Event');
      return;
    } catch (error) {
      if (isInvokeRefusal(error)) {
        log.error(
          `${source}: Lambda refused the asynchronous invocation of ${fn.logicalId}; the event is dropped`,
          error,
        );
        return;
      }
      log.error(`${source}: ${fn.logicalId} failed (attempt ${attempt} of ${attempts})`, error);
      if (attempt === attempts) return;
      try {
        await sleep(invocation.retryDelayMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }
}
