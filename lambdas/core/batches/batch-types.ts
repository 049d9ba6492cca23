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

/** Everything one invocation wrote under one chunk name, so a smaller re-run can remove what it no longer writes. */
export interface ChunkManifest {
  readonly lakeKeys: readonly string[];
  readonly quarantineKeys: readonly string[];
  readonly chunkItems: readonly { readonly sandbox: string; readonly batchId: string }[];
  /** Set on the manifest written after every object: the invocation's writes are complete. */
  readonly committed?: boolean;
  /** With `committed`: the stream records (`{shardId}#{sequenceNumber}`) whose message this chunk put in the lake. */
  readonly writtenOwners?: readonly string[];
}

/** The outcome of claiming a de-duplication key: claimed, or held by another stream record (and its chunk). */
export type DedupClaim =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly holder: { readonly owner: string; readonly chunk?: string } };

export interface BatchListFilter {
  readonly datasetId?: string;
}

export interface BatchStore {
  /**
   * Claims a de-duplication key for one stream record, naming the chunk that will write it. Claimed when the key
   * was free or is already this owner's (a redelivery of the same stream record; the chunk is updated); otherwise
   * answers who holds it, so the caller can tell a producer duplicate from a holder that was never written.
   */
  claimDedup(
    sandbox: string,
    datasetId: string,
    key: string,
    owner: string,
    chunk: string,
  ): Promise<DedupClaim>;
  /** Moves a key from a holder whose message never reached the lake to this owner; false when the holder changed. */
  takeOverDedup(
    sandbox: string,
    datasetId: string,
    key: string,
    from: string,
    owner: string,
    chunk: string,
  ): Promise<boolean>;
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
  /** Where it was read from the stream. */
  readonly stream: { readonly shardId: string; readonly sequenceNumber: string };
  /** A replayed message's: when its first original was accepted (a replay orders the record by it). */
  readonly originalReceivedAt?: string;
  /** The message's index in its collection request. */
  readonly requestIndex?: number;
  /** The message's upsert operation (`header.operations.data`); absent for a create. */
  readonly operation?: UpsertOperation;
}
