/**
 * The stream consumer's port to the batches table: de-duplication markers, chunk manifests, chunk counts and the
 * streaming batch item (keys in core/batches/batch-keys.ts). The batches API reads what it writes through
 * core/batches/batch-types.ts's BatchStore; one adapter implements both.
 */
import type { ChunkCounts, StreamingBatch } from '../lake/chunk-counts';

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

export interface StreamBatchStore {
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
}
