/**
 * The quarantine's JSON Lines: the codes both pipelines give a failed record and what each means (file rows name
 * their own codes in core/files/row-errors.ts; every code's description is here), and the line of a failed stream
 * record (a file batch's is its FailedRow, core/batches/file-batch-types.ts), which the batches API exports and
 * replays.
 */
import { MAPPING_LIMIT_EXCEEDED } from '../mapping/functions/function-types';
import { PROCESSING_BUDGET_EXCEEDED } from '../processing-budget';
import type { UpsertOperation } from '../profiles/fragments';

export const QUARANTINE_CODES = {
  invalid: 'schema-validation',
  undecodable: 'undecodable',
  datasetNotFound: 'dataset-not-found',
  schemaNotFound: 'schema-not-found',
  timestampSkew: 'timestamp-skew',
} as const;

/** What each code means, as a batch's errors describe it (a code without one is described by itself). */
export const CODE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [QUARANTINE_CODES.invalid]: 'records that do not conform to the dataset schema',
  'malformed-json': 'rows that are not valid JSON',
  'malformed-csv': "rows that are not valid CSV or do not have the header's number of fields",
  'not-an-object': 'rows that are not a JSON object',
  'too-many-fields': 'rows with more fields than the batch guardrail allows',
  'column-conflict': 'rows whose dotted column names give one field two values',
  [QUARANTINE_CODES.undecodable]: 'stream records that are not a readable message',
  [QUARANTINE_CODES.datasetNotFound]: 'records of a dataset that no longer exists',
  [QUARANTINE_CODES.schemaNotFound]: 'records whose dataset schema version no longer exists',
  [QUARANTINE_CODES.timestampSkew]: 'records stamped more than a day after they arrived',
  [PROCESSING_BUDGET_EXCEEDED]: 'records whose mapping and validation took longer than their time budget',
  [MAPPING_LIMIT_EXCEEDED]: 'rows whose mapping went over a bound on its steps or the size of what it builds',
};

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
