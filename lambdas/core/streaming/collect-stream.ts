/** The port through which the collect service writes accepted messages to the ingest stream. */
import { DomainError } from '../errors/domain-error';

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

/**
 * Puts every entry of a re-put of records the platform already holds (a replay, a redrive), or fails `unavailable`
 * `{what}-incomplete` with how many the stream refused: repeating is safe, as de-duplication keeps what was ingested
 * from being ingested twice.
 */
export async function putAgain(
  stream: StreamWriter,
  entries: readonly StreamEntry[],
  what: 'replay' | 'redrive',
): Promise<void> {
  if (entries.length === 0) return;
  const refused = (await stream.put(entries)).filter((outcome) => !outcome.ok).length;
  if (refused > 0) {
    throw new DomainError(
      'unavailable',
      `${what}-incomplete`,
      `the stream refused ${refused} of ${entries.length} records; repeat the ${what} (what was ingested is not duplicated)`,
    );
  }
}
