/**
 * The quarantine's JSON Lines: the codes both pipelines give a failed record (file rows add their own,
 * core/files/row-errors.ts), and the line of a failed stream record (a file batch's is its FailedRow,
 * core/batches/file-batch-types.ts), which the batches API exports and replays.
 */
import type { UpsertOperation } from '../profiles/fragments';

export const QUARANTINE_CODES = {
  invalid: 'schema-validation',
  undecodable: 'undecodable',
  datasetNotFound: 'dataset-not-found',
  schemaNotFound: 'schema-not-found',
  timestampSkew: 'timestamp-skew',
} as const;

/** One failed record in the quarantine (a line of JSON Lines), with every reason it failed. */
export interface QuarantineLine {
  readonly messageId: string;
  readonly receivedAt: string;
  readonly inletId: string | null;
  readonly datasetId: string;
  readonly schemaId: string | null;
  /** The record as received; null when the stream record was undecodable (then `raw` holds its bytes). */
  readonly record: unknown;
  readonly raw?: string;
  readonly violations: readonly {
    readonly pointer: string;
    readonly keyword: string;
    readonly message: string;
  }[];
  readonly code: string;
  /**
   * `profile`: a record that is in the lake but the profile store refused (counted in `profileErrorCount`, not in
   * `failedRecordCount`, and never replayed). Absent: a record that failed before the lake (quarantined).
   */
  readonly stage?: 'profile';
  /** Where it was read from the stream. */
  readonly stream: { readonly shardId: string; readonly sequenceNumber: string };
  /** A replayed message's: when its first original was accepted (a replay orders the record by it). */
  readonly originalReceivedAt?: string;
  /** The message's index in its collection request. */
  readonly requestIndex?: number;
  /** The message's upsert operation (`header.operations.data`); absent for a create. */
  readonly operation?: UpsertOperation;
}
