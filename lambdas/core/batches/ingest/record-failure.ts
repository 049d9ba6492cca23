/**
 * The workflow's catch-all before promotion: a step failed for good (retries exhausted, or an error no retry
 * helps). A batch still being staged fails with what went wrong, and its staged files are removed; a batch already
 * decided (being promoted) is left as it is, for COMPLETE to resume — its outcome is settled and half of it may be
 * in the lake already.
 */
import { changeBatch } from '../batch-transitions';
import type { StepInput } from './check-guardrails';
import { discardStaging } from './discard-staging';
import type { IngestDeps } from './ingest-ports';

export const WORKFLOW_ERROR = 'workflow-error';

/** What Step Functions puts at the Catch's ResultPath. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

/** A Lambda error's Cause is a JSON object with `errorMessage`; other causes are text. */
function messageOf(error: CaughtError | undefined): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message.
  }
  return cause || error?.Error || 'the workflow failed';
}

/** Longest error message kept on the batch: enough to act on, small enough for the batch item. */
const MAX_MESSAGE_LENGTH = 2_000;

export async function recordFailure(
  deps: IngestDeps,
  input: StepInput & { readonly error?: CaughtError },
): Promise<{ done: boolean }> {
  const { sandbox, batchId } = input;
  const batch = await deps.batches.getFileBatch(sandbox, batchId);
  if (batch?.status !== 'staging') return { done: false };
  await discardStaging(deps, sandbox, batchId);
  const completedAt = deps.now().toISOString();
  const message = `${input.error?.Error ?? 'Error'}: ${messageOf(input.error)}`.slice(0, MAX_MESSAGE_LENGTH);
  const failed = await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
    current.status === 'staging'
      ? { status: 'failed', completedAt, failure: { code: WORKFLOW_ERROR, message } }
      : undefined,
  );
  return { done: failed?.status === 'failed' };
}
