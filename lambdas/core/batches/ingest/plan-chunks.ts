/**
 * Plans the batch, once: each file (in dataset and path order) is read to find where it can be cut — record
 * boundaries of line formats, row groups of Parquet — and what every chunk must know (CSV columns, compression).
 * The plans are stored per file and the chunks in pages, then the plan is committed on the batch; from then on the
 * batch is staged and promoted from what is stored, so a batch resumed after a deploy that plans differently is not
 * cut anew (its chunks staged twice under other names). A file that cannot be read at all fails the batch, as
 * Experience Platform fails batches with unreadable files.
 */
import { forEachLimited } from '../../profiles/parallel-calls';
import { batchForStep, changeBatch } from '../batch-transitions';
import { FileFormatError, type FilePlan } from '../../files/file-format-types';
import { chunkBytesFor, CHUNKS_PER_PAGE, type ChunkItem } from './chunk-plan';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';

/**
 * Files planned at once: a batch of many small files is bound by round trips to S3, which a few reads in flight
 * hide; each plan streams its file, so the worker's memory stays flat.
 */
export const PLAN_CONCURRENCY = 8;

export async function planChunks(deps: IngestDeps, input: StepInput): Promise<{ proceed: boolean }> {
  const { sandbox, batchId } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  // Only a batch being staged is planned, and only once; a decided batch was staged from its plan already.
  if (batch.status === 'processing') return { proceed: true };
  if (batch.status !== 'staging') return { proceed: false };
  if (batch.plan) return { proceed: true };
  await discardEarlierStaging(deps, input);
  const files = (await deps.files.listFiles(sandbox, batchId)).sort(
    (a, b) => a.datasetId.localeCompare(b.datasetId) || a.path.localeCompare(b.path),
  );
  const totalBytes = files.reduce((total, file) => total + file.size, 0);
  const targetChunkBytes = chunkBytesFor(deps.chunkBytes, totalBytes, files.length);
  const plans: (FilePlan | undefined)[] = [];
  const unreadable: { index: number; path: string; error: FileFormatError }[] = [];
  await forEachLimited([...files.entries()], PLAN_CONCURRENCY, async ([fileIndex, file]) => {
    const source = deps.sources.byteSource(file.parts, file.size);
    try {
      const plan = await deps.reader.plan(source, batch.inputFormat, { targetChunkBytes });
      await deps.batches.putFilePlan(sandbox, batchId, {
        fileIndex,
        datasetId: file.datasetId,
        path: file.path,
        size: file.size,
        parts: file.parts,
        compression: plan.compression,
        ...(plan.columns ? { columns: plan.columns } : {}),
      });
      plans[fileIndex] = plan;
    } catch (error) {
      if (!(error instanceof FileFormatError)) throw error;
      unreadable.push({ index: fileIndex, path: file.path, error });
    }
  });
  // The first unreadable file in batch order names the failure, however the reads interleaved.
  const [first] = unreadable.sort((a, b) => a.index - b.index);
  if (first) {
    await failUnreadable(deps, input, first.path, first.error);
    return { proceed: false };
  }
  const ordered: ChunkItem[] = plans
    .flatMap((plan, file) => (plan?.chunks ?? []).map((chunk) => ({ file, ...chunk })))
    .map((chunk, ordinal) => ({ ...chunk, ordinal }));
  const pages = Math.ceil(ordered.length / CHUNKS_PER_PAGE);
  for (let page = 0; page < pages; page += 1) {
    const slice = ordered.slice(page * CHUNKS_PER_PAGE, (page + 1) * CHUNKS_PER_PAGE);
    await deps.batches.putPlanPage(sandbox, batchId, { page, chunks: slice });
  }
  const plannedAt = deps.now().toISOString();
  const committed = await changeBatch(deps.batches, sandbox, batchId, deps.now, (current) =>
    current.status === 'staging' && current.plan === undefined
      ? { plan: { chunks: ordered.length, pages, plannedAt } }
      : undefined,
  );
  return { proceed: committed?.status === 'staging' };
}

/**
 * A batch planned before plans were stored may have chunks staged under another cut: they are removed with what
 * they wrote, so the counts and the promotion see only chunks of the plan made now. (Nothing of a staging batch
 * has been promoted.)
 */
async function discardEarlierStaging(deps: IngestDeps, input: StepInput): Promise<void> {
  const { sandbox, batchId } = input;
  for (const chunk of await deps.batches.stagedChunksOf(sandbox, batchId)) {
    if (chunk.stagingKey) await deps.lake.delete(chunk.stagingKey);
    if (chunk.quarantineKey) await deps.quarantine.delete(chunk.quarantineKey);
    await deps.batches.deleteStagedChunk(sandbox, batchId, chunk.chunk);
  }
}

/** Fails a batch whose file cannot be read (before anything of it was promoted). */
export async function failUnreadable(
  deps: IngestDeps,
  input: StepInput,
  path: string,
  error: FileFormatError,
): Promise<void> {
  const completedAt = deps.now().toISOString();
  await changeBatch(deps.batches, input.sandbox, input.batchId, deps.now, (batch) =>
    batch.status === 'staging'
      ? { status: 'failed', completedAt, failure: { code: error.code, message: `${path}: ${error.message}` } }
      : undefined,
  );
}
