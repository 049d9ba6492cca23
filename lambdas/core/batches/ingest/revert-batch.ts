/**
 * Reverting a promoted batch, chunk by chunk: each chunk's records are taken out of the profiles (only what this
 * batch wrote and nothing newer: see docs/profiles.md), then its lake file is removed, then the chunk is marked
 * reverted — so a retry after any step redoes only what is left. The batch ends `deleted`, or `inactive` when a
 * replay superseded it (the replay's workflow reverts it once the replay itself is promoted).
 */
import { BatchStateError, batchForStep, changeBatch } from '../batch-transitions';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { stagedChunkNames, type ChunkPage, type PageInput } from './chunk-pages';
import type { ChunkNameInput } from './promote-chunk';
import { recordsOfParquet } from './staged-records';

/**
 * Whether the batch is to be reverted. With `replacedBy` (a replay replacing this batch) the revert is requested
 * here, once, by the replay that reserved it: a batch already reverted, or never promoted, has nothing to revert.
 */
export async function planRevert(
  deps: IngestDeps,
  input: StepInput & { readonly replacedBy?: string },
): Promise<{ revert: boolean }> {
  const { replacedBy } = input;
  const requestedAt = deps.now().toISOString();
  const batch = replacedBy
    ? await changeBatch(deps.batches, input.sandbox, input.batchId, deps.now, (current) =>
        // Also over a client's REVERT under way: the batch was superseded, so it ends inactive either way.
        current.status === 'success' &&
        current.replacedBy === undefined &&
        (current.reservedBy === undefined || current.reservedBy.batchId === replacedBy)
          ? { revertRequestedAt: current.revertRequestedAt ?? requestedAt, replacedBy }
          : undefined,
      )
    : await batchForStep(deps.batches, input.sandbox, input.batchId);
  return { revert: batch?.status === 'success' && batch.revertRequestedAt !== undefined };
}

/** The chunks of one page of the staged chunks that are promoted and not yet reverted, while a revert is asked. */
export async function chunksToRevert(deps: IngestDeps, input: PageInput): Promise<ChunkPage<string>> {
  const batch = await batchForStep(deps.batches, input.sandbox, input.batchId);
  if (batch.status !== 'success' || batch.revertRequestedAt === undefined) return { chunks: [], next: null };
  return stagedChunkNames(deps, input, (chunk) => chunk.promoted === true && !chunk.reverted);
}

export async function revertChunk(deps: IngestDeps, input: ChunkNameInput): Promise<{ done: boolean }> {
  const { sandbox, batchId, chunk } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  const staged = await deps.batches.getStagedChunk(sandbox, batchId, chunk);
  if (!staged) throw new BatchStateError(`batch ${batchId} has no chunk ${chunk}`);
  if (staged.reverted || staged.lakeKey === undefined) return { done: true };
  const bytes = await deps.lake.getBytes(staged.lakeKey);
  const target = await deps.targets.target(sandbox, batch.datasetId);
  // No lake file: a previous attempt removed it after taking the records out of the profiles.
  if (bytes && typeof target !== 'string' && target.profileEnabled) {
    for await (const records of recordsOfParquet(bytes)) {
      await deps.revertFromProfiles({
        sandbox,
        dataset: { id: target.datasetId, profileEnabled: true },
        schema: target.schema,
        batchId,
        records,
      });
    }
  }
  await deps.lake.delete(staged.lakeKey);
  await deps.batches.putStagedChunk(sandbox, batchId, { ...staged, reverted: true });
  return { done: true };
}

export async function finishRevert(deps: IngestDeps, input: StepInput): Promise<{ done: boolean }> {
  const completedAt = deps.now().toISOString();
  const batch = await changeBatch(deps.batches, input.sandbox, input.batchId, deps.now, (current) =>
    current.status === 'success' && current.revertRequestedAt !== undefined
      ? { status: current.replacedBy ? 'inactive' : 'deleted', completedAt }
      : undefined,
  );
  return { done: batch?.status === 'deleted' || batch?.status === 'inactive' };
}
