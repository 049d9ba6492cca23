/**
 * What a chunk of either pipeline counts, and the streaming batch those counts add up to: the stream consumer
 * writes them, file batches count their staged chunks by the same codes, the batches API sums them into a batch's
 * metrics (a chunk is overwritten whole when the same records run again, so a sum never double counts).
 */

export interface StreamingBatch {
  readonly batchId: string;
  readonly sandbox: string;
  readonly datasetId: string;
  readonly type: 'streaming';
  /** ISO 8601 start (inclusive) and end (exclusive) of the receive-time window. */
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly createdAt: string;
}

/** Record counts by code: quarantine codes for failed records, profile codes for records the profile skipped. */
export type CodeCounts = Readonly<Record<string, number>>;

/** What one consumer invocation wrote for one batch; overwritten whole when the same records run again. */
export interface ChunkCounts {
  readonly chunk: string;
  /** Records written to the lake. */
  readonly outputRecordCount: number;
  /** Records written to the quarantine. */
  readonly failedRecordCount: number;
  /** Producer duplicates: valid messages whose key another stream record already holds. */
  readonly duplicateRecordCount: number;
  readonly errors: CodeCounts;
  /** Lake records the profile store did not take (non-retryable profile codes); they are in the lake. */
  readonly profileErrors: CodeCounts;
  /** Quarantine object holding this chunk's failed records, when it has any. */
  readonly quarantineKey?: string;
  readonly writtenAt: string;
}
