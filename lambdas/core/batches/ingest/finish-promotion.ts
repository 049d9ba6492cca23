/**
 * The batch is in the lake and the profiles: it becomes `success`. A replay batch then supersedes the batches it
 * names: each is marked as replaced and its revert is started (its data leaves the lake and the profiles, and it
 * ends `inactive`).
 */
import { changeBatch } from '../batch-transitions';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { startRevert } from './start-workflow';

export async function finishPromotion(deps: IngestDeps, input: StepInput): Promise<{ done: boolean }> {
  const { sandbox, batchId } = input;
  const completedAt = deps.now().toISOString();
  const batch = await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
    current.status === 'processing' ? { status: 'success', completedAt } : undefined,
  );
  if (batch?.status !== 'success') return { done: false };
  for (const predecessor of batch.replay?.predecessors ?? []) {
    await startRevert(deps, sandbox, predecessor, batchId);
  }
  return { done: true };
}
