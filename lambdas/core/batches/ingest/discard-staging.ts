/**
 * Removes what staging wrote to the lake bucket for chunks that were not promoted: a failed batch leaves no trace
 * in the lake. Failed rows stay in the quarantine either way.
 */
import type { StagedChunk } from '../file-batch-types';
import type { IngestDeps } from './ingest-ports';

export async function discardStaging(
  deps: Pick<IngestDeps, 'batches' | 'lake'>,
  sandbox: string,
  batchId: string,
): Promise<void> {
  const chunks = await deps.batches.stagedChunksOf(sandbox, batchId);
  const staged = chunks.filter(
    (chunk): chunk is StagedChunk & { stagingKey: string } =>
      chunk.stagingKey !== undefined && !chunk.promoted,
  );
  for (const chunk of staged) await deps.lake.delete(chunk.stagingKey);
}
