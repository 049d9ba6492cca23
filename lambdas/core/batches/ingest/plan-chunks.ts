/**
 * Plans the batch: each file (in dataset and path order) is read once to find where it can be cut — record
 * boundaries of line formats, row groups of Parquet — and what every chunk must know (CSV columns, compression).
 * The plans are stored per file; the chunks go to the Map state. A file that cannot be read at all fails the batch,
 * as Experience Platform fails batches with unreadable files.
 */
import { batchForStep, changeBatch } from '../batch-transitions';
import { FileFormatError } from '../formats/file-format-types';
import { chunkBytesFor, type ChunkItem } from './chunk-plan';
import { INGESTING, type StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';

export interface PlanOutcome {
  readonly proceed: boolean;
  readonly chunks: ChunkItem[];
}

export async function planChunks(deps: IngestDeps, input: StepInput): Promise<PlanOutcome> {
  const { sandbox, batchId } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  if (!INGESTING.includes(batch.status)) return { proceed: false, chunks: [] };
  const files = (await deps.files.listFiles(sandbox, batchId)).sort(
    (a, b) => a.datasetId.localeCompare(b.datasetId) || a.path.localeCompare(b.path),
  );
  const totalBytes = files.reduce((total, file) => total + file.size, 0);
  const targetChunkBytes = chunkBytesFor(deps.chunkBytes, totalBytes, files.length);
  const chunks: ChunkItem[] = [];
  for (const [fileIndex, file] of files.entries()) {
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
      chunks.push(...plan.chunks.map((chunk) => ({ file: fileIndex, ...chunk })));
    } catch (error) {
      if (!(error instanceof FileFormatError)) throw error;
      await failUnreadable(deps, input, file.path, error);
      return { proceed: false, chunks: [] };
    }
  }
  return { proceed: true, chunks };
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
