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

/**
 * Experience Platform's enforced maximums of 1 TB per batch and 10,000 fields per row. Files per batch: 1,500, the
 * limit Experience Platform documented before raising it to 25,000 — the workflow hands its chunk list to a Map
 * state through Step Functions' 256 KB payload, which holds about 3,000 chunks (see ingest/chunk-plan.ts), and
 * every file is at least one chunk.
 */
export const DEFAULT_BATCH_GUARDRAILS: BatchGuardrails = {
  maxFilesPerBatch: 1_500,
  maxBytesPerBatch: 1_099_511_627_776,
  maxFieldsPerRow: 10_000,
};
