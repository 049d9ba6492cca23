/**
 * Promotes one staged chunk: its Parquet file is copied into the lake, its records are applied to the profiles
 * (when the dataset is profile-enabled), and only then is the chunk marked promoted and its staging copy removed.
 * Every part is idempotent — the lake key is fixed, profile writes are keyed — so a retry or a resumed batch redoes
 * what was not marked done without duplicating anything.
 */
import { APPLY_CODES, type ApplyItem } from '../../profiles/apply-to-profiles';
import { lakeKey } from '../../streaming/stream-message';
import { BatchStateError, batchForStep } from '../batch-transitions';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { recordsOfParquet } from './staged-records';

export interface ChunkNameInput extends StepInput {
  readonly chunk: string;
}

/** Records applied per call: bounded so one call's retries stay small and its memory flat. */
export const PROFILE_SLICE = 500;

/** Raised when the profile store kept failing records of a chunk; the workflow retries the step. */
export class ProfileStoreError extends Error {
  readonly retryable = true;
  constructor(failed: number, chunk: string) {
    super(`the profile store failed ${failed} records of chunk ${chunk}; retry`);
    this.name = 'ProfileStoreError';
  }
}

export async function promoteChunk(deps: IngestDeps, input: ChunkNameInput): Promise<{ done: boolean }> {
  const { sandbox, batchId, chunk } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  if (batch.status !== 'processing') return { done: false };
  const staged = await deps.batches.getStagedChunk(sandbox, batchId, chunk);
  if (!staged) throw new BatchStateError(`batch ${batchId} has no staged chunk ${chunk}`);
  if (staged.promoted) {
    // The staging copy is removed after the chunk is marked promoted: a retry after a failed delete finishes it.
    if (staged.stagingKey !== undefined) await deps.lake.delete(staged.stagingKey);
    return { done: true };
  }
  if (staged.stagingKey === undefined) return { done: true };
  const receivedAt = batch.startedAt ?? batch.createdAt;
  const target = lakeKey(sandbox, batch.datasetId, batchId, receivedAt, chunk);
  const bytes = await deps.lake.getBytes(staged.stagingKey);
  if (!bytes) throw new BatchStateError(`the staged file of chunk ${chunk} of batch ${batchId} is gone`);
  await deps.lake.copy(staged.stagingKey, target);
  const profileErrors = new Map<string, number>();
  const dataset = await deps.targets.target(sandbox, batch.datasetId);
  if (typeof dataset !== 'string' && dataset.profileEnabled) {
    for await (const records of recordsOfParquet(bytes)) {
      for (let start = 0; start < records.length; start += PROFILE_SLICE) {
        const items = records
          .slice(start, start + PROFILE_SLICE)
          .map((record): ApplyItem => ({ record, source: { batchId }, receivedAt }));
        const outcome = await deps.applyToProfiles({
          sandbox,
          dataset: { id: dataset.datasetId, profileEnabled: true },
          schema: dataset.schema,
          items,
        });
        const storeFailures = outcome.results.filter((result) => result.code === APPLY_CODES.storeError);
        if (storeFailures.length > 0) throw new ProfileStoreError(storeFailures.length, chunk);
        for (const result of outcome.results) {
          if ((result.status === 'failed' || result.status === 'skipped') && result.code) {
            profileErrors.set(result.code, (profileErrors.get(result.code) ?? 0) + 1);
          }
        }
      }
    }
  }
  await deps.batches.putStagedChunk(sandbox, batchId, {
    ...staged,
    promoted: true,
    lakeKey: target,
    profileErrors: Object.fromEntries(profileErrors),
  });
  await deps.lake.delete(staged.stagingKey);
  return { done: true };
}
