/**
 * How a run's failures are named. Step Functions sees a step's error by its name: a source that failed transiently
 * (after the reader's own retries) is `SourceError` and the definition retries the step a little later; a source
 * that refused for good (a 404, a body that is not JSON, a forbidden address) is `SourceRejectedError` and is not
 * retried. The run records Experience Platform's run-level codes: `CONNECTOR-1001-500` when copying from the
 * source failed, `CONNECTOR-2001-500` when parsing, validation or promotion failed.
 */
import { SourceError } from '../connections/connection-types';
import type { RunError } from './dataflow-types';

export const RUN_ERROR_CODES = {
  /** Experience Platform: an error while copying data from the source. */
  copy: 'CONNECTOR-1001-500',
  /** Experience Platform: an error in parsing, validation or transformation (the batch failed). */
  promotion: 'CONNECTOR-2001-500',
  /** Ours: a step of the run failed for a reason of the platform's (its retries ran out). */
  step: 'dataflow-step-failed',
} as const;

/** The error names the dataflow-run definition tells apart. */
export const SOURCE_RETRYABLE = 'SourceError';
export const SOURCE_REJECTED = 'SourceRejectedError';

/** A source failure as the step throws it: the source's code leads the message, which never carries a secret. */
export class SourcePullError extends Error {
  constructor(error: SourceError) {
    super(`${error.code}: ${error.message}`);
    this.name = error.retryable ? SOURCE_RETRYABLE : SOURCE_REJECTED;
  }
}

/** Source failures become SourcePullErrors; anything else is thrown as it is. */
export function asStepError(error: unknown): unknown {
  return error instanceof SourceError ? new SourcePullError(error) : error;
}

/** A step's failure as Step Functions' Catch hands it on: the error's name and a JSON cause. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

/** The run's error for a caught step failure: the error's name and message from the cause Lambda reported. */
export function runErrorOf(caught: CaughtError | undefined): RunError {
  const name = caught?.Error ?? 'Error';
  let message = caught?.Cause ?? 'the step failed without a cause';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // A cause that is not Lambda's JSON (a States.* error) is kept as it is.
  }
  if (name === SOURCE_RETRYABLE || name === SOURCE_REJECTED) return { code: RUN_ERROR_CODES.copy, message };
  return { code: RUN_ERROR_CODES.step, message: `${name}: ${message}` };
}
