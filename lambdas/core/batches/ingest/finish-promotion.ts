/**
 * The batch is in the lake and the profiles, and the batches it replays were reverted after it was promoted: it
 * becomes `success`.
 */
import { changeBatch } from '../batch-transitions';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';

export async function finishPromotion(deps: IngestDeps, input: StepInput): Promise<{ done: boolean }> {
  const { sandbox, batchId } = input;
  const completedAt = deps.now().toISOString();
  const batch = await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
    current.status === 'processing' ? { status: 'success', completedAt } : undefined,
  );
  return { done: batch?.status === 'success' };
}
