/**
 * Limits of file batches, from configuration (the functions' environment), defaulting to Experience Platform's
 * documented guardrails. Uploads check the files and bytes limits as files arrive; the workflow checks them again
 * when the batch is completed (concurrent uploads may race past the first check); rows check the fields limit.
 */
export interface BatchGuardrails {
  readonly maxFilesPerBatch: number;
  readonly maxBytesPerBatch: number;
  readonly maxFieldsPerRow: number;
}

/** Experience Platform's enforced maximums: 25,000 files and 1 TB per batch, 10,000 fields per row. */
export const DEFAULT_BATCH_GUARDRAILS: BatchGuardrails = {
  maxFilesPerBatch: 25_000,
  maxBytesPerBatch: 1_099_511_627_776,
  maxFieldsPerRow: 10_000,
};
