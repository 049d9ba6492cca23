/**
 * First step of an ingestion: the batch must still be one the workflow works on, and its files within the
 * guardrails (uploads checked them as files arrived, but concurrent uploads can race past that check). Counts the
 * files and bytes for the batch's metrics.
 */
import { batchForStep, changeBatch } from '../batch-transitions';
import type { IngestDeps } from './ingest-ports';

export interface StepInput {
  readonly sandbox: string;
  readonly batchId: string;
}

export const GUARDRAIL_EXCEEDED = 'guardrail-exceeded';

/** Statuses in which an ingestion runs: being staged, or decided and being promoted (a resumed run). */
export const INGESTING: readonly string[] = ['staging', 'processing'];

export async function checkGuardrails(deps: IngestDeps, input: StepInput): Promise<{ proceed: boolean }> {
  const batch = await batchForStep(deps.batches, input.sandbox, input.batchId);
  if (!INGESTING.includes(batch.status)) return { proceed: false };
  // A decided batch is being promoted: its files were counted and checked when it was staged.
  if (batch.status === 'processing') return { proceed: true };
  const files = await deps.files.listFiles(input.sandbox, input.batchId);
  const bytes = files.reduce((total, file) => total + file.size, 0);
  const { maxFilesPerBatch, maxBytesPerBatch } = deps.guardrails;
  const hits = [
    ...(files.length > maxFilesPerBatch
      ? [`${files.length} files (over the ${maxFilesPerBatch} threshold)`]
      : []),
    ...(bytes > maxBytesPerBatch ? [`${bytes} bytes (over the ${maxBytesPerBatch} threshold)`] : []),
  ];
  const now = deps.now().toISOString();
  const changed = await changeBatch(deps.batches, input.sandbox, input.batchId, deps.now, (current) => {
    if (!INGESTING.includes(current.status)) return undefined;
    if (hits.length === 0) return { inputFileCount: files.length, inputByteSize: bytes };
    return {
      status: 'failed',
      completedAt: now,
      inputFileCount: files.length,
      inputByteSize: bytes,
      failure: { code: GUARDRAIL_EXCEEDED, message: `Batch ingestion guardrails hit: ${hits.join('; ')}` },
    };
  });
  return { proceed: changed !== undefined && INGESTING.includes(changed.status) };
}
