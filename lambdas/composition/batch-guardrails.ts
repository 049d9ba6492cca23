/**
 * Batch guardrails and chunk size from the functions' environment (the CDK app sets them; a deployment may change
 * them), defaulting to the documented values; a value that is not a positive integer stops the start-up.
 */
import { ENV } from '../config/env-names';
import { DEFAULT_BATCH_GUARDRAILS, type BatchGuardrails } from '../core/batches/batch-guardrails';
import { DEFAULT_CHUNK_BYTES } from '../core/batches/ingest/chunk-plan';
import { positiveIntegerEnv } from './positive-integer-env';

export function batchGuardrailsFromEnvironment(): BatchGuardrails {
  return {
    maxFilesPerBatch: positiveIntegerEnv(ENV.batchMaxFiles, DEFAULT_BATCH_GUARDRAILS.maxFilesPerBatch),
    maxBytesPerBatch: positiveIntegerEnv(ENV.batchMaxBytes, DEFAULT_BATCH_GUARDRAILS.maxBytesPerBatch),
    maxFieldsPerRow: positiveIntegerEnv(ENV.batchMaxFieldsPerRow, DEFAULT_BATCH_GUARDRAILS.maxFieldsPerRow),
  };
}

export const chunkBytesFromEnvironment = () => positiveIntegerEnv(ENV.batchChunkBytes, DEFAULT_CHUNK_BYTES);
