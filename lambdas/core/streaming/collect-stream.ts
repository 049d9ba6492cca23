/** The port through which the collect service writes accepted messages to the ingest stream. */

export interface StreamEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** What became of one entry: stored (with where), or refused — throttled, or another (retryable) failure. */
export type StreamPutOutcome =
  | { readonly ok: true; readonly shardId: string; readonly sequenceNumber: string }
  | { readonly ok: false; readonly throttled: boolean; readonly reason: string };

export interface StreamWriter {
  /** One outcome per entry, in order; never throws for a refused entry. */
  put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]>;
}

/** Kinesis's limit on one record: data and partition key together at most 1 MiB. */
export const MAX_STREAM_RECORD_BYTES = 1024 * 1024;

export const entryBytes = (entry: StreamEntry): number =>
  entry.data.byteLength + Buffer.byteLength(entry.partitionKey, 'utf8');
