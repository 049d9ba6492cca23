/**
 * The batch guardrails as files arrive: a new path beyond the files limit, or bytes beyond the bytes limit, is
 * refused with Experience Platform's wording. Concurrent uploads can race past these checks; the workflow checks
 * the limits again when the batch is completed.
 */
import { invalid, tooLarge } from '../../errors/domain-error';
import type { BatchGuardrails } from '../batch-guardrails';
import type { BatchFile } from '../file-batch-types';
import type { FileRef } from './upload-ports';

const hit = (count: number, unit: string, threshold: number) =>
  `Batch ingestion guardrails hit: ${count} ${unit} (over the ${threshold} threshold)`;

export const batchTooLarge = (bytes: number, guardrails: BatchGuardrails) =>
  tooLarge(hit(bytes, 'bytes', guardrails.maxBytesPerBatch), 'batch-too-large');

const isFile = (file: BatchFile, ref: FileRef) => file.datasetId === ref.datasetId && file.path === ref.path;

/** Refuses `ref` as a new file beyond the files limit. */
export function checkFileCount(files: readonly BatchFile[], ref: FileRef, guardrails: BatchGuardrails): void {
  if (files.some((file) => isFile(file, ref))) return;
  const count = files.length + 1;
  if (count > guardrails.maxFilesPerBatch) {
    throw invalid('too-many-files', hit(count, 'files', guardrails.maxFilesPerBatch));
  }
}

/**
 * Refuses `ref` at `size` bytes when the batch would then hold more than the bytes limit. Files not yet complete
 * count as 0: their size is known only once they are.
 */
export function checkBatchBytes(
  files: readonly BatchFile[],
  ref: FileRef,
  size: number,
  guardrails: BatchGuardrails,
): void {
  const others = files.filter((file) => !isFile(file, ref)).reduce((sum, file) => sum + file.size, 0);
  if (others + size > guardrails.maxBytesPerBatch) throw batchTooLarge(others + size, guardrails);
}
