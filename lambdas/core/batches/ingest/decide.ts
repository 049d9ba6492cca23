/**
 * The decision of Experience Platform's partial ingestion: the batch is promoted while its failed rows stay within
 * `partialIngestionPercent` of the rows read; beyond it the whole batch fails and what staging wrote is removed, so
 * nothing of it reaches the lake or the profiles. The failed rows stay in the quarantine either way. A replay that
 * will be promoted names the batches it replaces: they are reverted once the replay is wholly promoted, so until
 * then one of the two is always in place (the replay's promotion takes over what both hold: see promote-chunk.ts).
 */
import { batchForStep, changeBatch } from '../batch-transitions';
import { INGESTING, type StepInput } from './check-guardrails';
import { discardStaging } from './discard-staging';
import type { IngestDeps } from './ingest-ports';

export const THRESHOLD_EXCEEDED = 'partial-ingestion-threshold-exceeded';

export interface Decision {
  readonly promote: boolean;
  /** Batches this replay replaces: reverted after it is promoted (at most MAX_PREDECESSORS of the API). */
  readonly predecessors: readonly string[];
}

export async function decide(deps: IngestDeps, input: StepInput): Promise<Decision> {
  const { sandbox, batchId } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  if (!INGESTING.includes(batch.status)) return { promote: false, predecessors: [] };
  const chunks = await deps.batches.stagedChunksOf(sandbox, batchId);
  const read = chunks.reduce((total, chunk) => total + chunk.inputRecordCount, 0);
  const failed = chunks.reduce((total, chunk) => total + chunk.failedRecordCount, 0);
  const allowed = batch.partialIngestionPercent;
  const exceeded = batch.status === 'staging' && failed * 100 > allowed * read;
  const completedAt = deps.now().toISOString();
  if (exceeded) {
    await discardStaging(deps, sandbox, batchId);
    const percent = ((failed * 100) / read).toFixed(2);
    await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
      current.status === 'staging'
        ? {
            status: 'failed',
            completedAt,
            failure: {
              code: THRESHOLD_EXCEEDED,
              message: `${failed} of ${read} rows failed (${percent}%), over the batch's partialIngestionPercent of ${allowed}; nothing was ingested`,
            },
          }
        : undefined,
    );
    return { promote: false, predecessors: [] };
  }
  const decided = await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
    current.status === 'staging' ? { status: 'processing' } : undefined,
  );
  if (decided?.status !== 'processing') return { promote: false, predecessors: [] };
  return { promote: true, predecessors: batch.replay?.predecessors ?? [] };
}
