/**
 * Limits of file batches, from configuration (the functions' environment), defaulting to Experience Platform's
 * documented guardrails. Uploads check the files and bytes limits as files arrive; the workflow checks them again
 * when the batch is completed (concurrent uploads may race past the first check); rows check the fields limit.
 */
import { DEFAULT_MAX_FIELDS_PER_ROW } from '../files/leaf-fields';

export interface BatchGuardrails {
  readonly maxFilesPerBatch: number;
  readonly maxBytesPerBatch: number;
  readonly maxFieldsPerRow: number;
}

/**
 * Experience Platform's enforced maximums of 1 TB per batch and 10,000 fields per row, and its 25,000 files per
 * batch. (The files limit was 1,500 while the workflow handed its whole chunk list through one Step Functions
 * payload; the plan is now stored and read a page at a time, so nothing but Experience Platform's limit bounds it.)
 */
export const DEFAULT_BATCH_GUARDRAILS: BatchGuardrails = {
  maxFilesPerBatch: 25_000,
  maxBytesPerBatch: 1_099_511_627_776,
  maxFieldsPerRow: DEFAULT_MAX_FIELDS_PER_ROW,
};
