/**
 * Streaming batches as stored: the batch item (its identity and window), the per-chunk counts its metrics are the
 * sum of, and the port the consumer and the batches API use to reach them.
 */
import type { UpsertOperation } from '../profiles/fragments';
import type { Page, PageRequest } from '../page';
import type { FileBatch } from './file-batch-types';

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

/** A batch of either kind, as the catalog lists them. */
export type AnyBatch = StreamingBatch | FileBatch;

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

/** A de-duplication marker: the key one message claims in its dataset. */
export interface MarkerRef {
  readonly sandbox: string;
  readonly datasetId: string;
  readonly key: string;
}

/** A marker as a chunk records it: the key, and the stream record (`{shardId}#{sequenceNumber}`) that holds it. */
export interface OwnedMarker extends MarkerRef {
  readonly owner: string;
}

/** Everything one invocation wrote under one chunk name, so a smaller re-run can remove what it no longer writes. */
export interface ChunkManifest {
  readonly lakeKeys: readonly string[];
  readonly quarantineKeys: readonly string[];
  readonly chunkItems: readonly { readonly sandbox: string; readonly batchId: string }[];
  /**
   * The identity markers of the records the chunk puts in the lake, which it marks `written` at commit: a re-run
   * that no longer writes one of them un-marks it before its objects change.
   */
  readonly markers?: readonly OwnedMarker[];
  /** Set on the manifest written after every object: the invocation's writes are complete. */
  readonly committed?: boolean;
  /** With `committed`: the stream records (`{shardId}#{sequenceNumber}`) whose message this chunk put in the lake. */
  readonly writtenOwners?: readonly string[];
}

/** Who holds a de-duplication key: a stream record, the chunk that claimed it for that record, and what is known. */
export interface DedupHolder {
  readonly owner: string;
  readonly chunk?: string;
  /** Marked at the holder's commit: its message is in the lake. */
  readonly written?: boolean;
  /** When the holder's message was received (content keys de-duplicate only within a window of it). */
  readonly receivedAt?: string;
}

/** One stream record's claim of a key, naming the chunk that will write it. */
export interface DedupClaimRequest {
  readonly marker: MarkerRef;
  readonly owner: string;
  readonly chunk: string;
  readonly receivedAt: string;
  /** When the marker may be deleted (the table's time-to-live); an older marker counts as absent. */
  readonly expiresAt: Date;
}

/** The outcome of claiming a de-duplication key: claimed, or held by a stream record in a chunk (maybe this one). */
export type DedupClaim =
  { readonly claimed: true } | { readonly claimed: false; readonly holder: DedupHolder };

export interface BatchListFilter {
  readonly datasetId?: string;
}

export interface BatchStore {
  /**
   * Claims a de-duplication key for one stream record. Claimed when the key is free (or its marker expired) or is
   * already this record's in this chunk; otherwise answers who holds it — another record, or this record under
   * another chunk — so the caller can tell a duplicate from a holder that was never written.
   */
  claimDedup(claim: DedupClaimRequest): Promise<DedupClaim>;
  /** Moves a key from the holder named (its owner and chunk) to this claim; false when the holder changed. */
  takeOverDedup(claim: DedupClaimRequest, from: DedupHolder): Promise<boolean>;
  /** Marks (or un-marks) the holder's message as in the lake, if the marker is still the owner's in that chunk. */
  markDedupWritten(marker: OwnedMarker, chunk: string, written: boolean): Promise<void>;
  chunkManifest(chunk: string): Promise<ChunkManifest | undefined>;
  putChunkManifest(chunk: string, manifest: ChunkManifest): Promise<void>;
  putChunk(sandbox: string, batchId: string, counts: ChunkCounts): Promise<void>;
  deleteChunk(sandbox: string, batchId: string, chunk: string): Promise<void>;
  /** Creates the batch (and its place in the sandbox's list) unless it exists. */
  ensureBatch(batch: StreamingBatch): Promise<void>;
  getBatch(sandbox: string, batchId: string): Promise<AnyBatch | undefined>;
  chunksOf(sandbox: string, batchId: string): Promise<ChunkCounts[]>;
  /** Newest window first. */
  listBatches(sandbox: string, filter: BatchListFilter, page: PageRequest): Promise<Page<AnyBatch>>;
}

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
