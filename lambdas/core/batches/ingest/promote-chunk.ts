/**
 * Promotes one staged chunk: its Parquet file is copied into the lake, its records are applied to the profiles
 * (when the dataset is profile-enabled), and only then is the chunk marked promoted and its staging copy removed.
 * Every part is idempotent — the lake key is fixed, profile writes are keyed, the record of what the profile store
 * refused is rewritten whole — so a retry or a resumed batch redoes what was not marked done without duplicating
 * anything.
 *
 * Rows stand in arrival order by the batch's start time, then the chunk's place in the plan, then the row's place
 * in the chunk: of two rows of one customer with equal times, the later row in the file wins. A replay passes the
 * batches it replaces, so what they stored with the same version is taken over by the replay and survives their
 * revert, which follows the replay's promotion.
 */
import { APPLY_CODES, type ApplyItem, type ApplyResult } from '../../profiles/apply-to-profiles';
import { arrivalOrder } from '../../profiles/fragments';
import { BatchStateError, batchForStep } from '../batch-transitions';
import type { FailedRow, FileBatch, StagedChunk } from '../file-batch-types';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { stagedChunkNames, type ChunkPage, type PageInput } from './chunk-pages';
import { rowOfMessageId } from './stage-chunk';
import { rowsOfParquet, type StagedRow } from './staged-records';
import { lakeKey, quarantineKey } from '../../lake/lake-keys';

export interface ChunkNameInput extends StepInput {
  readonly chunk: string;
}

/** Records applied per call: bounded so one call's retries stay small and its memory flat. */
export const PROFILE_SLICE = 500;

/** The stage of a profile refusal in the failed-record export, and the keyword of the violation explaining it. */
export const PROFILE_STAGE = 'profile';

const JSON_LINES = 'application/x-ndjson';

/** Raised when the profile store kept failing records of a chunk; the workflow retries the step. */
export class ProfileStoreError extends Error {
  readonly retryable = true;
  constructor(failed: number, chunk: string) {
    super(`the profile store failed ${failed} records of chunk ${chunk}; retry`);
    this.name = 'ProfileStoreError';
  }
}

/** Where a chunk's profile refusals are kept: beside its failed rows, under the batch's quarantine prefix. */
export const profileQuarantineKey = (sandbox: string, datasetId: string, batchId: string, chunk: string) =>
  quarantineKey(sandbox, datasetId, batchId, `${chunk}.${PROFILE_STAGE}`);

/** The chunks of one page of the staged chunks that still have rows to promote, while the batch is promoted. */
export async function chunksToPromote(deps: IngestDeps, input: PageInput): Promise<ChunkPage<string>> {
  const batch = await batchForStep(deps.batches, input.sandbox, input.batchId);
  if (batch.status !== 'processing') return { chunks: [], next: null };
  return stagedChunkNames(deps, input, (chunk) => chunk.stagingKey !== undefined && !chunk.promoted);
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
  const refused = await applyChunk(deps, batch, staged, bytes);
  const profileErrors = new Map<string, number>();
  for (const line of refused) profileErrors.set(line.code, (profileErrors.get(line.code) ?? 0) + 1);
  const refusalsKey =
    refused.length > 0 ? profileQuarantineKey(sandbox, batch.datasetId, batchId, chunk) : undefined;
  if (refusalsKey) {
    const body = Buffer.from(`${refused.map((line) => JSON.stringify(line)).join('\n')}\n`);
    await deps.quarantine.put(refusalsKey, body, JSON_LINES);
  }
  await deps.batches.putStagedChunk(sandbox, batchId, {
    ...staged,
    promoted: true,
    lakeKey: target,
    profileErrors: Object.fromEntries(profileErrors),
    ...(refusalsKey ? { profileQuarantineKey: refusalsKey } : {}),
  });
  await deps.lake.delete(staged.stagingKey);
  return { done: true };
}

/**
 * Applies the chunk's records to the profiles (a profile-enabled dataset only) and answers the records the store
 * refused, as lines of the failed-record export. A store error (throttling, contention, an outage) is raised, for
 * the workflow to retry the step.
 */
async function applyChunk(
  deps: IngestDeps,
  batch: FileBatch,
  staged: StagedChunk,
  bytes: Uint8Array,
): Promise<FailedRow[]> {
  const { sandbox, batchId } = batch;
  const dataset = await deps.targets.target(sandbox, batch.datasetId);
  if (typeof dataset === 'string' || !dataset.profileEnabled) return [];
  const receivedAt = batch.startedAt ?? batch.createdAt;
  // Chunks staged before their place in the plan was recorded order by their rows alone.
  const ordinal = staged.ordinal ?? 0;
  const replaces = batch.replay?.predecessors ?? [];
  const refused: FailedRow[] = [];
  let rowInChunk = 0;
  for await (const group of rowsOfParquet(bytes)) {
    for (let start = 0; start < group.length; start += PROFILE_SLICE) {
      const rows = group.slice(start, start + PROFILE_SLICE);
      const items = rows.map((row, index): ApplyItem => ({
        record: row.record,
        source: { batchId },
        receivedAt,
        arrival: arrivalOrder(receivedAt, ordinal, rowInChunk + index),
      }));
      rowInChunk += rows.length;
      const outcome = await deps.applyToProfiles({
        sandbox,
        dataset: { id: dataset.datasetId, profileEnabled: true },
        schema: dataset.schema,
        items,
        ...(replaces.length > 0 ? { replaces } : {}),
      });
      const storeFailures = outcome.results.filter((result) => result.code === APPLY_CODES.storeError);
      if (storeFailures.length > 0) throw new ProfileStoreError(storeFailures.length, staged.chunk);
      for (const result of outcome.results) {
        const row = rows[result.index];
        if (result.status === 'failed' && row) refused.push(refusalLine(staged.file, row, result));
      }
    }
  }
  return refused;
}

/** A record the profile store refused, as the failed-record export shows it: in the lake, explained, not replayed. */
function refusalLine(file: string, row: StagedRow, result: ApplyResult): FailedRow {
  const rowNumber = rowOfMessageId(row.messageId);
  const reason = result.reason ?? 'the profile store refused the record';
  return {
    stage: PROFILE_STAGE,
    file,
    ...(rowNumber === undefined ? {} : { row: rowNumber }),
    code: result.code ?? APPLY_CODES.recordInvalid,
    violations: [{ pointer: '', keyword: PROFILE_STAGE, message: reason }],
    record: row.record,
  };
}
