/**
 * The chunks of a batch a page at a time, as the workflow's loops read them: a worker task answers one page and the
 * cursor of the next, and a Map state works through the page, so no state ever carries more than a page of chunks
 * (Step Functions caps a state at 256 KB). Staging reads the stored plan; promotion and reverts read the staged
 * chunks, picking those they still have to do.
 */
import { batchForStep } from '../batch-transitions';
import type { StagedChunk } from '../file-batch-types';
import type { ChunkItem } from './chunk-plan';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';

/** A page of chunk names (or items) for a Map state, and the cursor of the next page (null after the last). */
export interface ChunkPage<Chunk> {
  readonly chunks: Chunk[];
  readonly next: string | null;
}

export interface PageInput extends StepInput {
  /** The cursor a previous page answered as `next`; empty for the first page. */
  readonly page: string;
}

/** The chunks of one stored page of the plan, while the batch is being staged; none once it is decided. */
export async function chunksToStage(deps: IngestDeps, input: PageInput): Promise<ChunkPage<ChunkItem>> {
  const { sandbox, batchId } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  if (batch.status !== 'staging' || !batch.plan) return { chunks: [], next: null };
  const page = input.page === '' ? 0 : Number(input.page);
  const stored = page < batch.plan.pages ? await deps.batches.getPlanPage(sandbox, batchId, page) : undefined;
  const next = page + 1 < batch.plan.pages ? String(page + 1) : null;
  return { chunks: stored ? [...stored.chunks] : [], next };
}

/** Staged chunks per page when the promotion or a revert goes through them: a DynamoDB query page of small items. */
export const STAGED_CHUNKS_PER_PAGE = 500;

/** The names of the chunks of one page of the staged chunks that `wanted` picks. */
export async function stagedChunkNames(
  deps: IngestDeps,
  input: PageInput,
  wanted: (chunk: StagedChunk) => boolean,
): Promise<ChunkPage<string>> {
  const found = await deps.batches.stagedChunkPage(input.sandbox, input.batchId, {
    limit: STAGED_CHUNKS_PER_PAGE,
    ...(input.page === '' ? {} : { start: input.page }),
  });
  return {
    chunks: found.items.filter(wanted).map((chunk) => chunk.chunk),
    next: found.next ?? null,
  };
}
